// nifti_subject_source.hpp — a SubjectSource over NIfTI files: each subject's files read and
// preprocessed every time it is read, as NiftyNet does (an HDF5 store does it once, ahead).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/data/inputs/subject_files.hpp"
#include "voxtrain/data/preprocessing/preprocessing.hpp"
#include "voxtrain/data/subject_source.hpp"

namespace voxtrain {

// NIfTI files read with load_subject_files and preprocessed with preprocess_subject each time a
// subject is read (what NiftyNet does; an HDF5 store does it once, ahead of training).
class NiftiSubjectSource final : public SubjectSource {
 public:
  NiftiSubjectSource(std::vector<SubjectFiles> subjects, PreprocessingSettings settings,
                     std::optional<HistogramLandmarks> landmarks = std::nullopt,
                     std::optional<LabelMapping> label_mapping = std::nullopt);
  std::int64_t size() const override { return static_cast<std::int64_t>(subjects_.size()); }
  const std::string& id(std::int64_t index) const override;
  std::unique_ptr<SubjectReader> open_reader() const override;
  std::string describe() const override;

  // Reads and preprocesses subject `index` (thread-safe).
  Subject load(std::int64_t index) const;

 private:
  std::vector<SubjectFiles> subjects_;
  PreprocessingSettings settings_;
  std::optional<HistogramLandmarks> landmarks_;
  std::optional<LabelMapping> label_mapping_;
};

}  // namespace voxtrain
