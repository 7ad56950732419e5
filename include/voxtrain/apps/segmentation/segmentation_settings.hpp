// segmentation_settings.hpp — everything the segmentation application takes from a run's config
// ([NETWORK], [TRAINING], [INFERENCE], [SEGMENTATION]), typed and checked once at start-up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "voxtrain/data/augmentation/augmentation.hpp"
#include "voxtrain/data/inference/window_aggregator.hpp"
#include "voxtrain/data/sampling/sampler.hpp"
#include "voxtrain/io/checkpoint/checkpoint_restore.hpp"
#include "voxtrain/nn/loss.hpp"
#include "voxtrain/nn/lr_schedule.hpp"
#include "voxtrain/nn/network.hpp"
#include "voxtrain/nn/optimizer.hpp"

namespace voxtrain {

class RunConfig;

enum class NonfiniteMode { Stop, Skip };

struct SegmentationSettings {
  // [NETWORK]
  std::string network = "unet";
  NetworkConfig network_config;          // in_channels from the image sections, num_classes from [SEGMENTATION]
  std::int64_t batch_size = 2;
  SamplerKind sampler = SamplerKind::Uniform;
  std::int64_t queue_length = 5;
  // [SEGMENTATION]
  int num_classes = 2;
  LossOptions loss_options;              // softmax
  // [TRAINING]
  std::string loss_type = "Dice";
  OptimizerConfig optimizer;
  LrScheduleConfig lr_schedule;
  std::int64_t sample_per_volume = 1;
  AugmentationSettings augmentation;
  std::uint64_t seed = 0;
  NonfiniteMode nonfinite = NonfiniteMode::Stop;
  std::string vars_to_restore;
  std::string vars_to_freeze;
  std::vector<RestorableScope> restore_scopes;  // [TRAINING] restore_scopes, paths resolved
  std::int64_t volume_validation_every_n = -1;  // <= 0: no validation by whole volumes
  std::string best_metric;                      // e.g. volume_dice; empty: none
  std::vector<std::string> volume_metrics;      // computed by whole-volume validation: dice, then best_metric's
  // [SYSTEM]
  int num_threads = 2;
  // windows: the input sections' spatial_window_size (training); [INFERENCE] spatial_window_size
  // overrides it for inference when set
  WindowSize window{32, 32, 32};
  WindowSize inference_window{32, 32, 32};
  // [INFERENCE]
  AggregationSettings aggregation;       // border, fill_constant; output Argmax unless output_prob
  std::string save_seg_dir;              // resolved against model_dir
  std::string output_postfix = "_niftynet_out";
  std::string dataset_to_infer;          // '', training, validation, inference, all
};

// Reads and checks the settings; errors name the key and where it was set.
SegmentationSettings segmentation_settings(const RunConfig& config, std::int64_t in_channels);

}  // namespace voxtrain
