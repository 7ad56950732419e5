// loss_inputs.hpp — checks the tensors a loss is handed (dtypes, shapes, label range) and lays out
// one image of the batch as the per-image losses read it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain::losses {

// Sparse: int32 class indices [N, 1, spatial...]; Dense: float32 one-hot [N, C, spatial...].
enum class LabelKind { Sparse, Dense };

// One image: C x V arrays, channel-major (element (c, i) at c * V + i), in double.
struct Image {
  int classes = 0;
  std::int64_t voxels = 0;
  std::vector<double> x;        // NiftyNet's `prediction`: softmax probabilities, or the logits as they are
  std::vector<double> target;   // g: the one-hot of the class indices, or the dense labels as given
  std::vector<double> weights;  // w_i: the weight map, or all ones (V values)
  std::size_t at(int c, std::int64_t i) const { return static_cast<std::size_t>(c * voxels + i); }
};

// Throws Error, naming `who` ("loss 'Dice'"), when logits, labels or weights do not fit together
// or a class index is outside 0..num_classes-1.
void check_inputs(std::string_view who, int num_classes, LabelKind kind, const Tensor& logits, const Tensor& labels,
                  const Tensor* weights);
void check_label_range(std::string_view who, const Tensor& labels, int num_classes);

// Image b of checked inputs, with x = its logits; weights nullptr gives all ones.
void load_image(const Tensor& logits, const Tensor& labels, const Tensor* weights, LabelKind kind, std::int64_t b,
                Image& image);

}  // namespace voxtrain::losses
