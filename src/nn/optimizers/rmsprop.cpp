// rmsprop.cpp — TF's RMSProp (uncentred): ms = rho ms + (1 - rho) g^2 with ms starting at 1,
// mom = mu mom + lr g / sqrt(ms + eps), w -= mom (without momentum: w -= lr g / sqrt(ms + eps)).
#include "voxtrain/nn/optimizers/rmsprop.hpp"

#include <cmath>

namespace voxtrain {

RmsProp::RmsProp(const OptimizerConfig& config)
    : Optimizer(config, "rmsprop",
                config.rmsprop_momentum > 0 ? std::vector<Slot>{{"rms", 1.0f}, {"momentum", 0.0f}}
                                            : std::vector<Slot>{{"rms", 1.0f}}),
      rho_(config.rho),
      momentum_(config.rmsprop_momentum),
      epsilon_(config.rmsprop_epsilon) {
  require_fraction("[TRAINING] rho", rho_, "0.9");
  require_fraction("[TRAINING] rmsprop_momentum", momentum_, "0 or 0.9");
  require_positive("[TRAINING] rmsprop_epsilon", epsilon_, "1e-10");
}

void RmsProp::update(const Update& u) {
  const double lr = u.learning_rate;
  float* ms = u.slots[0];
  float* mom = momentum_ > 0 ? u.slots[1] : nullptr;
  for (std::size_t i = 0; i < u.value.size(); ++i) {
    const double g = u.grad[i];
    const double s = rho_ * ms[i] + (1.0 - rho_) * g * g;
    ms[i] = static_cast<float>(s);
    double delta = lr * g / std::sqrt(s + epsilon_);
    if (mom != nullptr) {
      delta += momentum_ * mom[i];
      mom[i] = static_cast<float>(delta);
    }
    u.value[i] = static_cast<float>(u.value[i] - delta);
  }
}

}  // namespace voxtrain
