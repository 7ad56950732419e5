// segmentation_application.hpp — NiftyNet's segmentation application ([SEGMENTATION]): the data
// set, samplers, network, loss and optimizer of a run, one training / validation / inference
// iteration each, per-class Dice on the console, and NIfTI segmentations written by inference.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/apps/segmentation/segmentation_settings.hpp"
#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/data/preprocessing/preprocessing.hpp"
#include "voxtrain/engine/application.hpp"

namespace voxtrain {

struct SubjectFiles;

// One subject segmented whole: the output on the grid it was read on, and (for validation) its
// label on that grid as class indices.
struct SegmentedSubject {
  Tensor output;               // int32 labels [1, D, H, W] or float32 [K, D, H, W]
  OriginalGrid grid;
  Tensor label;                // undefined unless asked for and present
  std::array<double, 3> spacing{1, 1, 1};
  double load_seconds = 0, infer_seconds = 0;
};

class SegmentationApplication final : public Application {
 public:
  SegmentationApplication();
  ~SegmentationApplication() override;

  void initialise(EngineContext& context) override;
  void start_sampling() override;
  void stop_sampling() override;
  void run_iteration(IterationMessage& message) override;
  bool interpret_output(IterationMessage& message) override;
  void save_checkpoint(CheckpointData& data) override;
  void restore_checkpoint(const CheckpointData& data, const std::string& path) override;
  void start_without_checkpoint() override;

  const SegmentationSettings& settings() const;

 private:
  SegmentedSubject segment(const SubjectFiles& files, AggregatedOutput output, bool keep_label);
  void infer_one(IterationMessage& message);
  void validate_volumes(IterationMessage& message);

  struct State;
  std::unique_ptr<State> state_;
};

// Registers SEGMENTATION with the application registry (the voxtrain command calls it).
void register_segmentation_application();

}  // namespace voxtrain
