// segmentation_application.hpp — NiftyNet's segmentation application ([SEGMENTATION]): the data
// set, samplers, network, loss and optimizer of a run, one training / validation / inference
// iteration each, per-class Dice on the console, and NIfTI segmentations written by inference.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/apps/segmentation/segmentation_settings.hpp"
#include "voxtrain/engine/application.hpp"

namespace voxtrain {

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

  const SegmentationSettings& settings() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Registers SEGMENTATION with the application registry (the voxtrain command calls it).
void register_segmentation_application();

}  // namespace voxtrain
