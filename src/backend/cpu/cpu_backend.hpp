// cpu_backend.hpp — the Backend on the CPU: oneDNN primitives (convolutions, norms, pooling,
// eltwise, resampling, softmax) cached per shape, plus OpenMP loops where oneDNN has no primitive.
#pragma once

#include "voxtrain/backend/backend.hpp"

namespace voxtrain::cpu {

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }

  Tensor to_plain(const Tensor& x) override;
  Tensor like_layout(const Tensor& x, const Tensor& reference) override;

  Tensor conv_forward(const Tensor& x, const Tensor& w, const Tensor* bias, const ConvSpec& spec) override;
  Tensor conv_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape, const ConvSpec& spec) override;
  void conv_backward_weights(const Tensor& x, const Tensor& dy, const ConvSpec& spec, Tensor& dw,
                             Tensor* dbias) override;

  NormForward norm_forward_training(const Tensor& x, const Tensor* gamma, const Tensor* beta,
                                    const NormSpec& spec) override;
  Tensor norm_forward_inference(const Tensor& x, const Tensor* gamma, const Tensor* beta,
                                const NormSaved& running, const NormSpec& spec) override;
  NormBackward norm_backward(const Tensor& x, const Tensor& dy, const Tensor* gamma, const NormSaved& saved,
                             const NormSpec& spec) override;

  Tensor activation_forward(const Tensor& x, const ActivationSpec& spec) override;
  Tensor activation_backward(const Tensor& x, const Tensor& dy, const ActivationSpec& spec) override;
  Tensor prelu_forward(const Tensor& x, const Tensor& slope) override;
  Tensor prelu_backward(const Tensor& x, const Tensor& slope, const Tensor& dy, Tensor& dslope) override;

  PoolForward pool_forward(const Tensor& x, const PoolSpec& spec, bool training) override;
  Tensor pool_backward(const Tensor& dy, const Shape& x_shape, const PoolSpec& spec,
                       const PoolForward& forward) override;
  Tensor resample_forward(const Tensor& x, const Shape& y_shape, ResampleKind kind) override;
  Tensor resample_backward(const Tensor& dy, const Shape& x_shape, ResampleKind kind) override;

  Tensor concat_channels(const std::vector<Tensor>& xs) override;
  std::vector<Tensor> split_channels(const Tensor& dy, const std::vector<Tensor>& like) override;
  Tensor add(const Tensor& a, const Tensor& b) override;
  Tensor multiply(const Tensor& a, const Tensor& b) override;
  Tensor dropout(const Tensor& x, float p, std::uint64_t seed) override;

  Tensor softmax_channels(const Tensor& x, bool log) override;
  Tensor softmax_channels_backward(const Tensor& y, const Tensor& dy, bool log) override;

  // x * factor in x's layout (SELU's scale); the factor is data, so a new one creates no primitive.
  Tensor scale(const Tensor& x, float factor);
};

}  // namespace voxtrain::cpu
