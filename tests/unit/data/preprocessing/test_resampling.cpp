// test_resampling.cpp — resampling to a pixdim: scipy's shape rounding, a world-space ramp that
// stays a ramp on an oblique grid, labels that keep their values, round trips, and the errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <cstring>
#include <set>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/preprocessing/resampling.hpp"

#include "support/test_files.hpp"

using voxtrain::Affine;
using voxtrain::Subject;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace {

using Vec3 = std::array<double, 3>;

// Rotation by `degrees` about world z, times the spacing, plus a translation.
Affine oblique_affine(const Vec3& spacing, double degrees, const Vec3& t) {
  const double c = std::cos(degrees * std::numbers::pi / 180), s = std::sin(degrees * std::numbers::pi / 180);
  return {{{c * spacing[0], -s * spacing[1], 0, t[0]},
           {s * spacing[0], c * spacing[1], 0, t[1]},
           {0, 0, spacing[2], t[2]},
           {0, 0, 0, 1}}};
}

Vec3 world(const Affine& a, double i, double j, double k) {
  return {a[0][0] * i + a[0][1] * j + a[0][2] * k + a[0][3], a[1][0] * i + a[1][1] * j + a[1][2] * k + a[1][3],
          a[2][0] * i + a[2][1] * j + a[2][2] * k + a[2][3]};
}

// The old grid's voxel coordinates of a world point, for oblique_affine (rotation transposed).
Vec3 old_voxel(const Vec3& spacing, double degrees, const Vec3& t, const Vec3& w) {
  const double c = std::cos(degrees * std::numbers::pi / 180), s = std::sin(degrees * std::numbers::pi / 180);
  const Vec3 d{w[0] - t[0], w[1] - t[1], w[2] - t[2]};
  return {(c * d[0] + s * d[1]) / spacing[0], (-s * d[0] + c * d[1]) / spacing[1], d[2] / spacing[2]};
}

double ramp(const Vec3& w) { return 0.3 * w[0] - 0.2 * w[1] + 0.15 * w[2] + 5.0; }

// A subject on `affine` of size n whose image and weight are ramp(world) and label a block pattern.
Subject ramp_subject(const Affine& affine, std::array<std::int64_t, 3> n) {
  Subject s;
  s.id = "sub-007";
  s.affine = affine;
  s.spacing = voxtrain::spacing_of(affine);
  s.image = Tensor::empty({1, n[2], n[1], n[0]});
  s.weight = Tensor::empty({1, n[2], n[1], n[0]});
  s.label = Tensor::empty({1, n[2], n[1], n[0]}, voxtrain::DType::Int32);
  std::int64_t e = 0;
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j)
      for (std::int64_t i = 0; i < n[0]; ++i, ++e) {
        const float v = static_cast<float>(ramp(world(affine, double(i), double(j), double(k))));
        s.image.data<float>()[e] = v;
        s.weight.data<float>()[e] = v;
        constexpr std::int32_t kValues[3] = {0, 3, 7};
        s.label.data<std::int32_t>()[e] = kValues[(i / 2 + j / 3 + k) % 3];
      }
  return s;
}

std::string error_of(int order) {
  return error_or_none([&] { voxtrain::interpolation_of_order(order, "config.ini [T1]"); });
}

}  // namespace

TEST_CASE("resampled_size rounds n * old / new half to even, as scipy.ndimage.zoom", "[data]") {
  using Size = std::array<std::int64_t, 3>;
  // 10 * 2 = 20; 11 * 0.5 = 5.5 -> 6; 7 * 2 / 3 = 4.67 -> 5
  CHECK(voxtrain::resampled_size({10, 11, 7}, {1, 1, 1}, {0.5, 2, 1.5}) == Size{20, 6, 5});
  // 5 / 2 = 2.5 -> 2 (half to even); 7 / 2 = 3.5 -> 4; 1 * 0.1 -> at least 1
  CHECK(voxtrain::resampled_size({5, 7, 1}, {1, 1, 1}, {2, 2, 10}) == Size{2, 4, 1});
  CHECK(voxtrain::resampled_size({100, 64, 30}, {0.9375, 0.9375, 5}, {1, 1, 1}) == Size{94, 60, 150});
}

TEST_CASE("a world ramp resampled linearly stays the ramp; the centre keeps its world position", "[data]") {
  const Vec3 spacing{1.0, 1.5, 2.0}, t{-7, 3, 11}, pixdim{0.7, 1.2, 2.5};
  const double degrees = 20;
  const std::array<std::int64_t, 3> n{9, 8, 6};
  Subject s = ramp_subject(oblique_affine(spacing, degrees, t), n);
  const Affine before = s.affine;
  voxtrain::resample_to_spacing(s, pixdim, 1, 0);
  const auto m = s.size_ijk();
  REQUIRE(m == voxtrain::resampled_size(n, spacing, pixdim));
  CHECK(s.spacing == pixdim);
  const Vec3 got_spacing = voxtrain::spacing_of(s.affine);
  for (std::size_t a = 0; a < 3; ++a) CHECK(got_spacing[a] == Approx(pixdim[a]));
  // Directions kept, centre kept.
  const Affine want_dirs = oblique_affine(pixdim, degrees, t);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) CHECK(s.affine[r][c] == Approx(want_dirs[r][c]).margin(1e-12));
  const Vec3 c_old = world(before, 0.5 * double(n[0] - 1), 0.5 * double(n[1] - 1), 0.5 * double(n[2] - 1));
  const Vec3 c_new = world(s.affine, 0.5 * double(m[0] - 1), 0.5 * double(m[1] - 1), 0.5 * double(m[2] - 1));
  for (int a = 0; a < 3; ++a) CHECK(c_new[a] == Approx(c_old[a]).margin(1e-9));

  std::int64_t e = 0, checked = 0;
  double worst = 0;
  std::set<std::int32_t> labels;
  for (std::int64_t k = 0; k < m[2]; ++k)
    for (std::int64_t j = 0; j < m[1]; ++j)
      for (std::int64_t i = 0; i < m[0]; ++i, ++e) {
        labels.insert(s.label.data<std::int32_t>()[e]);
        const Vec3 w = world(s.affine, double(i), double(j), double(k));
        const Vec3 x = old_voxel(spacing, degrees, t, w);
        bool inside = true;
        for (int a = 0; a < 3; ++a) inside = inside && x[a] >= -1e-9 && x[a] <= double(n[a] - 1) + 1e-9;
        if (!inside) continue;  // the edge repeats there: not the ramp
        ++checked;
        worst = std::max({worst, std::abs(s.image.data<float>()[e] - ramp(w)), std::abs(s.weight.data<float>()[e] - ramp(w))});
      }
  CHECK(checked > s.image.numel() / 2);
  CHECK(worst < 1e-4);
  CHECK(labels == std::set<std::int32_t>{0, 3, 7});
}

TEST_CASE("nearest upsampling by 2 repeats each label twice; back to the original grid is exact", "[data]") {
  const Vec3 spacing{2, 2, 2};
  const std::array<std::int64_t, 3> n{5, 4, 3};
  const Subject original = ramp_subject(oblique_affine(spacing, 0, {1, 2, 3}), n);
  Subject s = original;
  voxtrain::resample_to_spacing(s, {1, 1, 1}, 1, 0);
  REQUIRE(s.size_ijk() == std::array<std::int64_t, 3>{10, 8, 6});
  // New voxel q sits at old q / 2 - 1/4: its nearest old voxel is q / 2 (integer division).
  std::int64_t e = 0, wrong = 0;
  for (std::int64_t k = 0; k < 6; ++k)
    for (std::int64_t j = 0; j < 8; ++j)
      for (std::int64_t i = 0; i < 10; ++i, ++e)
        wrong += s.label.data<std::int32_t>()[e] != original.label.data<std::int32_t>()[((k / 2) * 4 + j / 2) * 5 + i / 2];
  CHECK(wrong == 0);

  const Tensor label_back = voxtrain::resample_to_grid(s.label, s.affine, n, original.affine, voxtrain::Interpolation::Nearest);
  REQUIRE(label_back.shape() == original.label.shape());
  CHECK(std::memcmp(label_back.raw_data(), original.label.raw_data(), label_back.nbytes()) == 0);
  const Tensor image_back = voxtrain::resample_to_grid(s.image, s.affine, n, original.affine, voxtrain::Interpolation::Linear);
  // A ramp survives linear up- and downsampling away from the edge (where upsampling repeats it).
  double worst = 0;
  for (std::int64_t k = 1; k < n[2] - 1; ++k)
    for (std::int64_t j = 1; j < n[1] - 1; ++j)
      for (std::int64_t i = 1; i < n[0] - 1; ++i) {
        const std::int64_t v = (k * n[1] + j) * n[0] + i;
        worst = std::max(worst, double(std::abs(image_back.data<float>()[v] - original.image.data<float>()[v])));
      }
  CHECK(worst < 1e-4);

  // resample_to_spacing back: the original grid.
  voxtrain::resample_to_spacing(s, spacing, 1, 0);
  CHECK(s.size_ijk() == n);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) CHECK(s.affine[r][c] == Approx(original.affine[r][c]).margin(1e-12));
  CHECK(std::memcmp(s.label.raw_data(), original.label.raw_data(), s.label.nbytes()) == 0);
}

TEST_CASE("resampling to the spacing the subject has changes nothing", "[data]") {
  Subject s = ramp_subject(oblique_affine({1, 2, 3}, 30, {0, 0, 0}), {4, 4, 4});
  const Tensor image = s.image;
  voxtrain::resample_to_spacing(s, {1, 2, 3});
  CHECK(s.image.raw_data() == image.raw_data());
}

TEST_CASE("interp orders and pixdims a user can get wrong", "[data]") {
  CHECK(error_of(0) == "(no error)");
  CHECK(error_of(1) == "(no error)");
  CHECK(error_of(2) == "(no error)");  // spline orders run linearly, with a warning (NiftyNet's demos use 3)
  CHECK(error_of(3) == "(no error)");
  CHECK(voxtrain::interpolation_of_order(3, "config.ini [T1]") == voxtrain::Interpolation::Linear);
  CHECK_THAT(error_of(4), Contains("config.ini [T1]") && Contains("interp_order = 4"));
  CHECK_THAT(error_of(-1), Contains("interp_order = -1") && Contains("0 (nearest"));
  Subject s = ramp_subject(oblique_affine({1, 1, 1}, 0, {0, 0, 0}), {4, 4, 4});
  CHECK_THROWS_WITH(voxtrain::resample_to_spacing(s, {1, -2, 1}), Contains("sub-007") && Contains("pixdim = (1, -2, 1)"));
  CHECK_THROWS_WITH(voxtrain::resample_to_spacing(s, {2, 2, 2}, 5), Contains("subject 'sub-007' image") && Contains("interp_order = 5"));
  CHECK_THROWS_WITH(voxtrain::resample_to_spacing(s, {2, 2, 2}, 1, 1), Contains("labels"));
}
