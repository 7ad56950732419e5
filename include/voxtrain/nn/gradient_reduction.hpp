// gradient_reduction.hpp — the stage of a training step between backward and the optimizer: each
// parameter's final gradient is handed off as soon as it is ready; the optimizer waits at one point.
#pragma once

#include <span>
#include <vector>

#include "voxtrain/nn/parameter.hpp"

namespace voxtrain {

// Distribution plugs in here (averaging over ranks) without touching the training loop.
class GradientReduction {
 public:
  virtual ~GradientReduction() = default;
  // Before backward: the parameters whose gradients will be handed off this step, in the
  // network's order (the same on every rank), so buckets can be planned.
  virtual void begin_step(std::span<Parameter* const> parameters) = 0;
  // Called during backward, once per parameter, when its gradient is final. Must return at once:
  // start whatever communication the gradient needs and leave.
  virtual void gradient_ready(Parameter& parameter) = 0;
  // The one point the optimizer waits at: returns when every handed-off gradient holds its
  // reduced value (the average over devices) in Parameter::grad().
  virtual void wait_all() = 0;
};

// One device: nothing to reduce; checks that each parameter was handed off exactly once.
class LocalReduction final : public GradientReduction {
 public:
  void begin_step(std::span<Parameter* const> parameters) override;
  void gradient_ready(Parameter& parameter) override;
  void wait_all() override;
  // Parameters handed off in the last step, in the order they became ready.
  std::span<Parameter* const> ready_order() const { return ready_; }

 private:
  std::vector<Parameter*> expected_;
  std::vector<Parameter*> ready_;
};

}  // namespace voxtrain
