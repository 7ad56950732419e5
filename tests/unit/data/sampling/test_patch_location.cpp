// test_patch_location.cpp — crop_patch against a naive per-voxel loop, inside, across and
// outside the volume, for float and int volumes; the 7-vector text form.
#include <catch2/catch.hpp>

#include "voxtrain/data/sampling/patch_location.hpp"

using voxtrain::PatchLocation;
using voxtrain::Tensor;

namespace {

// Element [c, k, j, i] of a [C, D, H, W] volume, or `outside` beyond it: the definition of a crop.
template <class T>
T naive_at(const Tensor& v, std::int64_t c, std::int64_t k, std::int64_t j, std::int64_t i, T outside) {
  const auto& s = v.shape();
  if (k < 0 || j < 0 || i < 0 || k >= s[1] || j >= s[2] || i >= s[3]) return outside;
  return v.data<T>()[((c * s[1] + k) * s[2] + j) * s[3] + i];
}

template <class T>
void check_crop(const Tensor& volume, const PatchLocation& at, T outside) {
  const Tensor p = voxtrain::crop_patch(volume, at, static_cast<double>(outside));
  const auto n = at.size();
  REQUIRE(p.shape() == voxtrain::Shape({volume.shape()[0], n[2], n[1], n[0]}));
  std::int64_t e = 0, wrong = 0;
  for (std::int64_t c = 0; c < volume.shape()[0]; ++c)
    for (std::int64_t k = 0; k < n[2]; ++k)
      for (std::int64_t j = 0; j < n[1]; ++j)
        for (std::int64_t i = 0; i < n[0]; ++i, ++e)
          wrong += p.data<T>()[e] !=
                   naive_at<T>(volume, c, k + at.start[2], j + at.start[1], i + at.start[0], outside);
  CHECK(wrong == 0);
}

}  // namespace

TEST_CASE("crop_patch equals a per-voxel loop inside, across and outside the volume", "[data]") {
  Tensor f = Tensor::empty({2, 5, 6, 7});
  Tensor n = Tensor::empty({1, 5, 6, 7}, voxtrain::DType::Int32);
  for (std::int64_t e = 0; e < f.numel(); ++e) f.data<float>()[e] = 0.5f * static_cast<float>(e);
  for (std::int64_t e = 0; e < n.numel(); ++e) n.data<std::int32_t>()[e] = static_cast<std::int32_t>(e % 11);
  const PatchLocation cases[] = {
      {0, {0, 0, 0}, {7, 6, 5}},     // the whole volume
      {0, {1, 2, 3}, {4, 5, 5}},     // inside
      {0, {-2, 4, 3}, {3, 9, 7}},    // across the lower x and upper y, z faces
      {0, {8, 0, 0}, {10, 2, 2}},    // entirely outside
      {0, {2, 2, 2}, {2, 4, 4}},     // empty along x
  };
  for (const auto& at : cases) {
    INFO(at.to_string());
    check_crop<float>(f, at, -3.0f);
    check_crop<std::int32_t>(n, at, 9);
  }
}

TEST_CASE("PatchLocation prints as NiftyNet's 7-vector", "[data]") {
  CHECK(PatchLocation{3, {0, 1, 2}, {64, 65, 66}}.to_string() == "[3, 0, 1, 2, 64, 65, 66]");
  CHECK(PatchLocation{3, {0, 1, 2}, {64, 65, 66}}.size() == std::array<std::int64_t, 3>{64, 64, 64});
}
