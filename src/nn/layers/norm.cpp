// norm.cpp — Norm: scale/shift parameters, running statistics, training and inference modes.
#include "voxtrain/nn/layers/norm.hpp"

#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/nn/functional.hpp"

namespace voxtrain {

NormKind parse_norm_kind(std::string_view name) {
  if (name == "batch") return NormKind::Batch;
  if (name == "instance") return NormKind::Instance;
  if (name == "group") return NormKind::Group;
  const std::vector<std::string> valid = {"batch", "instance", "group"};
  throw error("unknown normalisation '{}'{}: use one of {}", name,
              did_you_mean(name, valid), join(valid));
}

Norm::Norm(std::string name, std::int64_t channels, const NormSpec& spec, float momentum)
    : Module(std::move(name)), spec_(spec), momentum_(momentum) {
  Tensor ones = Tensor::empty({channels});
  ones.fill(1.0);
  gamma_ = &add_parameter("gamma", ones);
  beta_ = &add_parameter("beta", Tensor::zeros({channels}));
  if (spec.kind == NormKind::Batch) {
    running_.mean = Tensor::zeros({channels});
    running_.variance = Tensor::empty({channels});
    running_.variance.fill(1.0);
    add_buffer("running_mean", &running_.mean);
    add_buffer("running_variance", &running_.variance);
  }
  if (spec.kind == NormKind::Group && (spec.groups < 1 || channels % spec.groups != 0))
    throw error("{}: {} channels cannot be split into {} groups: choose a group count that divides the "
                "channel count",
                this->name(), channels, spec.groups);
}

void Norm::update_running(const NormSaved& batch, const Shape& x_shape) {
  std::int64_t count = x_shape[0];
  for (int i = 2; i < x_shape.rank(); ++i) count *= x_shape[i];
  const double unbias = count > 1 ? static_cast<double>(count) / static_cast<double>(count - 1) : 1.0;
  float* mean = running_.mean.data<float>();
  float* var = running_.variance.data<float>();
  const float* bm = batch.mean.data<float>();
  const float* bv = batch.variance.data<float>();
  for (std::int64_t c = 0; c < running_.mean.numel(); ++c) {
    mean[c] = static_cast<float>((1.0 - momentum_) * mean[c] + momentum_ * bm[c]);
    var[c] = static_cast<float>((1.0 - momentum_) * var[c] + momentum_ * bv[c] * unbias);
  }
}

Var Norm::forward(Var x) {
  Tape& tape = *x.tape;
  const Var gamma = tape.parameter(*gamma_);
  const Var beta = tape.parameter(*beta_);
  NormSaved batch;
  const Var y = fn::norm(x, gamma, beta, spec_, training(), &running_, &batch);
  if (training() && spec_.kind == NormKind::Batch) update_running(batch, x.shape());
  return y;
}

}  // namespace voxtrain
