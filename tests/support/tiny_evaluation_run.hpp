// tiny_evaluation_run.hpp — a run's directory for `voxtrain evaluate -c` tests: a config, three
// subjects' T1 and label files, and segmentations written by inference's own writer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/test_files.hpp"

namespace voxtrain::testing {

// The label values of a 5 x 4 x 3 volume (i fastest), all of 0, 1, 2.
using LabelValues = std::vector<std::int32_t>;

// The config the run starts with: [T1] and [Label] in ./data, model_dir ./model, num_classes 3,
// evaluations Dice, jaccard; save_seg_dir, evaluation_units and save_csv_dir left at their defaults.
extern const char* const kTinyEvaluationConfig;

class TinyEvaluationRun {
 public:
  // Writes data/sub-<n>_T1.nii.gz and data/sub-<n>_Label.nii.gz for n = 1, 2, 3, and config.ini.
  explicit TinyEvaluationRun(const std::string& config_text = kTinyEvaluationConfig);
  const std::string& config() const { return config_; }
  std::string path(const std::string& relative) const { return dir_.file(relative); }
  std::string seg_dir() const { return dir_.file("model/output"); }
  // Rewrites config.ini.
  void set_config(const std::string& text) const;

  // Subject n's reference labels, and a segmentation of it with a known share of voxels changed.
  static LabelValues reference(int subject);
  static LabelValues segmentation(int subject);
  // Writes values as subject `id`'s inference output into seg_dir() with inference's writer
  // (window_seg_<id>__niftynet_out.nii.gz, recorded in inferred.csv); returns its path.
  std::string write_segmentation(const std::string& id, const LabelValues& values) const;

 private:
  ScratchDir dir_{"evaluate_config"};
  std::string config_;
};

// Dice (2 tp / (2 tp + fp + fn)) and Jaccard (tp / (tp + fp + fn)) of `label`, counted voxel by voxel.
double naive_dice(const LabelValues& seg, const LabelValues& ref, int label);
double naive_jaccard(const LabelValues& seg, const LabelValues& ref, int label);

}  // namespace voxtrain::testing
