// trained_preprocessing.cpp — histogram landmarks and label mapping: read, or trained in one pass
// over the training subjects and written to histogram_ref_file.
#include "voxtrain/data/preprocessing/trained_preprocessing.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/nifti/volume_loader.hpp"

namespace voxtrain {
namespace fs = std::filesystem;
namespace {

bool file_has_label_mapping(const std::string& ref, const std::string& label_section) {
  if (!fs::exists(ref)) return false;
  const auto key = label_mapping_keys(label_section).first;
  for (const auto& line : read_reference_file(ref))
    if (line.name == key) return true;
  return false;
}

void add_label_values(const Tensor& label, std::set<std::int32_t>& values) {
  const std::int32_t* v = label.data<std::int32_t>();
  for (std::int64_t e = 0; e < label.numel(); ++e) values.insert(v[e]);
}

TrainedParts read_present(const PreprocessingSettings& settings) {
  const NormalisationSettings& n = settings.normalisation;
  const std::string& ref = n.histogram_ref_file;
  TrainedParts t;
  if (n.normalisation && fs::exists(ref)) t.landmarks = read_landmarks_file(ref, settings.modalities);
  if (n.label_normalisation && file_has_label_mapping(ref, settings.label_section))
    t.labels = read_label_mapping(ref, settings.label_section);
  return t;
}

}  // namespace

TrainedParts read_trained_preprocessing(const PreprocessingSettings& settings) {
  const NormalisationSettings& n = settings.normalisation;
  TrainedParts t = read_present(settings);
  if (n.normalisation && !t.landmarks)
    throw error("[NETWORK] normalisation = True needs the histogram landmarks in {}, which does not hold them: train "
                "first (voxtrain train) or point histogram_ref_file at the training run's file",
                n.histogram_ref_file);
  if (n.label_normalisation && !t.labels && !settings.label_section.empty())
    throw error("[SEGMENTATION] label_normalisation = True needs the label mapping in {}, which does not hold it: "
                "train first (voxtrain train) or point histogram_ref_file at the training run's file",
                n.histogram_ref_file);
  return t;
}

TrainedParts load_or_train_preprocessing(const PreprocessingSettings& settings,
                                         const std::vector<SubjectFiles>& subjects,
                                         const std::function<void(const std::string&, std::int64_t)>& stage,
                                         const std::function<void(const std::string&)>& advance) {
  const NormalisationSettings& n = settings.normalisation;
  const std::string& ref = n.histogram_ref_file;
  TrainedParts t = read_present(settings);
  const bool train_landmarks = n.normalisation && !t.landmarks;
  const bool train_labels = n.label_normalisation && !t.labels;
  if (!train_landmarks && !train_labels) return t;

  if (stage) stage("training preprocessing", static_cast<std::int64_t>(subjects.size()));
  std::map<std::string, std::vector<Landmarks>> per_modality;
  std::set<std::int32_t> values;
  for (const SubjectFiles& files : subjects) {
    Subject s = load_subject_files(files);
    preprocess_subject_grid(s, settings.spatial);
    if (train_landmarks)
      for (const auto& [modality, l] : training_image_landmarks({files.id, &s.image}, settings.modalities, n))
        per_modality[modality].push_back(l);
    if (train_labels) add_label_values(s.label, values);
    if (advance) advance(files.id);
  }
  fs::create_directories(fs::path(ref).parent_path());
  if (train_landmarks) {
    t.landmarks = average_landmarks(per_modality, settings.modalities);
    write_landmarks_file(ref, *t.landmarks);
    t.trained_landmarks_file = ref;
  }
  if (train_labels) {
    // The mapping of the union of every subject's values: trained on one map holding each value once
    // (train_label_mapping also refuses more values than num_classes, listing them).
    Tensor seen = Tensor::empty({1, 1, 1, static_cast<std::int64_t>(values.size())}, DType::Int32);
    std::copy(values.begin(), values.end(), seen.data<std::int32_t>());
    t.labels = train_label_mapping({LabelSubject{"the training subjects", &seen}}, settings.num_classes);
    write_label_mapping(ref, *t.labels, settings.label_section);
    t.trained_labels_file = ref;
  }
  return t;
}

}  // namespace voxtrain
