// loss_inputs.cpp — what a loss checks before it computes anything, with errors that say which
// shape was expected, and the copy of one image into the per-image layout.
#include "loss_inputs.hpp"

#include <algorithm>
#include <array>

#include "voxtrain/core/error.hpp"

namespace voxtrain::losses {
namespace {

// The logits' shape with `channels` channels: the shape labels and weights must have.
Shape with_channels(const Shape& logits, std::int64_t channels) {
  std::array<std::int64_t, Shape::kMaxRank> extents{};
  std::copy(logits.extents().begin(), logits.extents().end(), extents.begin());
  extents[1] = channels;
  return Shape(std::span<const std::int64_t>(extents.data(), static_cast<std::size_t>(logits.rank())));
}

void check_logits(std::string_view who, int num_classes, const Tensor& logits) {
  if (logits.dtype() != DType::Float32)
    throw error("{}: logits must be float32, got a {} tensor of shape {}: pass the network output as float32", who,
                dtype_name(logits.dtype()), logits.shape().to_string());
  if (logits.rank() < 3)
    throw error("{}: logits of shape {} must be [N, C, spatial...] with 1 to 3 spatial axes: add the batch and "
                "channel axes",
                who, logits.shape().to_string());
  if (logits.shape()[1] != num_classes)
    throw error("{}: logits of shape {} have {} channels, but the loss was made for {} classes: the network must "
                "output one channel per class",
                who, logits.shape().to_string(), logits.shape()[1], num_classes);
  if (logits.numel() == 0)
    throw error("{}: logits of shape {} hold no voxels: pass at least one image with at least one voxel", who,
                logits.shape().to_string());
}

void check_labels(std::string_view who, int num_classes, LabelKind kind, const Tensor& logits, const Tensor& labels) {
  if (kind == LabelKind::Sparse) {
    const Shape expected = with_channels(logits.shape(), 1);
    if (labels.dtype() != DType::Int32)
      throw error("{}: labels must be int32 class indices of shape {}, got a {} tensor of shape {}: convert them to "
                  "int32 (one-hot labels go to Dice_Dense, Dice_Dense_NS or CrossEntropy_Dense)",
                  who, expected.to_string(), dtype_name(labels.dtype()), labels.shape().to_string());
    if (!(labels.shape() == expected))
      throw error("{}: labels of shape {} do not match logits of shape {}: expected {} (one class index per voxel)",
                  who, labels.shape().to_string(), logits.shape().to_string(), expected.to_string());
    check_label_range(who, labels, num_classes);
    return;
  }
  if (labels.dtype() != DType::Float32)
    throw error("{}: labels must be float32 one-hot of shape {}, got a {} tensor of shape {}: convert class "
                "indices with labels_to_one_hot, or use the loss without _Dense",
                who, logits.shape().to_string(), dtype_name(labels.dtype()), labels.shape().to_string());
  if (!(labels.shape() == logits.shape()))
    throw error("{}: labels of shape {} do not match logits of shape {}: expected {} (one-hot, one channel per "
                "class)",
                who, labels.shape().to_string(), logits.shape().to_string(), logits.shape().to_string());
}

void check_weights(std::string_view who, const Tensor& logits, const Tensor& weights) {
  const Shape expected = with_channels(logits.shape(), 1);
  if (weights.dtype() != DType::Float32)
    throw error("{}: the weight map must be float32 of shape {}, got a {} tensor of shape {}: convert it to float32",
                who, expected.to_string(), dtype_name(weights.dtype()), weights.shape().to_string());
  if (!(weights.shape() == expected))
    throw error("{}: the weight map of shape {} does not match logits of shape {}: expected {} (one weight per "
                "voxel)",
                who, weights.shape().to_string(), logits.shape().to_string(), expected.to_string());
}

}  // namespace

void check_inputs(std::string_view who, int num_classes, LabelKind kind, const Tensor& logits, const Tensor& labels,
                  const Tensor* weights) {
  check_logits(who, num_classes, logits);
  check_labels(who, num_classes, kind, logits, labels);
  if (weights != nullptr) check_weights(who, logits, *weights);
}

void check_label_range(std::string_view who, const Tensor& labels, int num_classes) {
  const std::int32_t* l = labels.data<std::int32_t>();
  const std::int64_t images = labels.rank() > 0 ? labels.shape()[0] : 1;
  const std::int64_t voxels = images > 0 ? labels.numel() / images : 0;
  for (std::int64_t k = 0; k < labels.numel(); ++k) {
    if (l[k] < 0 || l[k] >= num_classes)
      throw error("{}: label {} at voxel {} of image {} in the batch is outside 0..{} ({} classes): check the label "
                  "maps, or set the number of classes to cover every label",
                  who, l[k], k % voxels, k / voxels, num_classes - 1, num_classes);
  }
}

void load_image(const Tensor& logits, const Tensor& labels, const Tensor* weights, LabelKind kind, std::int64_t b,
                Image& image) {
  const int classes = static_cast<int>(logits.shape()[1]);
  const std::int64_t voxels = logits.numel() / (logits.shape()[0] * classes);
  const std::int64_t size = classes * voxels;
  image.classes = classes;
  image.voxels = voxels;

  const float* x = logits.data<float>() + b * size;
  image.x.assign(x, x + size);

  if (kind == LabelKind::Sparse) {
    image.target.assign(static_cast<std::size_t>(size), 0.0);
    const std::int32_t* l = labels.data<std::int32_t>() + b * voxels;
    for (std::int64_t i = 0; i < voxels; ++i) image.target[image.at(l[i], i)] = 1.0;
  } else {
    const float* g = labels.data<float>() + b * size;
    image.target.assign(g, g + size);
  }

  if (weights != nullptr) {
    const float* w = weights->data<float>() + b * voxels;
    image.weights.assign(w, w + voxels);
  } else {
    image.weights.assign(static_cast<std::size_t>(voxels), 1.0);
  }
}

}  // namespace voxtrain::losses
