// image_loss.cpp — the batch loop shared by every loss: per-image value and gradient, the chain rule
// through the wrapper's softmax, the batch mean, and the check that the value is finite.
#include "image_loss.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "loss_math.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"

namespace voxtrain::losses {

ImageLoss::ImageLoss(std::string name, int num_classes, const LossOptions& options, LossTraits traits)
    : name_(std::move(name)), num_classes_(num_classes), options_(options), traits_(traits) {}

void ImageLoss::refuse_weight_map(const Tensor* weights) const {
  if (weights != nullptr && traits_.weight_map == WeightMapUse::Rejected)
    throw error("loss '{}' does not take a weight map (NiftyNet raises NotImplementedError): pass none, or use "
                "the loss without _Dense with int32 class indices",
                name_);
}

const Tensor* ImageLoss::weight_map_to_use(const Tensor* weights) const {
  if (weights == nullptr || traits_.weight_map == WeightMapUse::Used) return weights;
  std::call_once(ignored_weight_map_warning_, [this] {
    log_warning("loss '{}' ignores the weight map (as NiftyNet does): every voxel counts once", name_);
  });
  return nullptr;
}

LossValue ImageLoss::evaluate(const Tensor& logits, const Tensor& labels, const Tensor* weights) const {
  refuse_weight_map(weights);
  const std::string who = fmt::format("loss '{}'", name_);
  check_inputs(who, num_classes_, traits_.labels, logits, labels, weights);
  weights = weight_map_to_use(weights);

  const std::int64_t images = logits.shape()[0];
  const std::int64_t size = logits.numel() / images;  // C x V values per image
  Tensor grad_logits = Tensor::empty(logits.shape());
  float* out = grad_logits.data<float>();

  Image image;
  std::vector<double> logits_b;
  std::vector<double> grad_x(static_cast<std::size_t>(size));
  std::vector<double> grad_b(static_cast<std::size_t>(size));
  double total = 0;
  for (std::int64_t b = 0; b < images; ++b) {
    load_image(logits, labels, weights, traits_.labels, b, image);
    if (wrapper_softmax()) {
      logits_b = image.x;
      softmax_channels(logits_b, image.classes, image.voxels, image.x);
    }
    std::fill(grad_x.begin(), grad_x.end(), 0.0);
    const double value = image_loss(image, grad_x);
    if (!std::isfinite(value))
      throw error("loss '{}' is {} for image {} in the batch: check the logits, labels and weight map for NaN or "
                  "infinite values, or lower the learning rate",
                  name_, std::isnan(value) ? "NaN" : (value > 0 ? "+infinity" : "-infinity"), b);
    total += value;
    if (wrapper_softmax())
      softmax_channels_backward(image.x, grad_x, image.classes, image.voxels, grad_b);
    else
      grad_b = grad_x;
    for (std::int64_t k = 0; k < size; ++k)
      out[b * size + k] = static_cast<float>(grad_b[static_cast<std::size_t>(k)] / static_cast<double>(images));
  }
  return {total / static_cast<double>(images), grad_logits};
}

}  // namespace voxtrain::losses
