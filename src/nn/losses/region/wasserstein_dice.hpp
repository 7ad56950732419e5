// wasserstein_dice.hpp — WGDL, the generalised Wasserstein Dice loss (Fidon et al., BrainLes 2017) with
// NiftyNet's fixed 5 x 5 label distance matrix M_tree: at most 5 classes, class 0 the background.
#pragma once

#include "../image_loss.hpp"

namespace voxtrain::losses {

// Ignores a weight map, with a warning (as NiftyNet does).
class WassersteinDiceLoss final : public ImageLoss {
 public:
  static constexpr int kMaxClasses = 5;
  // Throws Error when num_classes > kMaxClasses.
  WassersteinDiceLoss(int num_classes, const LossOptions& options);

 private:
  double image_loss(const Image& image, std::span<double> grad) const override;
};

}  // namespace voxtrain::losses
