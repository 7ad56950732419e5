// tversky.cpp — Tversky per image: TP = sum w p g, FP = alpha sum w p (1 - g), FN = beta sum w (1 - p) g,
// and the gradient of 1 - TP / (TP + FP + FN + eps) in the prediction.
#include "tversky.hpp"

namespace voxtrain::losses {
namespace {

constexpr double kEpsilon = 1e-5;

}  // namespace

TverskyLoss::TverskyLoss(int num_classes, const LossOptions& options)
    : ImageLoss("Tversky", num_classes, options, {}) {}

double TverskyLoss::image_loss(const Image& image, std::span<double> grad) const {
  const double alpha = options().tversky_alpha;
  const double beta = options().tversky_beta;
  double true_positives = 0, false_positives = 0, false_negatives = 0;
  for (int c = 0; c < image.classes; ++c) {
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double w = image.weights[static_cast<std::size_t>(i)];
      const double p = image.x[image.at(c, i)];
      const double g = image.target[image.at(c, i)];
      true_positives += w * p * g;
      false_positives += w * p * (1.0 - g);
      false_negatives += w * (1.0 - p) * g;
    }
  }
  const double denominator = true_positives + alpha * false_positives + beta * false_negatives + kEpsilon;
  const double score = true_positives / denominator;
  // d TP / dp = w g, d FP / dp = w (1 - g), d FN / dp = -w g
  for (int c = 0; c < image.classes; ++c) {
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double w = image.weights[static_cast<std::size_t>(i)];
      const double g = image.target[image.at(c, i)];
      const double d_true_positives = w * g;
      const double d_denominator = w * g + alpha * w * (1.0 - g) - beta * w * g;
      grad[image.at(c, i)] = -(d_true_positives - score * d_denominator) / denominator;
    }
  }
  return 1.0 - score;
}

}  // namespace voxtrain::losses
