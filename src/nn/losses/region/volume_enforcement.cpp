// volume_enforcement.cpp — G_c = sum w g, P_c = sum w p, eps = 0.001; the gradient of |a - b| is
// sign(a - b) (zero where the volumes agree exactly).
#include "volume_enforcement.hpp"

#include <cmath>

namespace voxtrain::losses {
namespace {

constexpr double kEpsilon = 1e-3;

double sign(double v) { return static_cast<double>((v > 0) - (v < 0)); }

}  // namespace

VolumeEnforcementLoss::VolumeEnforcementLoss(int num_classes, const LossOptions& options)
    : ImageLoss("VolEnforcement", num_classes, options, {}) {}

double VolumeEnforcementLoss::image_loss(const Image& image, std::span<double> grad) const {
  double total = 0;
  for (int c = 0; c < image.classes; ++c) {
    double reference = 0, predicted = 0;
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double w = image.weights[static_cast<std::size_t>(i)];
      reference += w * image.target[image.at(c, i)];
      predicted += w * image.x[image.at(c, i)];
    }
    const double g = reference + kEpsilon;
    const double p = predicted + kEpsilon;
    const double difference = g / p - p / g;
    total += std::abs(difference);
    // d/dP (G/P - P/G) = -G/P^2 - 1/G
    const double d_predicted = sign(difference) * (-g / (p * p) - 1.0 / g) / image.classes;
    for (std::int64_t i = 0; i < image.voxels; ++i)
      grad[image.at(c, i)] = d_predicted * image.weights[static_cast<std::size_t>(i)];
  }
  return total / image.classes;
}

}  // namespace voxtrain::losses
