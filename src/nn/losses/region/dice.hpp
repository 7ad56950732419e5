// dice.hpp — Dice, Dice_NS, Dice_Dense and Dice_Dense_NS: 1 - mean over classes of the soft Dice
// (2 sum w g p + eps) / (sum w p^k + sum w g^2 + eps), k = 2 (V-Net "square" form) or 1.
#pragma once

#include "../image_loss.hpp"

namespace voxtrain::losses {

struct DiceForm {
  bool square;  // sum w p^2 in the denominator (Dice, Dice_Dense), else sum w p (the _NS forms)
  bool dense;   // float32 one-hot labels, no weight map (the _Dense forms)
};

class DiceLoss final : public ImageLoss {
 public:
  DiceLoss(std::string name, DiceForm form, int num_classes, const LossOptions& options);

 private:
  double image_loss(const Image& image, std::span<double> grad) const override;
  DiceForm form_;
};

}  // namespace voxtrain::losses
