// nifti_subject_source.cpp — the NIfTI source: a reader per thread that loads a subject's files
// and preprocesses them on every read.
#include "voxtrain/data/nifti/nifti_subject_source.hpp"

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/data/nifti/volume_loader.hpp"

namespace voxtrain {

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
