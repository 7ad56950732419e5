// sensitivity_specificity.cpp — sum_c [r A_c + (1 - r) B_c] with A_c = sum (g - p)^2 g / (sum g + eps) and
// B_c = sum (g - p)^2 (1 - g) / (sum (1 - g) + eps), and its gradient in the prediction.
#include "sensitivity_specificity.hpp"

namespace voxtrain::losses {
namespace {

constexpr double kEpsilon = 1e-5;

}  // namespace

SensitivitySpecificityLoss::SensitivitySpecificityLoss(int num_classes, const LossOptions& options)
    : ImageLoss("SensSpec", num_classes, options,
                {.labels = LabelKind::Sparse, .weight_map = WeightMapUse::Ignored}) {}

double SensitivitySpecificityLoss::image_loss(const Image& image, std::span<double> grad) const {
  const double r = options().sensspec_r;
  double total = 0;
  for (int c = 0; c < image.classes; ++c) {
    double inside_error = 0, outside_error = 0, inside = 0, outside = 0;
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double p = image.x[image.at(c, i)];
      const double g = image.target[image.at(c, i)];
      const double squared_error = (g - p) * (g - p);
      inside_error += squared_error * g;
      outside_error += squared_error * (1.0 - g);
      inside += g;
      outside += 1.0 - g;
    }
    const double inside_scale = r / (inside + kEpsilon);
    const double outside_scale = (1.0 - r) / (outside + kEpsilon);
    total += inside_scale * inside_error + outside_scale * outside_error;
    // d (g - p)^2 / dp = 2 (p - g)
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double p = image.x[image.at(c, i)];
      const double g = image.target[image.at(c, i)];
      grad[image.at(c, i)] = 2.0 * (p - g) * (inside_scale * g + outside_scale * (1.0 - g));
    }
  }
  return total;
}

}  // namespace voxtrain::losses
