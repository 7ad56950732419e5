// trained_preprocessing.hpp — the trained parts of the preprocessing (histogram landmarks, label
// mapping): read from histogram_ref_file when it holds them, else trained on the training subjects.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/data/inputs/subject_files.hpp"
#include "voxtrain/data/preprocessing/preprocessing.hpp"

namespace voxtrain {

struct TrainedParts {
  std::optional<HistogramLandmarks> landmarks;  // normalisation = True
  std::optional<LabelMapping> labels;           // label_normalisation = True
  std::string trained_landmarks_file;           // written now ("" when read or not used)
  std::string trained_labels_file;

  TrainedPreprocessing view() const { return {landmarks ? &*landmarks : nullptr, labels ? &*labels : nullptr}; }
};

// Reads what histogram_ref_file already holds; trains the rest in ONE pass over the training
// subjects (one subject in memory at a time, spatial preprocessing only) and writes it there.
// stage("training preprocessing", n) is called before the pass, advance(id) after each subject.
TrainedParts load_or_train_preprocessing(const PreprocessingSettings& settings,
                                         const std::vector<SubjectFiles>& training_subjects,
                                         const std::function<void(const std::string&, std::int64_t)>& stage = {},
                                         const std::function<void(const std::string&)>& advance = {});

// Only reads (inference): a part the settings need but the file lacks throws Error naming the file
// and what to do (train first).
TrainedParts read_trained_preprocessing(const PreprocessingSettings& settings);

}  // namespace voxtrain
