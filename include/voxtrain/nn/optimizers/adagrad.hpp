// adagrad.hpp — Adagrad (Duchi et al.) as TF's AdagradOptimizer computes it: a running sum of
// squared gradients that starts at initial_accumulator and divides each step.
#pragma once

#include "voxtrain/nn/optimizer.hpp"

namespace voxtrain {

class Adagrad final : public Optimizer {
 public:
  explicit Adagrad(const OptimizerConfig& config);

 private:
  void update(const Update& u) override;
};

}  // namespace voxtrain
