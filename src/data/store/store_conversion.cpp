// store_conversion.cpp — a data set into a store: discover subjects, train or read the histogram
// landmarks and label mapping, preprocess every subject once and write an HDF5 patch store.
#include "voxtrain/data/store/store_conversion.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/data/inputs/dataset_split.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/data/store/patch_store.hpp"
#include "voxtrain/data/inputs/dataset_config.hpp"
#include "voxtrain/data/nifti/volume_loader.hpp"
#include "voxtrain/data/preprocessing/trained_preprocessing.hpp"
#include "voxtrain/io/config/ini_file.hpp"

namespace voxtrain {
namespace fs = std::filesystem;
namespace {

// The subjects `phase` names in the config's split file (all subjects for "all").
std::vector<SubjectFiles> subjects_of_phase(const IniFile& ini, const std::vector<SubjectFiles>& all,
                                            const std::string& phase_text) {
  if (phase_text == "all") return all;
  const std::optional<Phase> phase = parse_phase(phase_text);
  if (!phase) throw error("convert: --phase '{}' is not a phase: use all, training, validation or inference", phase_text);
  const std::string path = dataset_split_path(ini);
  if (!fs::exists(path))
    throw error("convert: --phase {} needs the split file {}, which does not exist; run 'voxdata split -c {}' first",
                phase_text, path, ini.path());
  const DatasetSplit split = read_split(path);
  std::vector<std::string> ids;
  for (const auto& s : all) ids.push_back(s.id);
  check_split_matches(split, ids, path);
  return subjects_in_phase(all, split, *phase);
}

// The subjects histogram and label training see: the split's training subjects when a split file
// exists, else every subject (as NiftyNet with no split).
std::vector<SubjectFiles> training_subjects(const IniFile& ini, const std::vector<SubjectFiles>& all) {
  const std::string path = dataset_split_path(ini);
  if (!fs::exists(path)) return all;
  return subjects_of_phase(ini, all, "training");
}



// Where each --set key goes in the configuration the explicit form stands for.
const std::vector<std::string> kSetInputKeys{"pixdim", "axcodes"};  // every input section
const std::vector<std::string> kSetNetworkKeys{"whitening", "normalise_foreground_only", "foreground_type",
                                               "multimod_foreground_type", "normalisation", "histogram_ref_file",
                                               "norm_type", "cutoff", "percentile_clipping", "clipping_percentiles",
                                               "clipping_rescale"};
const std::vector<std::string> kSetSegmentationKeys{"label_normalisation", "num_classes"};

bool contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// The --set lines as (key, value), every key one convert reads; an unknown key is refused.
std::vector<std::pair<std::string, std::string>> set_lines(const ConvertOptions& o) {
  std::vector<std::string> known = kSetInputKeys;
  known.insert(known.end(), kSetNetworkKeys.begin(), kSetNetworkKeys.end());
  known.insert(known.end(), kSetSegmentationKeys.begin(), kSetSegmentationKeys.end());
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& kv : o.extra_network) {
    const auto eq = kv.find('=');
    std::string key = to_lower(kv.substr(0, eq));
    if (!contains(known, key))
      throw error("convert: --set {}: '{}' is not a setting convert uses{}; it takes {}", kv, key,
                  did_you_mean(key, known), join(known));
    lines.emplace_back(std::move(key), kv.substr(eq + 1));
  }
  return lines;
}

}  // namespace

IniFile explicit_convert_config(const ConvertOptions& o) {
  const auto lines = set_lines(o);
  auto lines_for = [&](const std::vector<std::string>& keys) {
    std::string text;
    for (const auto& [key, value] : lines)
      if (contains(keys, key)) text += fmt::format("{} = {}\n", key, value);
    return text;
  };
  std::string text;
  auto section = [&](const std::string& keyword) {
    text += fmt::format("[{}]\npath_to_search = {}\nfilename_contains = {}\n", keyword, fmt::join(o.images, ", "),
                        keyword);
    text += lines_for(kSetInputKeys);
  };
  for (const auto& k : o.image_contains) section(k);
  if (!o.label_contains.empty()) {
    section(o.label_contains);
    text += "interp_order = 0\n";
  }
  const std::string out_dir = fs::absolute(o.out).parent_path().string();
  text += fmt::format("[SYSTEM]\nmodel_dir = {}\n[NETWORK]\n", out_dir);
  text += lines_for(kSetNetworkKeys);
  text += fmt::format("[SEGMENTATION]\nimage = {}\n", fmt::join(o.image_contains, ", "));
  if (!o.label_contains.empty()) text += fmt::format("label = {}\n", o.label_contains);
  text += lines_for(kSetSegmentationKeys);
  return IniFile::parse(text, "(command line)");
}

ConvertSummary run_convert(const ConvertOptions& o, const std::function<void(const std::string&)>& advance,
                           const ConvertProgress& stage) {
  const IniFile ini = o.config.empty() ? explicit_convert_config(o) : IniFile::read(o.config);
  const auto sections = input_sections(ini);
  const auto grouping = input_grouping(ini, sections);
  const PreprocessingSettings settings = preprocessing_settings_from_ini(ini, sections, grouping);
  const std::vector<SubjectFiles> all = discover_subjects(sections, grouping);
  const std::vector<SubjectFiles> chosen = subjects_of_phase(ini, all, o.phase);
  if (chosen.empty())
    throw error("convert: the phase '{}' of {} has no subjects; check the split file or use --phase all", o.phase,
                ini.path());

  ConvertSummary summary;
  if (settings.normalisation.label_normalisation && settings.label_section.empty())
    throw error("{}: label_normalisation = True but no label input is grouped; set [SEGMENTATION] label", ini.path());
  const TrainedParts t = load_or_train_preprocessing(settings, training_subjects(ini, all), stage, advance);
  summary.trained_landmarks = t.trained_landmarks_file;
  summary.trained_labels = t.trained_labels_file;
  const TrainedPreprocessing trained = t.view();

  PatchStoreOptions store_options;
  store_options.gzip_level = parse_compression(o.compression, "--compression");
  store_options.data_checksums = o.data_checksums;
  PatchStoreWriter writer(o.out, PreprocessingFingerprint{preprocessing_fingerprint(settings, trained)}, store_options);
  if (stage) stage("convert", static_cast<std::int64_t>(chosen.size()));
  for (const SubjectFiles& files : chosen) {
    Subject s = load_subject_files(files);
    preprocess_subject(s, settings, trained);
    writer.add_subject(s);
    if (advance) advance(files.id);
  }
  writer.commit();
  summary.subjects = static_cast<std::int64_t>(chosen.size());
  return summary;
}

std::map<std::string, std::string> config_store_fingerprint(const IniFile& ini) {
  const auto sections = input_sections(ini);
  const auto grouping = input_grouping(ini, sections);
  const PreprocessingSettings settings = preprocessing_settings_from_ini(ini, sections, grouping);
  std::optional<HistogramLandmarks> landmarks;
  std::optional<LabelMapping> labels;
  if (settings.normalisation.normalisation)
    landmarks = read_landmarks_file(settings.normalisation.histogram_ref_file, settings.modalities);
  if (settings.normalisation.label_normalisation)
    labels = read_label_mapping(settings.normalisation.histogram_ref_file, settings.label_section);
  return preprocessing_fingerprint(settings, {landmarks ? &*landmarks : nullptr, labels ? &*labels : nullptr});
}

void check_store_against_config(const std::string& store, const IniFile& ini) {
  check_fingerprint(PatchStoreReader(store), PreprocessingFingerprint{config_store_fingerprint(ini)});
}

}  // namespace voxtrain
