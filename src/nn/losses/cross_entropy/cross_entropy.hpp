// cross_entropy.hpp — CrossEntropy and CrossEntropy_Dense: softmax cross entropy on the logits,
// the mean over voxels (weighted: sum w CE / max(sum w, 1e-6)).
#pragma once

#include "../image_loss.hpp"

namespace voxtrain::losses {

class CrossEntropyLoss final : public ImageLoss {
 public:
  // dense: float32 one-hot (or soft) labels and no weight map (CrossEntropy_Dense).
  CrossEntropyLoss(std::string name, bool dense, int num_classes, const LossOptions& options);

 private:
  double image_loss(const Image& image, std::span<double> grad) const override;
};

// The weighted mean cross entropy of one image whose x are logits; adds its gradient in the logits
// to grad. Shared with DicePlusXEnt.
double add_cross_entropy(const Image& image, std::span<double> grad);

}  // namespace voxtrain::losses
