// rmsprop.hpp — RMSProp (Hinton's lecture 6e) as TF's RMSPropOptimizer computes it, which is
// what NiftyNet's rmsprop is: mean square starting at 1, epsilon inside the root, momentum on
// the scaled step.
#pragma once

#include "voxtrain/nn/optimizer.hpp"

namespace voxtrain {

class RmsProp final : public Optimizer {
 public:
  explicit RmsProp(const OptimizerConfig& config);

 private:
  void update(const Update& u) override;

  double rho_, momentum_, epsilon_;
};

}  // namespace voxtrain
