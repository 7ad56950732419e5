// backend.hpp — the primitive operations a training step needs, float32, NCDHW at the interface.
// The CPU backend (oneDNN) is the reference; the CUDA backend implements the same interface.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

using Triple = std::array<int, 3>;

// A 3-D convolution or, with transposed, its transpose (a "deconvolution"). Weights are
// [Cout, Cin, kD, kH, kW] in both cases. dilation 1 is a dense kernel.
struct ConvSpec {
  Triple kernel{3, 3, 3};
  Triple stride{1, 1, 1};
  Triple padding{0, 0, 0};
  Triple dilation{1, 1, 1};
  bool transposed = false;
};

// The output shape of a (transposed) convolution of x [N, Cin, D, H, W] with cout channels;
// throws Error naming the layer and the shapes when an extent would not be positive.
Shape conv_output_shape(const Shape& x, std::int64_t cout, const ConvSpec& spec, const std::string& layer);

enum class ActivationKind { Relu, LeakyRelu, Elu, Relu6, Selu, Sigmoid, Tanh, Softplus };
struct ActivationSpec {
  ActivationKind kind = ActivationKind::Relu;
  float alpha = 0.01f;  // LeakyRelu's negative slope, Elu's alpha
};

enum class PoolKind { Max, Average };
struct PoolSpec {
  PoolKind kind = PoolKind::Max;
  Triple kernel{2, 2, 2};
  Triple stride{2, 2, 2};
  Triple padding{0, 0, 0};
};

enum class NormKind { Batch, Instance, Group };
struct NormSpec {
  NormKind kind = NormKind::Instance;
  int groups = 1;  // Group only
  float epsilon = 1e-5f;
  bool fuse_relu = false;  // y = relu(norm(x)) in one pass (and its gradient in one backward)
};
// What a training-mode normalisation keeps for its backward pass. Batch: [C]; Instance: [N, C];
// Group: [N, groups].
struct NormSaved {
  Tensor mean;
  Tensor variance;  // biased (divided by the element count)
  // With fuse_relu: where the ReLU let the gradient through (oneDNN's workspace), or the output.
  Tensor relu_mask;
};
struct NormForward {
  Tensor y;
  NormSaved saved;
};
struct NormBackward {
  Tensor dx;
  Tensor dgamma;  // [C], plain
  Tensor dbeta;   // [C], plain
};

enum class ResampleKind { Nearest, Trilinear };

// Everything that can run a step. Inputs may be plain or in this backend's own layout; outputs
// are in whatever layout is fastest for the next operation, and to_plain converts at the edges.
// Parameters (weights, biases, gammas, betas) and their gradients are always plain.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // -- layout ---------------------------------------------------------------------------------
  virtual Tensor to_plain(const Tensor& x) = 0;                   // x itself when already plain
  virtual Tensor like_layout(const Tensor& x, const Tensor& reference) = 0;  // x in reference's layout

  // -- convolution (spec.transposed selects the transposed convolution) -------------------------
  virtual Tensor conv_forward(const Tensor& x, const Tensor& w, const Tensor* bias, const ConvSpec& spec) = 0;
  virtual Tensor conv_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape,
                                    const ConvSpec& spec) = 0;
  // Writes (does not add) dw [Cout, Cin, k...] and, when given, dbias [Cout].
  virtual void conv_backward_weights(const Tensor& x, const Tensor& dy, const ConvSpec& spec, Tensor& dw,
                                     Tensor* dbias) = 0;

  // -- normalisation (gamma, beta: [C], plain; nullptr for no affine part) --------------------
  virtual NormForward norm_forward_training(const Tensor& x, const Tensor* gamma, const Tensor* beta,
                                            const NormSpec& spec) = 0;
  // Batch norm with running statistics ([C]); Instance and Group use the input's own statistics.
  virtual Tensor norm_forward_inference(const Tensor& x, const Tensor* gamma, const Tensor* beta,
                                        const NormSaved& running, const NormSpec& spec) = 0;
  virtual NormBackward norm_backward(const Tensor& x, const Tensor& dy, const Tensor* gamma,
                                     const NormSaved& saved, const NormSpec& spec) = 0;

  // -- activations ------------------------------------------------------------------------------
  virtual Tensor activation_forward(const Tensor& x, const ActivationSpec& spec) = 0;
  virtual Tensor activation_backward(const Tensor& x, const Tensor& dy, const ActivationSpec& spec) = 0;
  // PReLU with one slope per channel (slope: [C], plain).
  virtual Tensor prelu_forward(const Tensor& x, const Tensor& slope) = 0;
  virtual Tensor prelu_backward(const Tensor& x, const Tensor& slope, const Tensor& dy, Tensor& dslope) = 0;

  // -- pooling and resampling -------------------------------------------------------------------
  struct PoolForward {
    Tensor y;
    std::shared_ptr<void> workspace;  // max pooling's argmax, for the backward pass
  };
  virtual PoolForward pool_forward(const Tensor& x, const PoolSpec& spec, bool training) = 0;
  virtual Tensor pool_backward(const Tensor& dy, const Shape& x_shape, const PoolSpec& spec,
                               const PoolForward& forward) = 0;
  virtual Tensor resample_forward(const Tensor& x, const Shape& y_shape, ResampleKind kind) = 0;
  virtual Tensor resample_backward(const Tensor& dy, const Shape& x_shape, ResampleKind kind) = 0;

  // -- channels, element-wise, dropout ----------------------------------------------------------
  virtual Tensor concat_channels(const std::vector<Tensor>& xs) = 0;
  // The inverse: dy split along channels into pieces shaped and laid out like the concat's inputs.
  virtual std::vector<Tensor> split_channels(const Tensor& dy, const std::vector<Tensor>& like) = 0;
  virtual Tensor add(const Tensor& a, const Tensor& b) = 0;       // any layouts, result in a's
  virtual Tensor multiply(const Tensor& a, const Tensor& b) = 0;  // same shape
  // Zeroes each element with probability p and scales the rest by 1/(1-p); the mask depends only
  // on (seed, element position), so a run is reproducible.
  virtual Tensor dropout(const Tensor& x, float p, std::uint64_t seed) = 0;

  // -- softmax over channels --------------------------------------------------------------------
  virtual Tensor softmax_channels(const Tensor& x, bool log) = 0;
  virtual Tensor softmax_channels_backward(const Tensor& y, const Tensor& dy, bool log) = 0;
};

// The CPU backend (oneDNN), created once per process and shared.
Backend& cpu_backend();

// Reproducibility switch for the CPU backend. oneDNN's results are bitwise identical run to run
// for a fixed thread count, but convolution backward-weights splits its sums by thread, so its
// results change with the thread count. n > 0 makes every primitive divide its work as for n
// threads, whatever the machine (also VOXTRAIN_DETERMINISTIC_THREADS=n); 0 (default) uses all threads.
void set_cpu_deterministic_threads(int n);

}  // namespace voxtrain
