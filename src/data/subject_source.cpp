// subject_source.cpp — the default reader operations (whole subject, then crop) and the NIfTI
// source that reads and preprocesses a subject's files on every read.
#include "voxtrain/data/subject_source.hpp"

#include <fmt/format.h>

#include "voxtrain/core/check.hpp"
#include "voxtrain/data/volume_loader.hpp"

namespace voxtrain {

AugmentedPatch crop_subject_patch(const Subject& subject, const PatchLocation& at) {
  AugmentedPatch p;
  p.image = crop_patch(subject.image, at);
  if (subject.label.defined()) p.label = crop_patch(subject.label, at);
  if (subject.weight.defined()) p.weight = crop_patch(subject.weight, at);
  return p;
}

AugmentedPatch SubjectReader::read_patch(std::int64_t index, const PatchLocation& at) {
  return crop_subject_patch(read_subject(index), at);
}

SamplerInput SubjectReader::read_sampler_input(SamplerKind kind, std::int64_t index) {
  return sampler_input(kind, read_subject(index), index);
}

namespace {

class NiftiReader final : public SubjectReader {
 public:
  explicit NiftiReader(const NiftiSubjectSource& source) : source_(source) {}
  Subject read_subject(std::int64_t index) override { return source_.load(index); }

 private:
  const NiftiSubjectSource& source_;
};

}  // namespace

NiftiSubjectSource::NiftiSubjectSource(std::vector<SubjectFiles> subjects, PreprocessingSettings settings,
                                       std::optional<HistogramLandmarks> landmarks,
                                       std::optional<LabelMapping> label_mapping)
    : subjects_(std::move(subjects)),
      settings_(std::move(settings)),
      landmarks_(std::move(landmarks)),
      label_mapping_(std::move(label_mapping)) {}

const std::string& NiftiSubjectSource::id(std::int64_t index) const {
  VOX_ASSERT(index >= 0 && index < size());
  return subjects_[static_cast<std::size_t>(index)].id;
}

std::unique_ptr<SubjectReader> NiftiSubjectSource::open_reader() const { return std::make_unique<NiftiReader>(*this); }

std::string NiftiSubjectSource::describe() const {
  return fmt::format("{} subjects from NIfTI files, preprocessed as they are read", subjects_.size());
}

Subject NiftiSubjectSource::load(std::int64_t index) const {
  VOX_ASSERT(index >= 0 && index < size());
  Subject s = load_subject_files(subjects_[static_cast<std::size_t>(index)]);
  const TrainedPreprocessing trained{landmarks_ ? &*landmarks_ : nullptr, label_mapping_ ? &*label_mapping_ : nullptr};
  preprocess_subject(s, settings_, trained);
  return s;
}

}  // namespace voxtrain
