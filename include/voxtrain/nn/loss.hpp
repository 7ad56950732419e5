// loss.hpp — the segmentation losses, by NiftyNet's names and with its semantics: each image of the
// batch gets its own loss, the value is their mean, and the gradient is analytic in the logits.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

struct LossOptions {
  bool softmax = true;                      // NiftyNet's LossFunction(softmax=...): apply softmax over channels to the logits first
  std::string gdsc_type_weight = "Square";  // GDSC: Square | Simple | Uniform (anything else: Error)
  double tversky_alpha = 0.5, tversky_beta = 0.5;
  double sensspec_r = 0.05;
};

struct LossValue {
  double value;        // the batch mean of the per-image losses
  Tensor grad_logits;  // d value / d logits: float32, same shape as the logits
};

class Loss {
 public:
  virtual ~Loss() = default;
  virtual const std::string& name() const = 0;
  // logits: float32 [N, C, spatial...] (channels first, spatial rank 1..3, plain row-major host tensor).
  // labels: int32 [N, 1, spatial...] class indices for the sparse losses; float32 [N, C, spatial...] one-hot for
  //         Dice_Dense / Dice_Dense_NS / CrossEntropy_Dense.
  // weights: optional float32 [N, 1, spatial...] per-voxel weight map (nullptr: all ones).
  virtual LossValue evaluate(const Tensor& logits, const Tensor& labels, const Tensor* weights) const = 0;
};

// Throws Error for an unknown name (suggesting the closest), num_classes < 1, an unknown GDSC
// type_weight, or WGDL with more than 5 classes.
std::unique_ptr<Loss> make_loss(std::string_view name, int num_classes, const LossOptions& options = {});
std::vector<std::string> loss_names();  // the NiftyNet names, in a fixed order

// int32 class indices [N, 1, spatial...] to float32 one-hot [N, C, spatial...] (NiftyNet's
// labels_to_one_hot, channels first): the labels the *_Dense losses take.
Tensor labels_to_one_hot(const Tensor& labels, int num_classes);

}  // namespace voxtrain
