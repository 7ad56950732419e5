// sgd.cpp — w -= lr * g; with momentum mu: buf = mu * buf + g, w -= lr * buf; Nesterov:
// w -= lr * (g + mu * buf). TF's MomentumOptimizer and PyTorch's SGD (dampening 0) agree.
#include "voxtrain/nn/optimizers/sgd.hpp"

#include <utility>

#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

double momentum_for(const OptimizerConfig& config, const std::string& name) {
  return name == "gradientdescent" ? 0.0 : config.momentum;
}

}  // namespace

Sgd::Sgd(const OptimizerConfig& config, std::string name)
    : Optimizer(config, name,
                momentum_for(config, name) > 0 ? std::vector<Slot>{{"momentum", 0.0f}} : std::vector<Slot>{}),
      momentum_(momentum_for(config, name)),
      nesterov_(name == "nesterov" || config.nesterov) {
  if (name == "gradientdescent" && config.nesterov)
    throw error("[TRAINING] nesterov = true needs momentum, which optimiser 'gradientdescent' does "
                "not have: choose optimiser = nesterov, or set nesterov = false");
  require_fraction("[TRAINING] momentum", config.momentum, "0.9");
  if (nesterov_ && momentum_ == 0.0)
    throw error("Nesterov momentum needs [TRAINING] momentum > 0 for optimiser '{}', not 0: set "
                "momentum = 0.9, or set nesterov = false",
                this->name());
}

void Sgd::update(const Update& u) {
  const double lr = u.learning_rate;
  const std::size_t n = u.value.size();
  if (momentum_ == 0.0) {
    for (std::size_t i = 0; i < n; ++i) u.value[i] = static_cast<float>(u.value[i] - lr * u.grad[i]);
    return;
  }
  float* buf = u.slots[0];
  const double mu = momentum_;
  for (std::size_t i = 0; i < n; ++i) {
    const double g = u.grad[i];
    const double b = mu * buf[i] + g;
    buf[i] = static_cast<float>(b);
    const double direction = nesterov_ ? g + mu * b : b;
    u.value[i] = static_cast<float>(u.value[i] - lr * direction);
  }
}

}  // namespace voxtrain
