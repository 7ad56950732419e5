// adagrad.cpp — TF's Adagrad: acc += g^2, w -= lr * g / sqrt(acc), with acc starting at
// initial_accumulator (> 0, so the root is never 0 and no epsilon is needed).
#include "voxtrain/nn/optimizers/adagrad.hpp"

#include <cmath>

namespace voxtrain {

Adagrad::Adagrad(const OptimizerConfig& config)
    : Optimizer(config, "adagrad", {{"accumulator", static_cast<float>(config.initial_accumulator)}}) {
  require_positive("[TRAINING] initial_accumulator", config.initial_accumulator, "0.1");
}

void Adagrad::update(const Update& u) {
  const double lr = u.learning_rate;
  float* acc = u.slots[0];
  for (std::size_t i = 0; i < u.value.size(); ++i) {
    const double g = u.grad[i];
    const double a = acc[i] + g * g;
    acc[i] = static_cast<float>(a);
    u.value[i] = static_cast<float>(u.value[i] - lr * g / std::sqrt(a));
  }
}

}  // namespace voxtrain
