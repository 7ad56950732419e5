// naive_ops.hpp — reference versions of the backend's operations: nested loops in double on plain
// NCDHW float32 tensors, written from the mathematical definitions (no oneDNN), for tests to compare with.
#pragma once

#include <string>
#include <vector>

#include "voxtrain/backend/backend.hpp"
#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain::test::naive {

// y[n, co, o] = bias[co] + sum over ci, k of x[n, ci, i] * w[co, ci, k] with w [Cout, Cin, k...] and
//   convolution:            i = o * stride - padding + k * dilation   (taps outside x are zero)
//   transposed convolution: o = i * stride - padding + k * dilation   (x scattered into y)
// Output extents: (in + 2p - d(k-1) - 1) / s + 1, or (in - 1) s - 2p + d(k-1) + 1 when transposed.
Tensor conv3d(const Tensor& x, const Tensor& w, const Tensor* bias, const ConvSpec& spec);

// Training-mode normalisation: statistics over (N, spatial) per channel (Batch), over spatial per
// (sample, channel) (Instance), over (channels of the group, spatial) per (sample, group) (Group);
// biased variance; y = (x - mean) / sqrt(var + eps) * gamma + beta.
struct Norm {
  Tensor y;
  Tensor mean;      // [C], [N, C] or [N, groups]
  Tensor variance;  // same shape
};
Norm norm_training(const Tensor& x, const Tensor* gamma, const Tensor* beta, const NormSpec& spec);
// Batch norm with given per-channel statistics ([C]).
Tensor batch_norm_inference(const Tensor& x, const Tensor* gamma, const Tensor* beta, const Tensor& mean,
                            const Tensor& variance, float epsilon);

// The textbook definitions (Selu with Klambauer et al.'s constants, Softplus = log(1 + e^x)).
Tensor activation(const Tensor& x, const ActivationSpec& spec);
Tensor prelu(const Tensor& x, const Tensor& slope);  // x > 0 ? x : slope[c] * x

// Max or average over the window's taps that lie inside x (padding never counts: the average
// divides by the number of taps inside). Output extents (in + 2p - k) / s + 1.
Tensor pool(const Tensor& x, const PoolSpec& spec);

// Per axis, with half-pixel centres: the source coordinate of output index o is
// (o + 0.5) * in / out - 0.5. Nearest takes the input index floor((o + 0.5) * in / out);
// trilinear clamps the coordinate to [0, in - 1] and interpolates between its two neighbours
// (PyTorch's align_corners=False).
Tensor resample(const Tensor& x, const Shape& y_shape, ResampleKind kind);

Tensor concat_channels(const std::vector<Tensor>& xs);
// exp(x_c) / sum_c' exp(x_c') over the channel axis at each (n, d, h, w), or its logarithm.
Tensor softmax_channels(const Tensor& x, bool log);
double sum(const Tensor& x);

}  // namespace voxtrain::test::naive

namespace voxtrain::test {

// How far actual is from expected (both plain, same shape), relative to expected's largest |value|.
struct Difference {
  double max_abs = 0;        // max |actual - expected|
  double max_expected = 0;   // max |expected|
  std::int64_t worst_index = -1;
  double relative() const { return max_abs / (max_expected > 0 ? max_expected : 1.0); }
  std::string describe() const;  // for INFO()
};
Difference compare(const Tensor& actual, const Tensor& expected);

}  // namespace voxtrain::test
