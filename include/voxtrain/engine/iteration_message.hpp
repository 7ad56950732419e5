// iteration_message.hpp — what the driver and the handlers pass each other about one iteration
// (NiftyNet's IterationMessage): its number and phase, what to run, what came out, when to stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace voxtrain {

// NiftyNet's three phases, and voxtrain's validation by whole volumes: each validation subject
// segmented by grid inference and scored with volume-level metrics (volume_dice, ...), never
// confused with the patch-level values of the validation phase.
enum class IterationPhase { Training, Validation, Inference, VolumeValidation };

// "training", "validation", "inference" (NiftyNet's names), "volume_validation".
std::string_view iteration_phase_name(IterationPhase phase);

// Seconds spent in each part of an iteration (the performance logger prints them).
struct IterationTiming {
  double data_wait = 0;      // waiting for the batch from the prefetch queue
  double forward = 0;        // forward and loss
  double backward = 0;       // backward, including handing gradients off
  double communication = 0;  // waiting for gradient reduction (and output reduction)
  double optimizer = 0;      // non-finite check and the optimizer's update
};

class IterationMessage {
 public:
  IterationMessage(std::int64_t current_iter = 0, IterationPhase phase = IterationPhase::Training);

  std::int64_t current_iter() const { return current_iter_; }
  // Also restarts the iteration's clock and clears its outputs, as NiftyNet's setter does.
  void set_current_iter(std::int64_t iter);
  IterationPhase phase() const { return phase_; }
  bool is_training() const { return phase_ == IterationPhase::Training; }
  bool is_validation() const { return phase_ == IterationPhase::Validation; }
  bool is_inference() const { return phase_ == IterationPhase::Inference; }
  bool is_volume_validation() const { return phase_ == IterationPhase::VolumeValidation; }

  // ---- what to run (set by handlers on iteration_started) ----
  bool apply_gradients = false;    // the apply_gradients handler: update the weights this iteration
  bool collect_summaries = false;  // the tensorboard logger: gather SUMMARY values this iteration

  // ---- what came out (set by the application and the driver) ----
  // CONSOLE values after reduction over devices, in the order the application added them.
  std::vector<std::pair<std::string, double>> console;
  // NiftyNet's interpret_output result: false once inference has processed every window.
  bool status = true;
  // False when a training iteration ended without its update and the run stops there (a
  // non-finite step with nonfinite = stop): it does not count as done, nor is it saved as done.
  bool completed = true;
  IterationTiming timing;

  // NiftyNet's should_stop: empty, or who asked to stop ("early_stopper", "nonfinite loss", ...).
  std::optional<std::string> should_stop;
  void stop(std::string reason) { if (!should_stop) should_stop = std::move(reason); }

  // Marks the end of the iteration's work (NiftyNet's current_iter_output setter records toc).
  void finish_timing();
  // Seconds from the start (or set_current_iter) to finish_timing, or to now if not finished.
  double duration() const;

  // NiftyNet's CONSOLE_FORMAT: "training iter 1, loss=0.5, dice=0.25 (0.123456s)"; validation and
  // volume_validation lines are indented by four spaces.
  std::string to_console_string() const;

 private:
  using Clock = std::chrono::steady_clock;
  std::int64_t current_iter_ = 0;
  IterationPhase phase_ = IterationPhase::Training;
  Clock::time_point tic_;
  std::optional<Clock::time_point> toc_;
};

// Values printed as NiftyNet does ("{}={}" with Python's float repr): 0.5, 0.1234567, 3.0, nan.
std::string format_console_value(double value);

}  // namespace voxtrain
