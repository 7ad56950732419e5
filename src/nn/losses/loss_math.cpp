// loss_math.cpp — softmax over channels, its backward pass and log-sum-exp, voxel by voxel,
// each computed with the largest logit subtracted first.
#include "loss_math.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace voxtrain::losses {
namespace {

double max_over_channels(std::span<const double> logits, int classes, std::int64_t voxels, std::int64_t i) {
  double m = -std::numeric_limits<double>::infinity();
  for (int c = 0; c < classes; ++c) m = std::max(m, logits[static_cast<std::size_t>(c * voxels + i)]);
  return m;
}

}  // namespace

void softmax_channels(std::span<const double> logits, int classes, std::int64_t voxels, std::span<double> probs) {
  for (std::int64_t i = 0; i < voxels; ++i) {
    const double m = max_over_channels(logits, classes, voxels, i);
    double sum = 0;
    for (int c = 0; c < classes; ++c) {
      const auto k = static_cast<std::size_t>(c * voxels + i);
      probs[k] = std::exp(logits[k] - m);
      sum += probs[k];
    }
    for (int c = 0; c < classes; ++c) probs[static_cast<std::size_t>(c * voxels + i)] /= sum;
  }
}

void softmax_channels_backward(std::span<const double> probs, std::span<const double> grad_probs, int classes,
                               std::int64_t voxels, std::span<double> grad_logits) {
  for (std::int64_t i = 0; i < voxels; ++i) {
    double dot = 0;
    for (int c = 0; c < classes; ++c) {
      const auto k = static_cast<std::size_t>(c * voxels + i);
      dot += probs[k] * grad_probs[k];
    }
    for (int c = 0; c < classes; ++c) {
      const auto k = static_cast<std::size_t>(c * voxels + i);
      grad_logits[k] = probs[k] * (grad_probs[k] - dot);
    }
  }
}

std::vector<double> log_sum_exp_channels(std::span<const double> logits, int classes, std::int64_t voxels) {
  std::vector<double> out(static_cast<std::size_t>(voxels));
  for (std::int64_t i = 0; i < voxels; ++i) {
    const double m = max_over_channels(logits, classes, voxels, i);
    double sum = 0;
    for (int c = 0; c < classes; ++c) sum += std::exp(logits[static_cast<std::size_t>(c * voxels + i)] - m);
    out[static_cast<std::size_t>(i)] = m + std::log(sum);
  }
  return out;
}

}  // namespace voxtrain::losses
