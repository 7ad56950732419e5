// volume_enforcement.hpp — VolEnforcement: the mean over classes of |(G + eps)/(P + eps) - (P + eps)/(G + eps)|
// between reference and predicted (soft) volumes, so that an expected structure is never predicted empty.
#pragma once

#include "../image_loss.hpp"

namespace voxtrain::losses {

class VolumeEnforcementLoss final : public ImageLoss {
 public:
  VolumeEnforcementLoss(int num_classes, const LossOptions& options);

 private:
  double image_loss(const Image& image, std::span<double> grad) const override;
};

}  // namespace voxtrain::losses
