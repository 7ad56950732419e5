// loss_math.hpp — the per-voxel softmax over channels, its backward pass and log-sum-exp, on one
// image laid out channel-major as C x V doubles (element (c, i) at c * V + i).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace voxtrain::losses {

// probs[c, i] = exp(logits[c, i]) / sum_k exp(logits[k, i]), stable for large logits.
void softmax_channels(std::span<const double> logits, int classes, std::int64_t voxels, std::span<double> probs);

// The chain rule through that softmax: grad_logits[c, i] = p[c, i] * (grad_probs[c, i] - sum_k p[k, i] grad_probs[k, i]).
void softmax_channels_backward(std::span<const double> probs, std::span<const double> grad_probs, int classes,
                               std::int64_t voxels, std::span<double> grad_logits);

// log sum_c exp(logits[c, i]) for each voxel i, stable for large logits.
std::vector<double> log_sum_exp_channels(std::span<const double> logits, int classes, std::int64_t voxels);

}  // namespace voxtrain::losses
