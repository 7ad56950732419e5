// dice_plus_xent.hpp — DicePlusXEnt (nnU-Net, Isensee et al. 2018): cross entropy on the logits minus
// the mean over classes of the soft Dice (no square) of their softmax; its range is about [-1, inf).
#pragma once

#include "../image_loss.hpp"

namespace voxtrain::losses {

class DicePlusXEntLoss final : public ImageLoss {
 public:
  DicePlusXEntLoss(int num_classes, const LossOptions& options);

 private:
  double image_loss(const Image& image, std::span<double> grad) const override;
};

}  // namespace voxtrain::losses
