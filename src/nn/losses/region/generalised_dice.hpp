// generalised_dice.hpp — GDSC, the generalised Dice loss of Sudre et al. (DLMIA 2017): classes weighted
// by 1/r^2 (Square), 1/r (Simple) or 1 (Uniform) of their reference volume r.
#pragma once

#include "../image_loss.hpp"

namespace voxtrain::losses {

enum class ClassWeighting { Square, Simple, Uniform };

class GeneralisedDiceLoss final : public ImageLoss {
 public:
  // Throws Error when options.gdsc_type_weight is not Square, Simple or Uniform.
  GeneralisedDiceLoss(int num_classes, const LossOptions& options);

 private:
  double image_loss(const Image& image, std::span<double> grad) const override;
  ClassWeighting weighting_;
};

}  // namespace voxtrain::losses
