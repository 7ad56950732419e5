// aux_op_test_support.hpp — small builders for the aux op tests: tensors from values, the
// channels-last transpose, one-hot labels and batch slices, each a naive loop.
// (In their own namespace: helpers of the same name and arguments elsewhere in the test binary
// would otherwise be one inline function to the linker.)
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/metrics/aux_ops.hpp"

namespace voxtrain::test::aux_ops {

inline Tensor floats(const Shape& shape, const std::vector<double>& values) {
  REQUIRE(static_cast<std::int64_t>(values.size()) == shape.numel());
  Tensor t = Tensor::empty(shape, DType::Float32);
  for (std::size_t i = 0; i < values.size(); ++i) t.data<float>()[i] = static_cast<float>(values[i]);
  return t;
}

inline Tensor ints(const Shape& shape, const std::vector<int>& values) {
  REQUIRE(static_cast<std::int64_t>(values.size()) == shape.numel());
  Tensor t = Tensor::empty(shape, DType::Int32);
  for (std::size_t i = 0; i < values.size(); ++i) t.data<std::int32_t>()[i] = values[i];
  return t;
}

inline std::vector<double> values_of(const Tensor& t) {
  std::vector<double> out;
  for (std::int64_t i = 0; i < t.numel(); ++i) out.push_back(t.data<float>()[i]);
  return out;
}

// Inputs of an op: predictions and label only.
inline AuxInputs inputs_of(Tensor predictions, Tensor label) {
  AuxInputs in;
  in.predictions = std::move(predictions);
  in.label = std::move(label);
  return in;
}

// Every element of t equals expected (relative 1e-6); an expected NaN must be NaN.
inline void check_values(const Tensor& t, const std::vector<double>& expected) {
  const std::vector<double> got = values_of(t);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    if (std::isnan(expected[i]))
      CHECK(std::isnan(got[i]));
    else
      CHECK(got[i] == Approx(expected[i]).epsilon(1e-6));
  }
}

// [N, C, V...] -> [N, V..., C], any dtype of 4 bytes.
inline Tensor to_channels_last(const Tensor& t) {
  const Shape& s = t.shape();
  const std::int64_t n = s[0], c = s[1], v = s.numel() / (n * c);
  std::vector<std::int64_t> extents = {n};
  for (int a = 2; a < s.rank(); ++a) extents.push_back(s[a]);
  extents.push_back(c);
  Tensor out = Tensor::empty(Shape(extents), t.dtype());
  const auto* in = static_cast<const std::uint32_t*>(t.raw_data());
  auto* o = static_cast<std::uint32_t*>(out.raw_data());
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t k = 0; k < c; ++k)
      for (std::int64_t i = 0; i < v; ++i) o[(b * v + i) * c + k] = in[(b * c + k) * v + i];
  return out;
}

// int32 class indices [N, 1, V...] -> float32 one-hot [N, C, V...].
inline Tensor one_hot(const Tensor& labels, std::int64_t classes) {
  const Shape& s = labels.shape();
  std::vector<std::int64_t> extents(s.extents().begin(), s.extents().end());
  extents[1] = classes;
  Tensor out = Tensor::zeros(Shape(extents));
  const std::int64_t n = s[0], v = s.numel() / n;
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t i = 0; i < v; ++i)
      out.data<float>()[(b * classes + labels.data<std::int32_t>()[b * v + i]) * v + i] = 1.0f;
  return out;
}

// Samples [begin, end) of a batch tensor (N first).
inline Tensor take_samples(const Tensor& t, std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> extents(t.shape().extents().begin(), t.shape().extents().end());
  const std::size_t per_sample = t.nbytes() / static_cast<std::size_t>(extents[0]);
  extents[0] = end - begin;
  Tensor out = Tensor::empty(Shape(extents), t.dtype());
  std::memcpy(out.raw_data(), static_cast<const char*>(t.raw_data()) + static_cast<std::size_t>(begin) * per_sample,
              static_cast<std::size_t>(end - begin) * per_sample);
  return out;
}

// The scalar named `name` in out (FAIL when absent).
inline MetricValue scalar(const AuxOutputs& out, const std::string& name) {
  for (const MetricValue& m : out.scalars)
    if (m.name == name) return m;
  FAIL("no scalar named " << name);
  return {};
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace voxtrain::test::aux_ops
