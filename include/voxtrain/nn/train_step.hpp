// train_step.hpp — one training step as explicit stages (forward and loss, backward handing each
// gradient to the reduction, the one wait, a non-finite check, the optimizer), and evaluation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "voxtrain/nn/gradient_reduction.hpp"
#include "voxtrain/nn/loss.hpp"
#include "voxtrain/nn/network.hpp"
#include "voxtrain/nn/optimizer.hpp"
#include "voxtrain/nn/tape.hpp"

namespace voxtrain {

// Seconds spent in each stage of one step (steady clock).
struct StepTiming {
  double forward = 0;         // forward pass and loss (less the checks of inputs and logits)
  double backward = 0;        // backward, including the hand-offs to the reduction
  double reduction_wait = 0;  // GradientReduction::wait_all: communication not hidden by backward
  double check = 0;           // the non-finite checks: inputs, logits, loss, reduced gradients
  double optimizer = 0;
  double total() const { return forward + backward + reduction_wait + check + optimizer; }
};

// The first non-finite value a step met, in the order the step looks: images, labels (float
// ones), weights, logits, loss, then the reduced gradients in the order of `trainable`.
struct NonFinite {
  std::string what;         // "images", "labels", "weights", "logits", "loss" or a parameter's name
  std::int64_t index = -1;  // row-major element index in that tensor (0 for the loss)
  double value = 0;         // NaN, +inf or -inf
  std::int64_t item = -1;   // images, labels, weights, logits: the batch item holding it; else -1
};

struct StepOptions {
  double learning_rate = 0;
  // Check inputs, logits, loss and reduced gradients (one pass each) and skip the optimizer on
  // a non-finite value. false: no checks; a non-finite loss or gradient then throws Error from
  // the loss or the optimizer.
  bool check_nonfinite = true;
  bool apply_update = true;  // false: every stage but the optimizer
  bool keep_logits = false;  // return the logits (plain) in StepResult::logits
};

struct StepResult {
  double loss = 0;  // NaN when the inputs or the logits were not finite (the loss was not computed)
  Tensor logits;    // [N, classes, D, H, W] plain, when keep_logits
  StepTiming timing;
  std::optional<NonFinite> nonfinite;  // set: the optimizer did not run (stop or skip: the caller's choice)
  bool updated = false;                // the optimizer ran
};

// The training step of one network on one rank. run() calls the stages in order; they are public
// so that tests and the benchmark can drive and time them, and each refuses (InternalError) to
// run out of order. The reduction is the seam distribution plugs into: it receives each trainable
// gradient during backward, as soon as it is final, and the optimizer waits at one point,
// wait_for_reduction(), for every reduced gradient.
class TrainStep {
 public:
  // trainable: the parameters the optimizer updates, in a fixed order (the same on every rank;
  // network.parameters() for all). Frozen ones (the network's others) still get gradients where
  // backward computes them, but these are never handed off nor applied. Names must be unique.
  TrainStep(Backend& backend, Network& network, const Loss& loss, Optimizer& optimizer, GradientReduction& reduction,
            std::vector<Parameter*> trainable);
  TrainStep(const TrainStep&) = delete;
  TrainStep& operator=(const TrainStep&) = delete;

  // One step: images [N, C, D, H, W] float32, labels as the loss wants them, weights an optional
  // weight map [N, 1, D, H, W].
  StepResult run(const Tensor& images, const Tensor& labels, const Tensor* weights, const StepOptions& options);

  // 1. Zeroes every gradient, tells the reduction which parameters come (begin_step), and runs
  //    forward and loss (network in training mode). With check_nonfinite, the images, float
  //    labels and weights are checked before and the logits after the forward pass: a non-finite
  //    value ends the stage without the loss (returns NaN) and is what check_nonfinite() reports.
  //    Returns the loss.
  double forward(const Tensor& images, const Tensor& labels, const Tensor* weights, bool check_nonfinite = true,
                 bool keep_logits = false);
  // 2. Backward; the tape's hook hands each trainable gradient to reduction.gradient_ready() the
  //    moment it is final (trainable parameters backward never reached are handed off after it,
  //    with zero gradients). After a non-finite forward there is no backward: every trainable
  //    gradient is set to NaN and handed off, so that the reduced gradients are non-finite on
  //    every rank and all ranks skip the same step.
  void backward();
  // 3. THE wait point: reduction.wait_all(). Afterwards every trainable grad() holds its reduced
  //    value.
  void wait_for_reduction();
  // 4. The first non-finite value of the forward stage, or else of the reduced gradients (one
  //    pass over them).
  std::optional<NonFinite> check_nonfinite();
  // 5. The optimizer's update of the trainable parameters; completes the step.
  void apply_update(double learning_rate);
  // Ends a step without the optimizer (after stage 3 or 4).
  void finish_without_update();

  // The logits of the last forward(keep_logits = true), plain; moved out.
  Tensor take_logits() { return std::move(logits_); }
  std::span<Parameter* const> trainable() const { return trainable_; }

 private:
  enum class Stage { Idle, Forwarded, Backwarded, Reduced, Checked };
  void expect(Stage stage, const char* what) const;
  void hand_off(Parameter& p);
  double forward_and_loss(const Tensor& images, const Tensor& labels, const Tensor* weights, bool check_nonfinite,
                          bool keep_logits);

  Backend& backend_;
  Network& network_;
  const Loss& loss_;
  Optimizer& optimizer_;
  GradientReduction& reduction_;
  std::vector<Parameter*> trainable_;
  std::vector<Parameter*> all_;  // the network's parameters and the trainable ones: zeroed each step
  Tape tape_;
  Stage stage_ = Stage::Idle;
  Var loss_var_;
  std::optional<NonFinite> forward_nonfinite_;
  double forward_check_seconds_ = 0;  // of forward(): its checks, counted as StepTiming::check
  Tensor logits_;
  std::vector<char> handed_off_;  // per trainable parameter, this step
};

// What evaluate_batch returns.
struct EvalResult {
  double loss = 0;  // NaN when the logits were not finite (the loss was not computed)
  Tensor logits;    // [N, classes, D, H, W] plain
  std::optional<NonFinite> nonfinite;  // "logits", when they hold a non-finite value
};

// Validation forward, as NiftyNet validates: the training graph (normalisation with the batch's
// statistics) without backward, and batch norm's running statistics left as they were.
EvalResult evaluate_batch(Backend& backend, Network& network, const Loss& loss, const Tensor& images,
                          const Tensor& labels, const Tensor* weights = nullptr);

// Forward only, in inference mode (running statistics): logits [N, num_classes, D, H, W], plain.
Tensor predict(Backend& backend, Network& network, const Tensor& images);

// The first non-finite element of a float32 plain host tensor, or -1: one pass, vectorised.
std::int64_t first_nonfinite(const Tensor& t);

}  // namespace voxtrain
