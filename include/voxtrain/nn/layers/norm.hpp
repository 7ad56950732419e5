// norm.hpp — batch, instance or group normalisation with a learnt per-channel scale and shift;
// batch norm also keeps running averages for inference.
#pragma once

#include <string_view>

#include "voxtrain/nn/module.hpp"

namespace voxtrain {

// "batch" | "instance" | "group"; an unknown name is an Error suggesting the closest.
NormKind parse_norm_kind(std::string_view name);

class Norm final : public Module {
 public:
  // momentum: weight of the newest batch in the running averages (PyTorch's convention).
  Norm(std::string name, std::int64_t channels, const NormSpec& spec, float momentum = 0.1f);
  Var forward(Var x) override;
  const NormSaved& running() const { return running_; }

 private:
  void update_running(const NormSaved& batch, const Shape& x_shape);

  NormSpec spec_;
  float momentum_;
  Parameter* gamma_;
  Parameter* beta_;
  NormSaved running_;  // batch norm only
};

}  // namespace voxtrain
