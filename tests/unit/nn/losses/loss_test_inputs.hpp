// loss_test_inputs.hpp — builds loss inputs the way NiftyNet's tests write them (one row of
// channels-last logits per voxel) as voxtrain's channels-first tensors, for the loss tests.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/nn/loss.hpp"

namespace voxtrain::test {

using Rows = std::vector<std::vector<float>>;  // rows[voxel][channel]

// Images given as channels-last rows to a float32 [N, C, V] tensor (the rows transposed).
inline Tensor batch_from_rows(const std::vector<Rows>& images) {
  const auto n = static_cast<std::int64_t>(images.size());
  const auto v = static_cast<std::int64_t>(images.front().size());
  const auto c = static_cast<std::int64_t>(images.front().front().size());
  Tensor t = Tensor::empty({n, c, v});
  float* out = t.data<float>();
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t i = 0; i < v; ++i)
      for (std::int64_t k = 0; k < c; ++k)
        out[(b * c + k) * v + i] = images[static_cast<std::size_t>(b)][static_cast<std::size_t>(i)][static_cast<std::size_t>(k)];
  return t;
}

inline Tensor logits_from_rows(const Rows& rows) { return batch_from_rows({rows}); }

// Class indices per image to an int32 [N, 1, V] tensor.
inline Tensor class_indices(const std::vector<std::vector<int>>& images) {
  const auto n = static_cast<std::int64_t>(images.size());
  const auto v = static_cast<std::int64_t>(images.front().size());
  Tensor t = Tensor::empty({n, 1, v}, DType::Int32);
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t i = 0; i < v; ++i)
      t.data<std::int32_t>()[b * v + i] = images[static_cast<std::size_t>(b)][static_cast<std::size_t>(i)];
  return t;
}

// Voxel weights per image to a float32 [N, 1, V] tensor.
inline Tensor voxel_weights(const std::vector<std::vector<float>>& images) {
  const auto n = static_cast<std::int64_t>(images.size());
  const auto v = static_cast<std::int64_t>(images.front().size());
  Tensor t = Tensor::empty({n, 1, v});
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t i = 0; i < v; ++i)
      t.data<float>()[b * v + i] = images[static_cast<std::size_t>(b)][static_cast<std::size_t>(i)];
  return t;
}

inline double loss_value(std::string_view name, int classes, const Tensor& logits, const Tensor& labels,
                         const Tensor* weights = nullptr, const LossOptions& options = {}) {
  return make_loss(name, classes, options)->evaluate(logits, labels, weights).value;
}

// |actual - expected| <= atol, with no relative slack (Approx's default epsilon off).
inline Approx within(double expected, double atol) { return Approx(expected).epsilon(0).margin(atol); }

// |actual - expected| <= rtol |expected|.
inline Approx relative(double expected, double rtol) { return Approx(expected).epsilon(rtol).margin(0); }

}  // namespace voxtrain::test
