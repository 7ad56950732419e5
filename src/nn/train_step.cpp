// train_step.cpp — the training step's stages and their order, the non-finite checks, the NaN
// hand-off that makes every rank skip together, validation forward and prediction.
#include "voxtrain/nn/train_step.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <string_view>

#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/functional.hpp"

namespace voxtrain {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The first non-finite of a float32 tensor as a NonFinite, the batch item from its leading dimension.
// Tensors of another type or layout are left to the network and the loss, which refuse them.
std::optional<NonFinite> nonfinite_in(const Tensor& t, std::string_view what) {
  if (!t.defined() || t.dtype() != DType::Float32 || !t.is_plain() || !t.device().is_cpu()) return std::nullopt;
  const std::int64_t i = first_nonfinite(t);
  if (i < 0) return std::nullopt;
  const std::int64_t per_item = t.rank() > 0 && t.shape()[0] > 0 ? t.numel() / t.shape()[0] : t.numel();
  return NonFinite{std::string(what), i, t.data<float>()[i], per_item > 0 ? i / per_item : -1};
}

// Batch norm's running statistics (any buffer), copied; restored on destruction.
class BufferSnapshot {
 public:
  explicit BufferSnapshot(Module& module) : buffers_(module.buffers()) {
    for (const auto& [name, t] : buffers_) saved_.push_back(t->clone());
  }
  BufferSnapshot(const BufferSnapshot&) = delete;
  BufferSnapshot& operator=(const BufferSnapshot&) = delete;
  ~BufferSnapshot() {
    for (std::size_t k = 0; k < buffers_.size(); ++k)
      std::memcpy(buffers_[k].second->raw_data(), saved_[k].raw_data(), saved_[k].nbytes());
  }

 private:
  std::vector<std::pair<std::string, Tensor*>> buffers_;
  std::vector<Tensor> saved_;
};

}  // namespace

std::int64_t first_nonfinite(const Tensor& t) {
  if (t.dtype() != DType::Float32) throw InternalError("first_nonfinite: a float32 tensor is needed");
  const float* x = t.data<float>();
  const std::int64_t n = t.numel();
  // A float is non-finite when its exponent bits are all ones. The OR over a chunk vectorises;
  // only a chunk that holds one is searched again.
  constexpr std::int64_t kChunk = 4096;
  constexpr std::uint32_t kExponent = 0x7f800000u;
  for (std::int64_t begin = 0; begin < n; begin += kChunk) {
    const std::int64_t end = std::min(n, begin + kChunk);
    std::uint32_t any = 0;
    for (std::int64_t i = begin; i < end; ++i) any |= static_cast<std::uint32_t>((std::bit_cast<std::uint32_t>(x[i]) & kExponent) == kExponent);
    if (any == 0) continue;
    for (std::int64_t i = begin; i < end; ++i)
      if ((std::bit_cast<std::uint32_t>(x[i]) & kExponent) == kExponent) return i;
  }
  return -1;
}

// ---- TrainStep ----------------------------------------------------------------------------------

TrainStep::TrainStep(Backend& backend, Network& network, const Loss& loss, Optimizer& optimizer,
                     GradientReduction& reduction, std::vector<Parameter*> trainable)
    : backend_(backend),
      network_(network),
      loss_(loss),
      optimizer_(optimizer),
      reduction_(reduction),
      trainable_(std::move(trainable)),
      tape_(backend) {
  std::set<const Parameter*> seen;
  std::set<std::string_view> names;
  for (const Parameter* p : trainable_) {
    if (p == nullptr) throw InternalError("TrainStep: a null trainable parameter");
    if (!seen.insert(p).second || !names.insert(p->name()).second)
      throw InternalError(fmt::format("TrainStep: parameter '{}' is listed twice as trainable", p->name()));
  }
  all_ = network_.parameters();
  for (Parameter* p : trainable_)
    if (std::find(all_.begin(), all_.end(), p) == all_.end()) all_.push_back(p);
  handed_off_.assign(trainable_.size(), 0);
  tape_.on_gradient_ready([this](Parameter& p) { hand_off(p); });
}

void TrainStep::expect(Stage stage, const char* what) const {
  static constexpr const char* kAfter[] = {"no stage (a new step)", "forward", "backward", "wait_for_reduction",
                                           "check_nonfinite"};
  if (stage_ != stage)
    throw InternalError(fmt::format("TrainStep::{} called after {}; it follows {}", what,
                                    kAfter[static_cast<int>(stage_)], kAfter[static_cast<int>(stage)]));
}

void TrainStep::hand_off(Parameter& p) {
  const auto found = std::find(trainable_.begin(), trainable_.end(), &p);
  if (found == trainable_.end()) return;  // frozen: its gradient stays here
  char& done = handed_off_[static_cast<std::size_t>(found - trainable_.begin())];
  if (done) throw InternalError(fmt::format("TrainStep: gradient of '{}' became ready twice", p.name()));
  done = 1;
  reduction_.gradient_ready(p);
}

double TrainStep::forward(const Tensor& images, const Tensor& labels, const Tensor* weights, bool check_nonfinite,
                          bool keep_logits) {
  if (stage_ != Stage::Idle) throw InternalError("TrainStep::forward called before the previous step finished");
  for (Parameter* p : all_) p->zero_grad();
  std::fill(handed_off_.begin(), handed_off_.end(), 0);
  forward_nonfinite_.reset();
  logits_ = Tensor();
  tape_.clear();
  tape_.set_recording(true);
  network_.set_training(true);
  reduction_.begin_step(trainable_);
  stage_ = Stage::Forwarded;
  try {
    return forward_and_loss(images, labels, weights, check_nonfinite, keep_logits);
  } catch (...) {
    stage_ = Stage::Idle;  // a failed forward (e.g. an Error about the input) ends the step
    tape_.clear();
    throw;
  }
}

double TrainStep::forward_and_loss(const Tensor& images, const Tensor& labels, const Tensor* weights,
                                   bool check_nonfinite, bool keep_logits) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  forward_check_seconds_ = 0;
  if (check_nonfinite) {
    const auto start = Clock::now();
    forward_nonfinite_ = nonfinite_in(images, "images");
    if (!forward_nonfinite_ && labels.dtype() == DType::Float32) forward_nonfinite_ = nonfinite_in(labels, "labels");
    if (!forward_nonfinite_ && weights != nullptr) forward_nonfinite_ = nonfinite_in(*weights, "weights");
    forward_check_seconds_ += seconds_since(start);
    if (forward_nonfinite_) return kNaN;
  }
  const Var logits = fn::to_plain(network_.forward(tape_.input(images)));
  if (keep_logits) logits_ = logits.value();
  if (check_nonfinite) {
    const auto start = Clock::now();
    forward_nonfinite_ = nonfinite_in(logits.value(), "logits");
    forward_check_seconds_ += seconds_since(start);
    if (forward_nonfinite_) return kNaN;
  }
  loss_var_ = fn::loss(logits, loss_, labels, weights);
  const double loss = loss_var_.value().data<float>()[0];
  if (check_nonfinite && !std::isfinite(loss)) forward_nonfinite_ = NonFinite{"loss", 0, loss, -1};
  return loss;
}

void TrainStep::backward() {
  expect(Stage::Forwarded, "backward");
  if (forward_nonfinite_) {
    // Poison the hand-off: a NaN in every gradient survives any sum over ranks, so every rank's
    // check sees a non-finite reduced gradient and all skip this step together.
    for (Parameter* p : trainable_) p->grad().fill(std::numeric_limits<double>::quiet_NaN());
    for (auto it = trainable_.rbegin(); it != trainable_.rend(); ++it) hand_off(**it);
  } else {
    Tensor seed = Tensor::empty({1});
    seed.fill(1.0);
    tape_.backward(loss_var_, seed);
    // A trainable parameter backward never reached (unused this step) has its final, zero, gradient.
    for (std::size_t k = 0; k < trainable_.size(); ++k)
      if (!handed_off_[k]) hand_off(*trainable_[k]);
  }
  tape_.clear();
  loss_var_ = Var{};
  stage_ = Stage::Backwarded;
}

void TrainStep::wait_for_reduction() {
  expect(Stage::Backwarded, "wait_for_reduction");
  reduction_.wait_all();
  stage_ = Stage::Reduced;
}

std::optional<NonFinite> TrainStep::check_nonfinite() {
  expect(Stage::Reduced, "check_nonfinite");
  stage_ = Stage::Checked;
  if (forward_nonfinite_) return forward_nonfinite_;
  for (Parameter* p : trainable_) {
    const std::int64_t i = first_nonfinite(p->grad());
    if (i >= 0) return NonFinite{p->name(), i, p->grad().data<float>()[i], -1};
  }
  return std::nullopt;
}

void TrainStep::apply_update(double learning_rate) {
  if (stage_ != Stage::Reduced) expect(Stage::Checked, "apply_update");
  stage_ = Stage::Idle;
  optimizer_.step(trainable_, learning_rate);
}

void TrainStep::finish_without_update() {
  if (stage_ != Stage::Reduced) expect(Stage::Checked, "finish_without_update");
  stage_ = Stage::Idle;
}

StepResult TrainStep::run(const Tensor& images, const Tensor& labels, const Tensor* weights,
                          const StepOptions& options) {
  StepResult result;
  try {
    auto start = Clock::now();
    result.loss = forward(images, labels, weights, options.check_nonfinite, options.keep_logits);
    result.timing.forward = seconds_since(start) - forward_check_seconds_;
    result.timing.check = forward_check_seconds_;

    start = Clock::now();
    backward();
    result.timing.backward = seconds_since(start);

    start = Clock::now();
    wait_for_reduction();
    result.timing.reduction_wait = seconds_since(start);

    if (options.check_nonfinite) {
      start = Clock::now();
      result.nonfinite = check_nonfinite();
      result.timing.check += seconds_since(start);
    }

    if (options.apply_update && !result.nonfinite) {
      start = Clock::now();
      apply_update(options.learning_rate);
      result.timing.optimizer = seconds_since(start);
      result.updated = true;
    } else {
      finish_without_update();
    }
  } catch (...) {
    // The next step starts afresh (the reduction's begin_step resets it too).
    stage_ = Stage::Idle;
    tape_.clear();
    loss_var_ = Var{};
    throw;
  }
  if (options.keep_logits) result.logits = take_logits();
  return result;
}

// ---- evaluation and prediction ------------------------------------------------------------------

EvalResult evaluate_batch(Backend& backend, Network& network, const Loss& loss, const Tensor& images,
                          const Tensor& labels, const Tensor* weights) {
  const BufferSnapshot running(network);  // batch norm updates its running statistics in training mode
  network.set_training(true);
  Tape tape(backend);
  tape.set_recording(false);
  EvalResult result;
  result.logits = backend.to_plain(network.forward(tape.input(images)).value());
  result.nonfinite = nonfinite_in(result.logits, "logits");
  result.loss = result.nonfinite ? std::numeric_limits<double>::quiet_NaN()
                                 : loss.evaluate(result.logits, labels, weights).value;
  return result;
}

Tensor predict(Backend& backend, Network& network, const Tensor& images) {
  network.set_training(false);
  Tape tape(backend);
  tape.set_recording(false);
  Tensor logits = backend.to_plain(network.forward(tape.input(images)).value());
  network.set_training(true);
  return logits;
}

}  // namespace voxtrain
