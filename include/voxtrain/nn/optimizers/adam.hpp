// adam.hpp — Adam (Kingma & Ba, in TF's form that NiftyNet uses) and AdamW (the same with
// Loshchilov & Hutter's decoupled weight decay, as PyTorch's AdamW applies it).
#pragma once

#include <string>

#include "voxtrain/nn/optimizer.hpp"

namespace voxtrain {

class Adam final : public Optimizer {
 public:
  // name: "adam" (weight_decay must be 0) or "adamw" (config.weight_decay is used).
  Adam(const OptimizerConfig& config, std::string name);

 private:
  void update(const Update& u) override;

  double beta1_, beta2_, epsilon_, weight_decay_;
};

}  // namespace voxtrain
