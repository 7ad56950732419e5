// image_loss.hpp — what every segmentation loss shares, as NiftyNet's LossFunction wrapper does it:
// check the inputs, apply softmax where it applies, compute the loss per image, average over the batch.
#pragma once

#include <mutex>
#include <span>
#include <string>
#include <utility>

#include "loss_inputs.hpp"
#include "voxtrain/nn/loss.hpp"

namespace voxtrain::losses {

// What a loss does with a weight map: use it, ignore it with a warning (SensSpec, WGDL), or
// refuse it (the _Dense losses, where NiftyNet raises NotImplementedError).
enum class WeightMapUse { Used, Ignored, Rejected };

struct LossTraits {
  LabelKind labels = LabelKind::Sparse;
  WeightMapUse weight_map = WeightMapUse::Used;
  // The loss takes logits and applies softmax itself (cross entropy, DicePlusXEnt), so the
  // wrapper never does, whatever LossOptions::softmax says.
  bool softmax_inside = false;
};

class ImageLoss : public Loss {
 public:
  const std::string& name() const final { return name_; }
  LossValue evaluate(const Tensor& logits, const Tensor& labels, const Tensor* weights) const final;

 protected:
  ImageLoss(std::string name, int num_classes, const LossOptions& options, LossTraits traits);
  const LossOptions& options() const { return options_; }

  // The loss of one image; writes d loss / d image.x into grad (C x V like image.x, zeros on entry).
  virtual double image_loss(const Image& image, std::span<double> grad) const = 0;

 private:
  bool wrapper_softmax() const { return options_.softmax && !traits_.softmax_inside; }
  void refuse_weight_map(const Tensor* weights) const;         // throws for the _Dense losses
  const Tensor* weight_map_to_use(const Tensor* weights) const;  // nullptr where the loss ignores it (warns once)

  std::string name_;
  int num_classes_;
  LossOptions options_;
  LossTraits traits_;
  mutable std::once_flag ignored_weight_map_warning_;
};

}  // namespace voxtrain::losses
