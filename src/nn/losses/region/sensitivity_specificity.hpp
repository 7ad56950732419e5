// sensitivity_specificity.hpp — SensSpec (Brosch et al., MICCAI 2015): per class, r times the mean
// squared error inside the class plus (1 - r) times the mean squared error outside, summed over classes.
#pragma once

#include "../image_loss.hpp"

namespace voxtrain::losses {

// Ignores a weight map, with a warning (as NiftyNet does).
class SensitivitySpecificityLoss final : public ImageLoss {
 public:
  SensitivitySpecificityLoss(int num_classes, const LossOptions& options);

 private:
  double image_loss(const Image& image, std::span<double> grad) const override;
};

}  // namespace voxtrain::losses
