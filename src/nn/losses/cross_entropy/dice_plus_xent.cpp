// dice_plus_xent.cpp — CE - mean_c (2 sum w g s + eps) / (sum w s + sum w g + eps), s = softmax(logits):
// the Dice gradient goes through the softmax here, since the loss takes logits.
#include "dice_plus_xent.hpp"

#include <vector>

#include "../loss_math.hpp"
#include "cross_entropy.hpp"

namespace voxtrain::losses {
namespace {

constexpr double kEpsilon = 1e-5;

}  // namespace

DicePlusXEntLoss::DicePlusXEntLoss(int num_classes, const LossOptions& options)
    : ImageLoss("DicePlusXEnt", num_classes, options,
                {.labels = LabelKind::Sparse, .weight_map = WeightMapUse::Used, .softmax_inside = true}) {}

double DicePlusXEntLoss::image_loss(const Image& image, std::span<double> grad) const {
  const double cross_entropy = add_cross_entropy(image, grad);

  std::vector<double> probs(image.x.size());
  softmax_channels(image.x, image.classes, image.voxels, probs);
  std::vector<double> grad_probs(image.x.size(), 0.0);
  double dice_sum = 0;
  for (int c = 0; c < image.classes; ++c) {
    double intersection = 0, volumes = 0;
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double w = image.weights[static_cast<std::size_t>(i)];
      const double s = probs[image.at(c, i)];
      const double g = image.target[image.at(c, i)];
      intersection += w * g * s;
      volumes += w * s + w * g;
    }
    const double denominator = volumes + kEpsilon;
    const double dice = (2.0 * intersection + kEpsilon) / denominator;
    dice_sum += dice;
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double w = image.weights[static_cast<std::size_t>(i)];
      const double g = image.target[image.at(c, i)];
      grad_probs[image.at(c, i)] = -(2.0 * w * g - dice * w) / denominator / image.classes;
    }
  }
  std::vector<double> grad_dice(image.x.size());
  softmax_channels_backward(probs, grad_probs, image.classes, image.voxels, grad_dice);
  for (std::size_t k = 0; k < grad.size(); ++k) grad[k] += grad_dice[k];
  return cross_entropy - dice_sum / image.classes;
}

}  // namespace voxtrain::losses
