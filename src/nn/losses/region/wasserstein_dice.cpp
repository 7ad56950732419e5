// wasserstein_dice.cpp — delta_i = sum_ab M[a, b] p_ia g_ib, E = sum_i delta_i,
// TP = sum_i (sum_b M[0, b] g_ib)(1 - delta_i), loss 1 - 2 TP / (2 TP + E), and its gradient.
#include "wasserstein_dice.hpp"

#include <array>
#include <vector>

#include "voxtrain/core/error.hpp"

namespace voxtrain::losses {
namespace {

using DistanceMatrix = std::array<std::array<double, WassersteinDiceLoss::kMaxClasses>, WassersteinDiceLoss::kMaxClasses>;

// NiftyNet's M_tree: distances between labels of a hierarchy (class 0: background).
constexpr DistanceMatrix kTreeDistances = {{{0.0, 1.0, 1.0, 1.0, 1.0},
                                            {1.0, 0.0, 0.6, 0.2, 0.5},
                                            {1.0, 0.6, 0.0, 0.6, 0.7},
                                            {1.0, 0.2, 0.6, 0.0, 0.5},
                                            {1.0, 0.5, 0.7, 0.5, 0.0}}};

double distance(int a, int b) { return kTreeDistances[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)]; }

int checked_classes(int num_classes) {
  if (num_classes > WassersteinDiceLoss::kMaxClasses)
    throw error("loss 'WGDL' takes at most {} classes (its label distance matrix M_tree is {} x {}), got {}: use "
                "GDSC or Dice for more classes",
                WassersteinDiceLoss::kMaxClasses, WassersteinDiceLoss::kMaxClasses, WassersteinDiceLoss::kMaxClasses,
                num_classes);
  return num_classes;
}

}  // namespace

WassersteinDiceLoss::WassersteinDiceLoss(int num_classes, const LossOptions& options)
    : ImageLoss("WGDL", checked_classes(num_classes), options,
                {.labels = LabelKind::Sparse, .weight_map = WeightMapUse::Ignored}) {}

double WassersteinDiceLoss::image_loss(const Image& image, std::span<double> grad) const {
  const auto voxels = static_cast<std::size_t>(image.voxels);
  // delta_i (the Wasserstein disagreement of voxel i) and t_i = sum_b M[0, b] g_ib (0 for background).
  std::vector<double> disagreement(voxels, 0.0), foreground(voxels, 0.0);
  double all_error = 0, true_positives = 0;
  for (std::int64_t i = 0; i < image.voxels; ++i) {
    const auto k = static_cast<std::size_t>(i);
    for (int b = 0; b < image.classes; ++b) {
      const double g = image.target[image.at(b, i)];
      foreground[k] += distance(0, b) * g;
      for (int a = 0; a < image.classes; ++a) disagreement[k] += distance(a, b) * image.x[image.at(a, i)] * g;
    }
    all_error += disagreement[k];
    true_positives += foreground[k] * (1.0 - disagreement[k]);
  }
  const double denominator = 2.0 * true_positives + all_error;
  // d loss / d delta_i = (2 t_i E + 2 TP) / (2 TP + E)^2; d delta_i / d p_ia = sum_b M[a, b] g_ib
  for (std::int64_t i = 0; i < image.voxels; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const double d_disagreement = (2.0 * foreground[k] * all_error + 2.0 * true_positives) / (denominator * denominator);
    for (int a = 0; a < image.classes; ++a) {
      double d_delta = 0;
      for (int b = 0; b < image.classes; ++b) d_delta += distance(a, b) * image.target[image.at(b, i)];
      grad[image.at(a, i)] = d_disagreement * d_delta;
    }
  }
  return 1.0 - 2.0 * true_positives / denominator;
}

}  // namespace voxtrain::losses
