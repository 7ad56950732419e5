// test_augmentation.cpp — patch augmentation: identity is crop_patch, flips and 90-degree rotations
// are exact index maps of the crop, a ramp shows the mm-space geometry, image and label stay aligned
// under every transform, the bias field and B-spline field match direct formulas, and draws are per key.
#include <catch2/catch.hpp>

#include <omp.h>

#include <cmath>
#include <numbers>
#include <cstring>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/augmentation/augmentation.hpp"

#include "support/test_files.hpp"

using voxtrain::AugmentationDraw;
using voxtrain::AugmentationSettings;
using voxtrain::AugmentedPatch;
using voxtrain::PatchLocation;
using voxtrain::Range;
using voxtrain::Subject;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace {

using Size = std::array<std::int64_t, 3>;
constexpr std::int64_t kBlock = 6;

std::int32_t block_label(std::int64_t i, std::int64_t j, std::int64_t k) {
  return static_cast<std::int32_t>((i / kBlock + 2 * (j / kBlock) + 3 * (k / kBlock)) % 5);
}

// Block-shaped labels; image channel 0 = 10 * label, channel 1 = 1 + i + 10 j + 100 k (a ramp in
// voxel coordinates); weight = label + 0.5.
Subject block_subject(Size n, std::array<double, 3> spacing = {1, 1, 1}) {
  Subject s;
  s.id = "sub-001";
  s.spacing = spacing;
  s.affine = {{{spacing[0], 0, 0, 0}, {0, spacing[1], 0, 0}, {0, 0, spacing[2], 0}, {0, 0, 0, 1}}};
  s.image = Tensor::empty({2, n[2], n[1], n[0]});
  s.label = Tensor::empty({1, n[2], n[1], n[0]}, voxtrain::DType::Int32);
  s.weight = Tensor::empty({1, n[2], n[1], n[0]});
  const std::int64_t plane = n[0] * n[1] * n[2];
  std::int64_t e = 0;
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j)
      for (std::int64_t i = 0; i < n[0]; ++i, ++e) {
        const std::int32_t l = block_label(i, j, k);
        s.label.data<std::int32_t>()[e] = l;
        s.image.data<float>()[e] = 10.0f * static_cast<float>(l);
        s.image.data<float>()[plane + e] = static_cast<float>(1 + i + 10 * j + 100 * k);
        s.weight.data<float>()[e] = static_cast<float>(l) + 0.5f;
      }
  return s;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.defined() == b.defined() && (!a.defined() || (a.shape() == b.shape() && a.dtype() == b.dtype() &&
                                                         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0));
}

bool same_patch(const AugmentedPatch& a, const AugmentedPatch& b) {
  return same_bytes(a.image, b.image) && same_bytes(a.label, b.label) && same_bytes(a.weight, b.weight);
}

template <class T>
T at_voxel(const Tensor& t, std::int64_t c, std::int64_t i, std::int64_t j, std::int64_t k) {
  const auto& s = t.shape();
  return t.data<T>()[((c * s[1] + k) * s[2] + j) * s[3] + i];
}

// Every output voxel equals the crop at source(p) (an exact index map) in image, label, weight.
template <class Map>
std::int64_t mismatches(const AugmentedPatch& got, const Subject& s, const PatchLocation& at, Map source) {
  const Tensor image = voxtrain::crop_patch(s.image, at), label = voxtrain::crop_patch(s.label, at),
               weight = voxtrain::crop_patch(s.weight, at);
  const Size n = at.size();
  std::int64_t wrong = 0;
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j)
      for (std::int64_t i = 0; i < n[0]; ++i) {
        const Size q = source(i, j, k);
        for (std::int64_t c = 0; c < 2; ++c)
          wrong += at_voxel<float>(got.image, c, i, j, k) != at_voxel<float>(image, c, q[0], q[1], q[2]);
        wrong += at_voxel<std::int32_t>(got.label, 0, i, j, k) != at_voxel<std::int32_t>(label, 0, q[0], q[1], q[2]);
        wrong += at_voxel<float>(got.weight, 0, i, j, k) != at_voxel<float>(weight, 0, q[0], q[1], q[2]);
      }
  return wrong;
}

// The source coordinates of output voxel (i, j, k), through the public mapping of the draw.
struct Mapping {
  voxtrain::WarpMatrix m;
  Tensor u;
  std::array<double, 3> operator()(std::int64_t i, std::int64_t j, std::int64_t k) const {
    double p[3] = {double(i), double(j), double(k)};
    if (u.defined()) {
      const auto& s = u.shape();
      for (std::int64_t a = 0; a < 3; ++a) p[a] += u.data<float>()[((a * s[1] + k) * s[2] + j) * s[3] + i];
    }
    return voxtrain::warp_point(m, p[0], p[1], p[2]);
  }
};

struct Alignment {
  std::int64_t interior = 0;  // voxels whose 8 source neighbours share one label
  std::int64_t wrong = 0;     // of those, image or weight not the label's value; or a wrong nearest label
  double agreeing = 0;        // fraction of all voxels with image == 10 * label (no mapping used)
};

// Image = 10 * label and weight = label + 0.5 wherever the interpolation neighbourhood is one block.
Alignment alignment(const AugmentedPatch& p, const Subject& s, const PatchLocation& at, const AugmentationDraw& d) {
  const Mapping map{voxtrain::augmentation_matrix(d, at, s.spacing), voxtrain::elastic_displacement(d, at.size())};
  const Size n = at.size(), v = s.size_ijk();
  const auto label_at = [&](std::int64_t i, std::int64_t j, std::int64_t k) -> std::int32_t {
    if (i < 0 || j < 0 || k < 0 || i >= v[0] || j >= v[1] || k >= v[2]) return -1;
    return at_voxel<std::int32_t>(s.label, 0, i, j, k);
  };
  Alignment a;
  std::int64_t agree = 0;
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j)
      for (std::int64_t i = 0; i < n[0]; ++i) {
        const std::int32_t l = at_voxel<std::int32_t>(p.label, 0, i, j, k);
        const float image = at_voxel<float>(p.image, 0, i, j, k);
        agree += image == 10.0f * static_cast<float>(l);
        const auto x = map(i, j, k);
        std::int64_t lo[3];
        for (int q = 0; q < 3; ++q) lo[q] = static_cast<std::int64_t>(std::floor(x[q]));
        const std::int32_t nearest = label_at(static_cast<std::int64_t>(std::floor(x[0] + 0.5)),
                                              static_cast<std::int64_t>(std::floor(x[1] + 0.5)),
                                              static_cast<std::int64_t>(std::floor(x[2] + 0.5)));
        a.wrong += l != (nearest < 0 ? 0 : nearest);
        bool uniform = true;
        for (int c = 0; c < 8; ++c) uniform = uniform && label_at(lo[0] + (c & 1), lo[1] + (c >> 1 & 1), lo[2] + (c >> 2)) == l;
        if (!uniform) continue;
        ++a.interior;
        a.wrong += std::abs(image - 10.0f * static_cast<float>(l)) > 1e-4f;
        a.wrong += std::abs(at_voxel<float>(p.weight, 0, i, j, k) - (static_cast<float>(l) + 0.5f)) > 1e-5f;
      }
  a.agreeing = static_cast<double>(agree) / static_cast<double>(n[0] * n[1] * n[2]);
  return a;
}

// The centred cubic B-spline.
double beta3(double x) {
  x = std::abs(x);
  if (x < 1) return 2.0 / 3.0 - x * x + x * x * x / 2.0;
  if (x < 2) return (2 - x) * (2 - x) * (2 - x) / 6.0;
  return 0.0;
}

}  // namespace

TEST_CASE("augmentation with everything off is crop_patch, byte for byte", "[data]") {
  const Subject s = block_subject({24, 22, 20});
  const AugmentationSettings off;
  CHECK_FALSE(off.any());
  for (const PatchLocation& at : {PatchLocation{0, {2, 3, 4}, {18, 19, 20}}, PatchLocation{0, {-5, 10, 12}, {11, 30, 28}}})
    for (std::uint64_t key : {1u, 2u, 99u}) {
      const AugmentedPatch p = voxtrain::augment_patch(s, at, off, key);
      CHECK(same_bytes(p.image, voxtrain::crop_patch(s.image, at)));
      CHECK(same_bytes(p.label, voxtrain::crop_patch(s.label, at)));
      CHECK(same_bytes(p.weight, voxtrain::crop_patch(s.weight, at)));
    }
}

TEST_CASE("a flip is the reversed crop", "[data]") {
  const Subject s = block_subject({24, 22, 20});
  AugmentationDraw d;
  d.flip = {true, false, true};
  for (const PatchLocation& at : {PatchLocation{0, {2, 3, 4}, {14, 19, 13}}, PatchLocation{0, {-3, 10, 12}, {9, 26, 25}}}) {
    const Size n = at.size();
    const AugmentedPatch p = voxtrain::augment_patch(s, at, d);
    CHECK(mismatches(p, s, at, [&](auto i, auto j, auto k) { return Size{n[0] - 1 - i, j, n[2] - 1 - k}; }) == 0);
  }
}

TEST_CASE("90-degree rotations of a cubic patch are transpositions and flips of the crop", "[data]") {
  const Subject s = block_subject({24, 22, 20});
  const PatchLocation at{0, {3, 5, 2}, {11, 13, 10}};
  const std::int64_t last = 7;
  AugmentationDraw about_i, about_j, about_k;
  about_i.rotation_deg = {90, 0, 0};
  about_j.rotation_deg = {0, 90, 0};
  about_k.rotation_deg = {0, 0, 90};
  // Output voxel p shows the crop at c + R^T (p - c), R the right-handed rotation about the axis.
  CHECK(mismatches(voxtrain::augment_patch(s, at, about_i), s, at, [&](auto i, auto j, auto k) { return Size{i, k, last - j}; }) == 0);
  CHECK(mismatches(voxtrain::augment_patch(s, at, about_j), s, at, [&](auto i, auto j, auto k) { return Size{last - k, j, i}; }) == 0);
  CHECK(mismatches(voxtrain::augment_patch(s, at, about_k), s, at, [&](auto i, auto j, auto k) { return Size{j, last - i, k}; }) == 0);
  // Four quarter turns are the identity; so is -360.
  AugmentationDraw full;
  full.rotation_deg = {0, -360, 0};
  CHECK(mismatches(voxtrain::augment_patch(s, at, full), s, at, [](auto i, auto j, auto k) { return Size{i, j, k}; }) == 0);
}

TEST_CASE("rotation and scaling act in mm about the patch centre (a linear ramp shows where)", "[data]") {
  const std::array<double, 3> spacing{1.0, 2.0, 1.5};
  const Subject s = block_subject({30, 24, 20}, spacing);
  const PatchLocation at{0, {6, 4, 3}, {22, 18, 15}};
  AugmentationDraw d;
  d.flip = {true, false, false};
  d.rotation_deg = {0, 0, 30};
  d.zoom = {1.25, 0.8, 1.0};
  const AugmentedPatch p = voxtrain::augment_patch(s, at, d);
  const Size n = at.size(), v = s.size_ijk();
  const double c = std::cos(std::numbers::pi / 6), sn = std::sin(std::numbers::pi / 6);
  const double rt[3][3] = {{c, sn, 0}, {-sn, c, 0}, {0, 0, 1}};  // Rz(30)^T
  std::int64_t checked = 0;
  double worst = 0;
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j)
      for (std::int64_t i = 0; i < n[0]; ++i) {
        const double p_[3] = {double(i), double(j), double(k)};
        double mm[3], x[3];
        for (int a = 0; a < 3; ++a) mm[a] = spacing[a] * (p_[a] - 0.5 * double(n[a] - 1));
        bool inside = true;
        for (int a = 0; a < 3; ++a) {
          double r = rt[a][0] * mm[0] + rt[a][1] * mm[1] + rt[a][2] * mm[2];
          r = r / d.zoom[a] * (d.flip[a] ? -1 : 1);
          x[a] = double(at.start[a]) + 0.5 * double(n[a] - 1) + r / spacing[a];
          inside = inside && x[a] >= 0 && x[a] <= double(v[a] - 1);
        }
        if (!inside) continue;
        ++checked;
        worst = std::max(worst, std::abs(at_voxel<float>(p.image, 1, i, j, k) - (1 + x[0] + 10 * x[1] + 100 * x[2])));
      }
  CHECK(checked > n[0] * n[1] * n[2] / 2);
  CHECK(worst < 2e-3);
}

TEST_CASE("image and label stay aligned under flips, rotation, scaling, elastic and all combined", "[data]") {
  struct Case {
    const char* name;
    AugmentationSettings settings;
    std::array<double, 3> spacing;
  };
  AugmentationSettings flips, rotation, scaling, elastic, combined;
  flips.random_flipping_axes = {0, 1, 2};
  rotation.rotation_angle = Range{-30, 30};
  scaling.scaling_percentage = Range{-25, 25};
  elastic.do_elastic_deformation = true;
  elastic.num_ctrl_points = 3;
  elastic.deformation_sigma = 2.0;
  elastic.proportion_to_deform = 1.0;
  combined = elastic;
  combined.random_flipping_axes = {0, 2};
  combined.rotation_angle_z = Range{-20, 20};
  combined.rotation_angle_x = Range{-10, 10};
  combined.scaling_percentage = Range{-15, 15};
  combined.isotropic_scaling = true;
  const Case cases[] = {{"flips", flips, {1, 1, 1}},     {"rotation", rotation, {1, 1, 1}},
                        {"scaling", scaling, {1, 1, 1}}, {"elastic", elastic, {1, 1, 1}},
                        {"combined", combined, {1, 1, 1}}, {"combined, anisotropic", combined, {0.8, 1.0, 1.7}}};
  const PatchLocation at{0, {4, 4, 4}, {20, 20, 20}};
  for (const Case& c : cases) {
    const Subject s = block_subject({26, 24, 24}, c.spacing);
    for (std::uint64_t slot = 0; slot < 4; ++slot) {
      INFO(c.name << ", slot " << slot);
      const std::uint64_t key = voxtrain::random_key({7, 1, 3, slot});
      const AugmentationDraw d = voxtrain::draw_augmentation(c.settings, key);
      const AugmentedPatch p = voxtrain::augment_patch(s, at, c.settings, key);
      const Alignment a = alignment(p, s, at, d);
      CHECK(a.wrong == 0);
      CHECK(a.interior > 16 * 16 * 16 / 4);
      CHECK(a.agreeing > 0.4);
    }
  }
}

TEST_CASE("the bias field multiplies only the image, by exp of the polynomial over the volume", "[data]") {
  const Subject s = block_subject({24, 22, 20});
  AugmentationSettings bias;
  bias.bias_field_range = Range{-0.5, 0.5};
  bias.bf_order = 2;
  const std::uint64_t key = 42;
  const AugmentationDraw d = voxtrain::draw_augmentation(bias, key);
  REQUIRE(d.bias_coefficients.size() == 10);  // (2 + 1)(2 + 2)(2 + 3) / 6
  const PatchLocation at{0, {-2, 5, 6}, {14, 21, 18}};
  const AugmentedPatch p = voxtrain::augment_patch(s, at, bias, key);
  CHECK(same_bytes(p.label, voxtrain::crop_patch(s.label, at)));
  CHECK(same_bytes(p.weight, voxtrain::crop_patch(s.weight, at)));
  const Tensor crop = voxtrain::crop_patch(s.image, at);
  const Size n = at.size(), v = s.size_ijk();
  double worst = 0;
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j)
      for (std::int64_t i = 0; i < n[0]; ++i) {
        const double x[3] = {double(at.start[0] + i), double(at.start[1] + j), double(at.start[2] + k)};
        double xn[3];
        for (int a = 0; a < 3; ++a) xn[a] = (x[a] - 0.5 * double(v[a] - 1)) / (0.5 * double(v[a] - 1));
        double poly = 0;
        std::size_t t = 0;
        for (int ea = 0; ea <= 2; ++ea)
          for (int eb = 0; eb <= 2 - ea; ++eb)
            for (int ec = 0; ec <= 2 - ea - eb; ++ec)
              poly += d.bias_coefficients[t++] * std::pow(xn[0], ea) * std::pow(xn[1], eb) * std::pow(xn[2], ec);
        for (std::int64_t c = 0; c < 2; ++c) {
          const double want = at_voxel<float>(crop, c, i, j, k) * std::exp(poly);
          worst = std::max(worst, std::abs(at_voxel<float>(p.image, c, i, j, k) - want) / (1 + std::abs(want)));
        }
      }
  CHECK(worst < 1e-6);

  // With a rotation as well: label and weight are those of the rotation alone.
  AugmentationSettings rotated = bias;
  rotated.rotation_angle = Range{-20, 20};
  AugmentationSettings rotated_only;
  rotated_only.rotation_angle = Range{-20, 20};
  const AugmentedPatch with_bias = voxtrain::augment_patch(s, at, rotated, key);
  const AugmentedPatch without = voxtrain::augment_patch(s, at, rotated_only, key);
  CHECK(same_bytes(with_bias.label, without.label));
  CHECK(same_bytes(with_bias.weight, without.weight));
  CHECK_FALSE(same_bytes(with_bias.image, without.image));
}

TEST_CASE("the elastic displacement is the cubic B-spline through the control displacements", "[data]") {
  AugmentationSettings elastic;
  elastic.do_elastic_deformation = true;
  elastic.num_ctrl_points = 3;
  elastic.deformation_sigma = 4.0;
  elastic.proportion_to_deform = 1.0;
  const AugmentationDraw d = voxtrain::draw_augmentation(elastic, 5);
  const int m = 3, side = m + 3;
  REQUIRE(d.ctrl_intervals == m);
  REQUIRE(d.ctrl_displacement.size() == std::size_t(3 * side * side * side));
  const Size n{10, 7, 12};
  const Tensor u = voxtrain::elastic_displacement(d, n);
  REQUIRE(u.shape() == voxtrain::Shape({3, 12, 7, 10}));
  // Control point l of an axis of n voxels sits at -0.5 + (l - 1) h, h = n / m (ITK's B-spline
  // transform over the patch's extent [-0.5, n - 0.5] with m mesh intervals).
  double worst = 0;
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j)
      for (std::int64_t i = 0; i < n[0]; ++i)
        for (int c = 0; c < 3; ++c) {
          double want = 0;
          for (int lz = 0; lz < side; ++lz)
            for (int ly = 0; ly < side; ++ly)
              for (int lx = 0; lx < side; ++lx) {
                const auto b = [&](std::int64_t p, std::int64_t size, int l) {
                  const double h = double(size) / m;
                  return beta3((double(p) + 0.5) / h - (l - 1));
                };
                want += b(i, n[0], lx) * b(j, n[1], ly) * b(k, n[2], lz) *
                        d.ctrl_displacement[std::size_t(((c * side + lz) * side + ly) * side + lx)];
              }
          worst = std::max(worst, std::abs(at_voxel<float>(u, c, i, j, k) - want));
        }
  CHECK(worst < 1e-5);
}

TEST_CASE("draws depend only on the key: 1 and 2 threads give the same bytes, other keys differ", "[data]") {
  const Subject s = block_subject({26, 24, 24});
  AugmentationSettings all;
  all.rotation_angle = Range{-15, 15};
  all.scaling_percentage = Range{-10, 10};
  all.random_flipping_axes = {0, 1};
  all.do_elastic_deformation = true;
  all.num_ctrl_points = 4;
  all.deformation_sigma = 1.5;
  all.proportion_to_deform = 1.0;
  all.bias_field_range = Range{-0.3, 0.3};
  const PatchLocation at{0, {-2, 4, 3}, {18, 22, 21}};
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const AugmentedPatch one = voxtrain::augment_patch(s, at, all, 1234);
  omp_set_num_threads(2);
  const AugmentedPatch two = voxtrain::augment_patch(s, at, all, 1234);
  omp_set_num_threads(threads);
  CHECK(same_patch(one, two));
  CHECK(same_patch(one, voxtrain::augment_patch(s, at, all, 1234)));
  const AugmentedPatch other = voxtrain::augment_patch(s, at, all, 1235);
  CHECK_FALSE(same_bytes(one.image, other.image));
  CHECK_FALSE(same_bytes(one.label, other.label));
}

TEST_CASE("draw_augmentation: ranges, listed flip axes, proportions and independent streams", "[data]") {
  AugmentationSettings s;
  s.rotation_angle_y = Range{-5, 15};
  s.scaling_percentage = Range{-20, 10};
  s.random_flipping_axes = {1};
  s.do_elastic_deformation = true;
  s.proportion_to_deform = 0.3;
  int flipped = 0, deformed = 0;
  const int draws = 400;
  for (int n = 0; n < draws; ++n) {
    const AugmentationDraw d = voxtrain::draw_augmentation(s, voxtrain::random_key({3, std::uint64_t(n)}));
    CHECK_FALSE(d.flip[0]);
    CHECK_FALSE(d.flip[2]);
    flipped += d.flip[1];
    deformed += d.ctrl_intervals > 0;
    CHECK(d.rotation_deg[0] == 0);
    CHECK(d.rotation_deg[2] == 0);
    CHECK((d.rotation_deg[1] >= -5 && d.rotation_deg[1] <= 15));
    for (double z : d.zoom) CHECK((z >= 0.8 && z <= 1.1));
    CHECK(d.zoom[0] != d.zoom[1]);  // anisotropic unless isotropic_scaling
    CHECK(d.bias_order == -1);
  }
  CHECK(flipped > draws * 0.4);
  CHECK(flipped < draws * 0.6);
  CHECK(deformed > draws * 0.22);
  CHECK(deformed < draws * 0.38);

  // Turning the bias field on leaves the other draws as they were; isotropic scaling is one zoom.
  AugmentationSettings more = s;
  more.bias_field_range = Range{-1, 1};
  more.isotropic_scaling = true;
  const AugmentationDraw a = voxtrain::draw_augmentation(s, 77), b = voxtrain::draw_augmentation(more, 77);
  CHECK(a.flip == b.flip);
  CHECK(a.rotation_deg == b.rotation_deg);
  CHECK(a.ctrl_displacement == b.ctrl_displacement);
  CHECK(b.zoom[0] == b.zoom[1]);
  CHECK(b.zoom[1] == b.zoom[2]);
  CHECK(b.bias_coefficients.size() == 20);  // order 3

  AugmentationSettings all_axes;
  all_axes.rotation_angle = Range{10, 20};
  const AugmentationDraw r = voxtrain::draw_augmentation(all_axes, 8);
  for (double angle : r.rotation_deg) CHECK((angle >= 10 && angle <= 20));
}

TEST_CASE("augmentation settings a user can get wrong, and their text", "[data]") {
  const auto error_of = [](const AugmentationSettings& s) {
    return error_or_none([&] { voxtrain::check_augmentation_settings(s, "config.ini [TRAINING]"); });
  };
  AugmentationSettings s;
  CHECK(error_of(s) == "(no error)");
  s.rotation_angle_x = Range{10, -10};
  CHECK_THAT(error_of(s), Contains("config.ini [TRAINING]") && Contains("rotation_angle_x = (10, -10)"));
  s = {};
  s.rotation_angle = Range{-10, 10};
  s.rotation_angle_z = Range{-5, 5};
  CHECK_THAT(error_of(s), Contains("rotation_angle = (-10, 10)") && Contains("rotation_angle_x/_y/_z"));
  s = {};
  s.random_flipping_axes = {0, 3};
  CHECK_THAT(error_of(s), Contains("random_flipping_axes = (0, 3)") && Contains("axis 3"));
  s.random_flipping_axes = {-1};
  CHECK(error_of(s) == "(no error)");
  CHECK_FALSE(s.any());
  s = {};
  s.scaling_percentage = Range{-100, 10};
  CHECK_THAT(error_of(s), Contains("scaling_percentage"));
  s = {};
  s.proportion_to_deform = 1.5;
  CHECK_THAT(error_of(s), Contains("proportion_to_deform = 1.5"));
  s = {};
  s.bf_order = 9;
  CHECK_THAT(error_of(s), Contains("bf_order = 9"));
  s = {};
  s.num_ctrl_points = 0;
  CHECK_THAT(error_of(s), Contains("num_ctrl_points = 0"));

  AugmentationSettings t;
  t.scaling_percentage = Range{-10, 10};
  t.random_flipping_axes = {0, 1};
  const auto text = voxtrain::augmentation_settings_text(t);
  CHECK(text.at("scaling_percentage") == "(-10, 10)");
  CHECK(text.at("random_flipping_axes") == "(0, 1)");
  CHECK(text.at("rotation_angle").empty());
  CHECK(text.at("num_ctrl_points") == "4");
  CHECK(text.at("deformation_sigma") == "15");
  CHECK(text.at("proportion_to_deform") == "0.5");
  CHECK(text.at("bf_order") == "3");
  CHECK(text.at("isotropic_scaling") == "false");
  CHECK(text.size() == 13);
}
