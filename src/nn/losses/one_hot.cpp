// one_hot.cpp — labels_to_one_hot: class indices [N, 1, spatial...] to float32 one-hot
// [N, C, spatial...], the labels the _Dense losses take.
#include <array>

#include "loss_inputs.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/loss.hpp"

namespace voxtrain {

Tensor labels_to_one_hot(const Tensor& labels, int num_classes) {
  if (num_classes < 1)
    throw error("labels_to_one_hot: num_classes = {} must be at least 1: give the number of classes, background "
                "included",
                num_classes);
  if (labels.dtype() != DType::Int32 || labels.rank() < 2 || labels.shape()[1] != 1)
    throw error("labels_to_one_hot: labels must be int32 class indices of shape [N, 1, spatial...], got a {} tensor "
                "of shape {}: convert them to int32 with a channel axis of 1",
                dtype_name(labels.dtype()), labels.shape().to_string());
  losses::check_label_range("labels_to_one_hot", labels, num_classes);

  std::array<std::int64_t, Shape::kMaxRank> extents{};
  std::copy(labels.shape().extents().begin(), labels.shape().extents().end(), extents.begin());
  extents[1] = num_classes;
  Tensor one_hot = Tensor::zeros(Shape(std::span<const std::int64_t>(extents.data(),
                                                                     static_cast<std::size_t>(labels.rank()))));
  const std::int64_t images = labels.shape()[0];
  const std::int64_t voxels = images > 0 ? labels.numel() / images : 0;
  const std::int32_t* l = labels.data<std::int32_t>();
  float* out = one_hot.data<float>();
  for (std::int64_t b = 0; b < images; ++b)
    for (std::int64_t i = 0; i < voxels; ++i)
      out[(b * num_classes + l[b * voxels + i]) * voxels + i] = 1.0f;
  return one_hot;
}

}  // namespace voxtrain
