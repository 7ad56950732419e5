// evaluation_config.hpp — `voxtrain evaluate -c config.ini` (NiftyNet's evaluation action): the
// segmentations a run's inference wrote, paired by subject id with the label files of its data set.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/apps/evaluation.hpp"

namespace voxtrain {

class RunConfig;

// The subject id of an inference output, named as inference writes it: window_seg_<id>_<postfix>
// with .nii.gz (or .nii); postfix is [INFERENCE] output_postfix ("_niftynet_out" gives
// "window_seg_sub-001__niftynet_out.nii.gz" -> "sub-001"). nullopt for any other name.
std::optional<std::string> inference_output_subject_id(std::string_view file_name, std::string_view postfix);

// [SEGMENTATION] num_classes (-1, NiftyNet's "not set", is an Error) and evaluation_units
// (foreground: label 0 left out, NiftyNet's default), [EVALUATION] evaluations (empty: the
// EvaluationSettings defaults, NiftyNet's). Errors name the key and where it was set.
EvaluationSettings evaluation_settings(const RunConfig& config);

// What the config says to evaluate.
struct ConfigEvaluation {
  std::string seg_dir;        // [INFERENCE] save_seg_dir, under model_dir
  std::string label_section;  // [SEGMENTATION] label
  // pairs: one per segmentation, sorted by subject id; unmatched_ref: the label files of the
  // subjects without a segmentation (a subset was inferred); unmatched_seg: empty.
  FileMatching matching;
  std::string output_pattern;  // "window_seg_<subject>__niftynet_out.nii.gz" for output_postfix _niftynet_out
  std::vector<std::string> other_files;  // .nii/.nii.gz files in seg_dir not named so, left out
  EvaluationSettings settings;
  std::string csv_path;  // [EVALUATION] save_csv_dir under model_dir, then "eval_subject_id_label.csv"
};

// NiftyNet's CSV name for rows grouped by (subject_id, label): "eval_" + "subject_id_label" + ".csv".
inline constexpr std::string_view kEvaluationCsvName = "eval_subject_id_label.csv";

// Reads the settings, finds the subjects with the application's input discovery (the label file
// of each is its reference) and the segmentations in save_seg_dir, and pairs them by subject id.
// Errors (one line each, naming the file or key): num_classes not set, output_prob = True (the
// outputs are probabilities), no [SEGMENTATION] label, save_seg_dir missing or without inference
// outputs, two outputs for one subject, an output whose subject is not in the data set.
ConfigEvaluation evaluation_from_config(const RunConfig& config);

}  // namespace voxtrain
