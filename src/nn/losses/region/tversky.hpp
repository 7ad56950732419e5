// tversky.hpp — the Tversky loss (Salehi et al. 2017): 1 - TP / (TP + alpha FP + beta FN + eps),
// with the soft counts summed over all voxels and classes.
#pragma once

#include "../image_loss.hpp"

namespace voxtrain::losses {

class TverskyLoss final : public ImageLoss {
 public:
  TverskyLoss(int num_classes, const LossOptions& options);

 private:
  double image_loss(const Image& image, std::span<double> grad) const override;
};

}  // namespace voxtrain::losses
