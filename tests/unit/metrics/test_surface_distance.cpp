// test_surface_distance.cpp — the separable distance transform against brute force on random masks
// with anisotropic spacing; surfaces of boxes counted by hand; surface distances of cubes and of
// random blobs against hand values and against every pair of surface voxels.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/metrics/surface_distance.hpp"

using voxtrain::DType;
using voxtrain::Spacing;
using voxtrain::SurfaceDistances;
using voxtrain::Tensor;
using Catch::Matchers::Contains;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Box {
  std::int64_t i0, i1, j0, j1, k0, k1;  // [i0, i1) x [j0, j1) x [k0, k1)
};

// A [nz, ny, nx] uint8 mask holding the box.
Tensor box_mask(std::int64_t nx, std::int64_t ny, std::int64_t nz, const Box& b) {
  Tensor t = Tensor::zeros({nz, ny, nx}, DType::UInt8);
  std::uint8_t* p = t.data<std::uint8_t>();
  for (std::int64_t k = b.k0; k < b.k1; ++k)
    for (std::int64_t j = b.j0; j < b.j1; ++j)
      for (std::int64_t i = b.i0; i < b.i1; ++i) p[(k * ny + j) * nx + i] = 1;
  return t;
}

Tensor random_mask(std::int64_t nx, std::int64_t ny, std::int64_t nz, double fraction, std::uint64_t seed) {
  Tensor t = Tensor::zeros({nz, ny, nx}, DType::UInt8);
  std::uint8_t* p = t.data<std::uint8_t>();
  const std::uint64_t key = voxtrain::random_key({seed, 0x5d7ULL});
  for (std::int64_t v = 0; v < t.numel(); ++v) p[v] = voxtrain::uniform01(key, static_cast<std::uint64_t>(v)) < fraction;
  return t;
}

// A random blob: voxels within a jittered radius of a centre (mm), so the surface is not a box.
Tensor blob_mask(std::int64_t nx, std::int64_t ny, std::int64_t nz, const Spacing& s, double cx, double cy,
                 double cz, double radius, std::uint64_t seed) {
  Tensor t = Tensor::zeros({nz, ny, nx}, DType::UInt8);
  std::uint8_t* p = t.data<std::uint8_t>();
  const std::uint64_t key = voxtrain::random_key({seed, 0xb10bULL});
  for (std::int64_t k = 0; k < nz; ++k)
    for (std::int64_t j = 0; j < ny; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        const std::int64_t v = (k * ny + j) * nx + i;
        const double dx = (i - cx) * s[0], dy = (j - cy) * s[1], dz = (k - cz) * s[2];
        const double r = radius * (0.8 + 0.4 * voxtrain::uniform01(key, static_cast<std::uint64_t>(v)));
        p[v] = dx * dx + dy * dy + dz * dz <= r * r;
      }
  return t;
}

struct Voxel {
  std::int64_t i, j, k;
};

// Surface voxels by the definition, written out: in the mask, a face neighbour outside it or the volume.
std::vector<Voxel> naive_surface(const Tensor& mask) {
  const auto nz = mask.shape()[0], ny = mask.shape()[1], nx = mask.shape()[2];
  const std::uint8_t* p = mask.data<std::uint8_t>();
  auto in = [&](std::int64_t i, std::int64_t j, std::int64_t k) {
    if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return false;
    return p[(k * ny + j) * nx + i] != 0;
  };
  std::vector<Voxel> out;
  for (std::int64_t k = 0; k < nz; ++k)
    for (std::int64_t j = 0; j < ny; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        if (!in(i, j, k)) continue;
        int neighbours = in(i - 1, j, k) + in(i + 1, j, k) + in(i, j - 1, k) + in(i, j + 1, k) + in(i, j, k - 1) +
                         in(i, j, k + 1);
        if (neighbours < 6) out.push_back({i, j, k});
      }
  return out;
}

double mm(const Voxel& a, const Voxel& b, const Spacing& s) {
  const double dx = (a.i - b.i) * s[0], dy = (a.j - b.j) * s[1], dz = (a.k - b.k) * s[2];
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

// For each voxel of from, the distance to the nearest voxel of to, by trying every pair.
std::vector<double> brute_directed(const std::vector<Voxel>& from, const std::vector<Voxel>& to, const Spacing& s) {
  std::vector<double> out;
  for (const Voxel& a : from) {
    double best = kInf;
    for (const Voxel& b : to) best = std::min(best, mm(a, b, s));
    out.push_back(best);
  }
  return out;
}

}  // namespace

TEST_CASE("squared distance transform equals brute force on random masks with anisotropic spacing", "[metrics]") {
  const Spacing spacing{0.7, 1.9, 3.1};
  int seed = 0;
  for (const double fraction : {0.006, 0.05, 0.3}) {
    const std::int64_t nx = 11, ny = 8, nz = 9;
    const Tensor features = random_mask(nx, ny, nz, fraction, static_cast<std::uint64_t>(++seed));
    const std::vector<Voxel> sites = [&] {
      std::vector<Voxel> v;
      const std::uint8_t* p = features.data<std::uint8_t>();
      for (std::int64_t k = 0; k < nz; ++k)
        for (std::int64_t j = 0; j < ny; ++j)
          for (std::int64_t i = 0; i < nx; ++i)
            if (p[(k * ny + j) * nx + i]) v.push_back({i, j, k});
      return v;
    }();
    REQUIRE(!sites.empty());
    const std::vector<double> d2 = voxtrain::squared_distance_transform(features, spacing);
    REQUIRE(d2.size() == static_cast<std::size_t>(nx * ny * nz));
    for (std::int64_t k = 0; k < nz; ++k)
      for (std::int64_t j = 0; j < ny; ++j)
        for (std::int64_t i = 0; i < nx; ++i) {
          double best = kInf;
          for (const Voxel& s : sites) best = std::min(best, std::pow(mm({i, j, k}, s, spacing), 2));
          INFO("fraction " << fraction << " voxel (" << i << ", " << j << ", " << k << ")");
          REQUIRE(d2[(k * ny + j) * nx + i] == Approx(best).epsilon(1e-12).margin(1e-12));
        }
  }
}

TEST_CASE("distance transform: one site, no site, a [1, D, H, W] int32 input", "[metrics]") {
  Tensor one = Tensor::zeros({1, 3, 4, 5}, DType::Int32);
  one.data<std::int32_t>()[(2 * 4 + 1) * 5 + 3] = 7;  // voxel (i, j, k) = (3, 1, 2)
  const std::vector<double> d2 = voxtrain::squared_distance_transform(one, {2.0, 0.5, 1.5});
  // voxel (0, 3, 0): dx = 3 * 2, dy = 2 * 0.5, dz = 2 * 1.5 -> 36 + 1 + 9
  CHECK(d2[(0 * 4 + 3) * 5 + 0] == Approx(46.0));
  CHECK(d2[(2 * 4 + 1) * 5 + 3] == 0.0);
  const std::vector<double> none = voxtrain::squared_distance_transform(Tensor::zeros({2, 2, 2}, DType::UInt8), {1, 1, 1});
  for (const double v : none) CHECK(v == kInf);
  CHECK_THROWS_WITH(voxtrain::squared_distance_transform(one, {1.0, 0.0, 1.0}), Contains("must be a finite number > 0"));
  CHECK_THROWS_WITH(voxtrain::squared_distance_transform(Tensor::zeros({2, 3, 4, 5}, DType::UInt8), {1, 1, 1}),
                    Contains("[D, H, W] or [1, D, H, W]"));
}

TEST_CASE("surface voxels of boxes: the box less its interior; faces on the volume's edge count", "[metrics]") {
  // A 4 x 5 x 6 box inside a 10 x 9 x 8 volume: 120 voxels, interior 2 x 3 x 4 = 24.
  const Tensor inside = voxtrain::surface_voxels(box_mask(10, 9, 8, {2, 6, 1, 6, 1, 7}));
  std::int64_t count = 0;
  for (std::int64_t v = 0; v < inside.numel(); ++v) count += inside.data<std::uint8_t>()[v];
  CHECK(count == 120 - 24);
  // The whole 5 x 4 x 3 volume: only the middle row (i in 1..3, j in 1..2, k = 1) is interior.
  const Tensor full = voxtrain::surface_voxels(box_mask(5, 4, 3, {0, 5, 0, 4, 0, 3}));
  count = 0;
  for (std::int64_t v = 0; v < full.numel(); ++v) count += full.data<std::uint8_t>()[v];
  CHECK(count == 60 - 3 * 2 * 1);
  CHECK(full.data<std::uint8_t>()[(1 * 4 + 1) * 5 + 2] == 0);
  CHECK(full.data<std::uint8_t>()[(1 * 4 + 0) * 5 + 2] == 1);
  // Random masks: the same voxels as the definition written out.
  const Tensor random = random_mask(7, 6, 5, 0.6, 99);
  const Tensor surface = voxtrain::surface_voxels(random);
  std::vector<std::uint8_t> expected(static_cast<std::size_t>(random.numel()), 0);
  for (const Voxel& v : naive_surface(random)) expected[(v.k * 6 + v.j) * 7 + v.i] = 1;
  for (std::int64_t v = 0; v < random.numel(); ++v) REQUIRE(surface.data<std::uint8_t>()[v] == expected[v]);
}

TEST_CASE("a cube shifted one voxel along z with 2.5 mm slices: Hausdorff 2.5 mm, mean and 95th by hand", "[metrics]") {
  const Spacing spacing{1.0, 1.0, 2.5};
  const Tensor ref = box_mask(9, 9, 9, {2, 6, 2, 6, 2, 6});
  const Tensor seg = box_mask(9, 9, 9, {2, 6, 2, 6, 3, 7});
  const SurfaceDistances d = voxtrain::surface_distances(seg, ref, spacing);
  // 56 surface voxels each: 16 on the outer cap at 2.5 mm, the 4 inner voxels of the other cap
  // 1 mm from the side faces, the other 36 on the other surface.
  REQUIRE(d.seg_to_ref.size() == 56);
  REQUIRE(d.ref_to_seg.size() == 56);
  CHECK(voxtrain::hausdorff_distance(d) == Approx(2.5));
  CHECK(voxtrain::average_surface_distance(d) == Approx((2 * (16 * 2.5 + 4 * 1.0)) / 112.0));
  CHECK(voxtrain::hausdorff_percentile_distance(d, 95) == Approx(2.5));
  CHECK(voxtrain::hausdorff_percentile_distance(d, 50) == Approx(0.0));
}

TEST_CASE("concentric cubes with anisotropic spacing: Hausdorff from corner to corner", "[metrics]") {
  // Outer [2, 10)^3, inner [4, 8)^3: every outer voxel lies at most 2 voxels from the inner box on
  // each axis, the corners exactly, so the Hausdorff distance is |(2, 2, 2) * spacing| = 7 mm.
  const Spacing spacing{1.0, 1.5, 3.0};
  const Tensor outer = box_mask(12, 12, 12, {2, 10, 2, 10, 2, 10});
  const Tensor inner = box_mask(12, 12, 12, {4, 8, 4, 8, 4, 8});
  const SurfaceDistances d = voxtrain::surface_distances(inner, outer, spacing);
  CHECK(voxtrain::hausdorff_distance(d) == Approx(7.0));
  // Offset along the coarsest axis alone, by 3 voxels of 3 mm: 9 mm.
  const Tensor low = box_mask(12, 12, 12, {3, 9, 3, 9, 0, 4});
  const Tensor high = box_mask(12, 12, 12, {3, 9, 3, 9, 3, 7});
  CHECK(voxtrain::hausdorff_distance(voxtrain::surface_distances(high, low, spacing)) == Approx(9.0));
}

TEST_CASE("surface distances of random blobs equal the distances over all surface voxel pairs", "[metrics]") {
  const Spacing spacing{0.8, 1.25, 2.5};
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const Tensor seg = blob_mask(14, 12, 8, spacing, 6.0, 5.5, 3.5, 5.0, seed);
    const Tensor ref = blob_mask(14, 12, 8, spacing, 7.0, 5.0, 4.0, 4.5, seed + 100);
    const std::vector<Voxel> seg_surface = naive_surface(seg), ref_surface = naive_surface(ref);
    REQUIRE(seg_surface.size() > 20);
    REQUIRE(ref_surface.size() > 20);
    const std::vector<double> seg_to_ref = brute_directed(seg_surface, ref_surface, spacing);
    const std::vector<double> ref_to_seg = brute_directed(ref_surface, seg_surface, spacing);
    const SurfaceDistances d = voxtrain::surface_distances(seg, ref, spacing);
    REQUIRE(d.seg_to_ref.size() == seg_to_ref.size());
    REQUIRE(d.ref_to_seg.size() == ref_to_seg.size());
    for (std::size_t i = 0; i < seg_to_ref.size(); ++i) REQUIRE(d.seg_to_ref[i] == Approx(seg_to_ref[i]).margin(1e-12));
    for (std::size_t i = 0; i < ref_to_seg.size(); ++i) REQUIRE(d.ref_to_seg[i] == Approx(ref_to_seg[i]).margin(1e-12));
    double sum = 0, largest = 0;
    for (const double v : seg_to_ref) sum += v, largest = std::max(largest, v);
    for (const double v : ref_to_seg) sum += v, largest = std::max(largest, v);
    CHECK(voxtrain::average_surface_distance(d) == Approx(sum / double(seg_to_ref.size() + ref_to_seg.size())));
    CHECK(voxtrain::hausdorff_distance(d) == Approx(largest));
  }
}

TEST_CASE("percentile_linear matches numpy.percentile; empty masks give NaN distances", "[metrics]") {
  // numpy.percentile([1, 2, 3, 4], 95) = 3.85; ([5, 1, 3], 50) = 3; ([2], 95) = 2.
  CHECK(voxtrain::percentile_linear({1, 2, 3, 4}, 95) == Approx(3.85));
  CHECK(voxtrain::percentile_linear({5, 1, 3}, 50) == Approx(3.0));
  CHECK(voxtrain::percentile_linear({2}, 95) == Approx(2.0));
  CHECK(voxtrain::percentile_linear({0, 10}, 100) == Approx(10.0));
  CHECK(std::isnan(voxtrain::percentile_linear({}, 95)));
  const Tensor empty = Tensor::zeros({4, 4, 4}, DType::UInt8);
  const Tensor cube = box_mask(4, 4, 4, {1, 3, 1, 3, 1, 3});
  for (const auto& d : {voxtrain::surface_distances(empty, cube, {1, 1, 1}),
                        voxtrain::surface_distances(cube, empty, {1, 1, 1}),
                        voxtrain::surface_distances(empty, empty, {1, 1, 1})}) {
    CHECK(std::isnan(voxtrain::average_surface_distance(d)));
    CHECK(std::isnan(voxtrain::hausdorff_distance(d)));
    CHECK(std::isnan(voxtrain::hausdorff_percentile_distance(d, 95)));
  }
  CHECK_THROWS_WITH(voxtrain::surface_distances(cube, Tensor::zeros({4, 4, 5}, DType::UInt8), {1, 1, 1}),
                    Contains("differ in shape"));
}
