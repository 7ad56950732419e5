// generalised_dice.cpp — GDSC per image: 1 - 2 sum_c W_c I_c / sum_c W_c max(s_c + r_c, 1), classes
// absent from the reference taking the largest finite W, and its gradient in the prediction.
#include "generalised_dice.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain::losses {
namespace {

ClassWeighting parse_weighting(const std::string& type_weight) {
  if (type_weight == "Square") return ClassWeighting::Square;
  if (type_weight == "Simple") return ClassWeighting::Simple;
  if (type_weight == "Uniform") return ClassWeighting::Uniform;
  const std::vector<std::string> known = {"Square", "Simple", "Uniform"};
  throw error("loss 'GDSC': unknown gdsc_type_weight '{}'{}: use Square, Simple or Uniform", type_weight,
              did_you_mean(type_weight, known));
}

// W_c from the reference volumes r_c; an infinite weight (r_c = 0) becomes the largest finite one.
std::vector<double> class_weights(ClassWeighting weighting, const std::vector<double>& reference_volume) {
  std::vector<double> weights(reference_volume.size());
  double largest_finite = 0;
  for (std::size_t c = 0; c < weights.size(); ++c) {
    const double r = reference_volume[c];
    switch (weighting) {
      case ClassWeighting::Square: weights[c] = 1.0 / (r * r); break;
      case ClassWeighting::Simple: weights[c] = 1.0 / r; break;
      case ClassWeighting::Uniform: weights[c] = 1.0; break;
    }
    if (std::isfinite(weights[c])) largest_finite = std::max(largest_finite, weights[c]);
  }
  for (double& w : weights)
    if (std::isinf(w)) w = largest_finite;
  return weights;
}

}  // namespace

GeneralisedDiceLoss::GeneralisedDiceLoss(int num_classes, const LossOptions& options)
    : ImageLoss("GDSC", num_classes, options, {}), weighting_(parse_weighting(options.gdsc_type_weight)) {}

double GeneralisedDiceLoss::image_loss(const Image& image, std::span<double> grad) const {
  const auto classes = static_cast<std::size_t>(image.classes);
  std::vector<double> reference(classes, 0.0), intersection(classes, 0.0), segmentation(classes, 0.0);
  for (int c = 0; c < image.classes; ++c) {
    const auto k = static_cast<std::size_t>(c);
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double w = image.weights[static_cast<std::size_t>(i)];
      const double p = image.x[image.at(c, i)];
      const double g = image.target[image.at(c, i)];
      reference[k] += w * g;
      intersection[k] += w * g * p;
      segmentation[k] += w * p;
    }
  }
  const std::vector<double> weights = class_weights(weighting_, reference);
  double numerator = 0, denominator = 0;
  for (std::size_t c = 0; c < classes; ++c) {
    numerator += 2.0 * weights[c] * intersection[c];
    denominator += weights[c] * std::max(segmentation[c] + reference[c], 1.0);
  }
  const double score = numerator / denominator;
  if (std::isnan(score)) return 0.0;  // NiftyNet: a NaN score counts as 1; the gradient is zero

  // loss = 1 - numerator / denominator; max(s + r, 1) passes the gradient where s + r >= 1 (as tf.maximum).
  for (int c = 0; c < image.classes; ++c) {
    const auto k = static_cast<std::size_t>(c);
    const double d_denominator_d_s = segmentation[k] + reference[k] >= 1.0 ? weights[k] : 0.0;
    for (std::int64_t i = 0; i < image.voxels; ++i) {
      const double w = image.weights[static_cast<std::size_t>(i)];
      const double g = image.target[image.at(c, i)];
      const double d_numerator = 2.0 * weights[k] * w * g;
      grad[image.at(c, i)] = -(d_numerator - score * d_denominator_d_s * w) / denominator;
    }
  }
  return 1.0 - score;
}

}  // namespace voxtrain::losses
