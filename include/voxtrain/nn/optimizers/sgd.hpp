// sgd.hpp — gradient descent, plain or with heavy-ball or Nesterov momentum: TF's
// GradientDescentOptimizer and MomentumOptimizer (NiftyNet's gradientdescent, momentum, nesterov).
#pragma once

#include <string>

#include "voxtrain/nn/optimizer.hpp"

namespace voxtrain {

class Sgd final : public Optimizer {
 public:
  // name: "gradientdescent" (no momentum, whatever config.momentum says), "sgd" or "momentum"
  // (config.momentum and config.nesterov), "nesterov" (config.momentum, Nesterov on).
  Sgd(const OptimizerConfig& config, std::string name);

  double momentum() const { return momentum_; }
  bool nesterov() const { return nesterov_; }

 private:
  void update(const Update& u) override;

  double momentum_;
  bool nesterov_;
};

}  // namespace voxtrain
