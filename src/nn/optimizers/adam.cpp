// adam.cpp — TF's Adam (Kingma & Ba, section 2's efficient form): m = b1 m + (1 - b1) g,
// v = b2 v + (1 - b2) g^2, w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps);
// AdamW also takes w -= lr * weight_decay * w (the weight before this step), as PyTorch does.
#include "voxtrain/nn/optimizers/adam.hpp"

#include <cmath>
#include <utility>

namespace voxtrain {

Adam::Adam(const OptimizerConfig& config, std::string name)
    : Optimizer(config, std::move(name), {{"m", 0.0f}, {"v", 0.0f}}),
      beta1_(config.beta1),
      beta2_(config.beta2),
      epsilon_(config.epsilon),
      weight_decay_(config.weight_decay) {
  require_fraction("[TRAINING] beta1", beta1_, "0.9");
  require_fraction("[TRAINING] beta2", beta2_, "0.999");
  require_positive("[TRAINING] epsilon", epsilon_, "1e-8");
}

void Adam::update(const Update& u) {
  const auto t = static_cast<double>(u.step);
  const double lr = u.learning_rate;
  const double lr_t = lr * std::sqrt(1.0 - std::pow(beta2_, t)) / (1.0 - std::pow(beta1_, t));
  const double decoupled = lr * weight_decay_;  // 0 for adam
  float* m = u.slots[0];
  float* v = u.slots[1];
  for (std::size_t i = 0; i < u.value.size(); ++i) {
    const double g = u.grad[i];
    const double mi = beta1_ * m[i] + (1.0 - beta1_) * g;
    const double vi = beta2_ * v[i] + (1.0 - beta2_) * g * g;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    const double w = u.value[i];
    u.value[i] = static_cast<float>(w - decoupled * w - lr_t * mi / (std::sqrt(vi) + epsilon_));
  }
}

}  // namespace voxtrain
