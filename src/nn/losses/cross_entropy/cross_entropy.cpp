// cross_entropy.cpp — CE_i = sum_c g_ic (logsumexp_i - x_ic) (sparse labels: logsumexp_i - x_i,label),
// averaged with the weight map, and its gradient w_i (softmax_ic sum_c g_ic - g_ic) / sum w.
#include "cross_entropy.hpp"

#include <algorithm>
#include <vector>

#include "../loss_math.hpp"

namespace voxtrain::losses {
namespace {

constexpr double kSmallestWeightSum = 1e-6;

LossTraits cross_entropy_traits(bool dense) {
  if (dense) return {.labels = LabelKind::Dense, .weight_map = WeightMapUse::Rejected, .softmax_inside = true};
  return {.labels = LabelKind::Sparse, .weight_map = WeightMapUse::Used, .softmax_inside = true};
}

}  // namespace

CrossEntropyLoss::CrossEntropyLoss(std::string name, bool dense, int num_classes, const LossOptions& options)
    : ImageLoss(std::move(name), num_classes, options, cross_entropy_traits(dense)) {}

double CrossEntropyLoss::image_loss(const Image& image, std::span<double> grad) const {
  return add_cross_entropy(image, grad);
}

double add_cross_entropy(const Image& image, std::span<double> grad) {
  const std::vector<double> log_sum_exp = log_sum_exp_channels(image.x, image.classes, image.voxels);
  std::vector<double> probs(image.x.size());
  softmax_channels(image.x, image.classes, image.voxels, probs);

  double weight_sum = 0;
  for (double w : image.weights) weight_sum += w;
  weight_sum = std::max(weight_sum, kSmallestWeightSum);

  double total = 0;
  for (std::int64_t i = 0; i < image.voxels; ++i) {
    const double w = image.weights[static_cast<std::size_t>(i)];
    double entropy = 0, label_mass = 0;
    for (int c = 0; c < image.classes; ++c) {
      const double g = image.target[image.at(c, i)];
      entropy += g * (log_sum_exp[static_cast<std::size_t>(i)] - image.x[image.at(c, i)]);
      label_mass += g;
    }
    total += w * entropy;
    for (int c = 0; c < image.classes; ++c) {
      const auto k = image.at(c, i);
      grad[k] += w * (probs[k] * label_mass - image.target[k]) / weight_sum;
    }
  }
  return total / weight_sum;
}

}  // namespace voxtrain::losses
