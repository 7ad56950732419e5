// dice.cpp — the soft Dice family per image, and its gradient with respect to the prediction,
// class by class: d D_c / d p_ic = (2 w_i g_ic - D_c k w_i p_ic^(k-1)) / den_c.
#include "dice.hpp"

namespace voxtrain::losses {
namespace {

constexpr double kEpsilon = 1e-5;

LossTraits dice_traits(DiceForm form) {
  if (form.dense) return {.labels = LabelKind::Dense, .weight_map = WeightMapUse::Rejected};
  return {.labels = LabelKind::Sparse, .weight_map = WeightMapUse::Used};
}

}  // namespace

DiceLoss::DiceLoss(std::string name, DiceForm form, int num_classes, const LossOptions& options)
    : ImageLoss(std::move(name), num_classes, options, dice_traits(form)), form_(form) {}

double DiceLoss::image_loss(const Image& image, std::span<double> grad) const {
  const int classes = image.classes;
  double dice_sum = 0;
  for (int c = 0; c < classes; ++c) {
    // For one-hot labels g^2 = g, so the reference volume sum w g^2 is NiftyNet's sum w g.
    double intersection = 0, prediction_volume = 0, reference_volume = 0;
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double w = image.weights[static_cast<std::size_t>(i)];
      const double p = image.x[image.at(c, i)];
      const double g = image.target[image.at(c, i)];
      intersection += w * g * p;
      prediction_volume += w * (form_.square ? p * p : p);
      reference_volume += w * g * g;
    }
    const double numerator = 2.0 * intersection + kEpsilon;
    const double denominator = prediction_volume + reference_volume + kEpsilon;
    const double dice = numerator / denominator;
    dice_sum += dice;
    // loss = 1 - mean_c D_c
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double w = image.weights[static_cast<std::size_t>(i)];
      const double p = image.x[image.at(c, i)];
      const double g = image.target[image.at(c, i)];
      const double d_denominator = form_.square ? 2.0 * w * p : w;
      grad[image.at(c, i)] = -(2.0 * w * g - dice * d_denominator) / denominator / classes;
    }
  }
  return 1.0 - dice_sum / classes;
}

}  // namespace voxtrain::losses
