// test_volume_warp.cpp — the warp kernel against a naive scalar tent-weight implementation (linear,
// nearest; fill and clamp; with a displacement field), integer shifts against crop_patch, and a timing.
#include <catch2/catch.hpp>

#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstring>

#include "voxtrain/core/random.hpp"
#include "voxtrain/data/sampling/patch_location.hpp"
#include "voxtrain/data/preprocessing/volume_warp.hpp"

using voxtrain::Interpolation;
using voxtrain::Tensor;
using voxtrain::WarpBoundary;
using voxtrain::WarpMatrix;

namespace {

Tensor random_volume(voxtrain::Shape shape, std::uint64_t seed) {
  Tensor t = Tensor::empty(shape);
  for (std::int64_t e = 0; e < t.numel(); ++e)
    t.data<float>()[e] = static_cast<float>(voxtrain::uniform01(seed, static_cast<std::uint64_t>(e)) * 10.0 - 5.0);
  return t;
}

// Voxel (i, j, k) of channel c, with the boundary rule applied to the integer index.
double voxel(const Tensor& v, std::int64_t c, std::int64_t i, std::int64_t j, std::int64_t k, WarpBoundary b,
             double fill) {
  const auto& s = v.shape();
  if (b == WarpBoundary::Clamp) {
    i = std::clamp<std::int64_t>(i, 0, s[3] - 1);
    j = std::clamp<std::int64_t>(j, 0, s[2] - 1);
    k = std::clamp<std::int64_t>(k, 0, s[1] - 1);
  }
  if (i < 0 || j < 0 || k < 0 || i >= s[3] || j >= s[2] || k >= s[1]) return fill;
  return v.data<float>()[((c * s[1] + k) * s[2] + j) * s[3] + i];
}

// Trilinear as a sum of tent weights max(0, 1 - |x - n|) over the voxels around x (clamp: the
// coordinate is first clamped into the volume).
double naive_linear(const Tensor& v, std::int64_t c, std::array<double, 3> x, WarpBoundary b, double fill) {
  const std::int64_t n[3] = {v.shape()[3], v.shape()[2], v.shape()[1]};
  if (b == WarpBoundary::Clamp)
    for (int a = 0; a < 3; ++a) x[a] = std::clamp(x[a], 0.0, static_cast<double>(n[a] - 1));
  double sum = 0.0;
  const auto base = [](double t) { return static_cast<std::int64_t>(std::floor(t)); };
  for (std::int64_t k = base(x[2]) - 1; k <= base(x[2]) + 2; ++k)
    for (std::int64_t j = base(x[1]) - 1; j <= base(x[1]) + 2; ++j)
      for (std::int64_t i = base(x[0]) - 1; i <= base(x[0]) + 2; ++i) {
        const double w = std::max(0.0, 1 - std::abs(x[0] - static_cast<double>(i))) *
                         std::max(0.0, 1 - std::abs(x[1] - static_cast<double>(j))) *
                         std::max(0.0, 1 - std::abs(x[2] - static_cast<double>(k)));
        if (w > 0) sum += w * voxel(v, c, i, j, k, b, fill);
      }
  return sum;
}

double naive_nearest(const Tensor& v, std::int64_t c, const std::array<double, 3>& x, WarpBoundary b, double fill) {
  return voxel(v, c, static_cast<std::int64_t>(std::floor(x[0] + 0.5)), static_cast<std::int64_t>(std::floor(x[1] + 0.5)),
               static_cast<std::int64_t>(std::floor(x[2] + 0.5)), b, fill);
}

// An oblique mapping: rotation, anisotropic scale, a shift that reaches outside the volume.
WarpMatrix oblique() {
  const double c = std::cos(0.4), s = std::sin(0.4);
  return {{{0.9 * c, -0.9 * s, 0.1, -1.3}, {1.1 * s, 1.1 * c, 0.0, 0.7}, {0.05, 0.2, 1.2, -2.2}}};
}

}  // namespace

TEST_CASE("warp_volumes equals a naive tent-weight sampler for linear and nearest, fill and clamp", "[data]") {
  const Tensor volume = random_volume({2, 7, 8, 9}, 5);
  const std::array<std::int64_t, 3> out_size{10, 9, 8};
  Tensor u = Tensor::empty({3, 8, 9, 10});
  for (std::int64_t e = 0; e < u.numel(); ++e)
    u.data<float>()[e] = static_cast<float>(voxtrain::uniform01(99, static_cast<std::uint64_t>(e)) * 3.0 - 1.5);
  const WarpMatrix m = oblique();
  for (const bool with_field : {false, true})
    for (const WarpBoundary b : {WarpBoundary::Fill, WarpBoundary::Clamp})
      for (const Interpolation interp : {Interpolation::Linear, Interpolation::Nearest}) {
        INFO("field " << with_field << " clamp " << (b == WarpBoundary::Clamp) << " nearest "
                      << (interp == Interpolation::Nearest));
        const double fill = -7.5;
        const Tensor out = voxtrain::warp_volume({.volume = &volume, .interpolation = interp, .boundary = b, .fill = fill},
                                                 out_size, m, with_field ? &u : nullptr);
        REQUIRE(out.shape() == voxtrain::Shape({2, 8, 9, 10}));
        double worst = 0.0;
        std::int64_t filled = 0;
        for (std::int64_t c = 0; c < 2; ++c)
          for (std::int64_t k = 0; k < 8; ++k)
            for (std::int64_t j = 0; j < 9; ++j)
              for (std::int64_t i = 0; i < 10; ++i) {
                const std::int64_t e = (k * 9 + j) * 10 + i;
                double p[3] = {double(i), double(j), double(k)};
                if (with_field)
                  for (int a = 0; a < 3; ++a) p[a] += u.data<float>()[a * 720 + e];
                std::array<double, 3> x{};
                for (int a = 0; a < 3; ++a) x[a] = m[a][0] * p[0] + m[a][1] * p[1] + m[a][2] * p[2] + m[a][3];
                const double want = interp == Interpolation::Linear ? naive_linear(volume, c, x, b, fill)
                                                                    : naive_nearest(volume, c, x, b, fill);
                const double got = out.data<float>()[c * 720 + e];
                worst = std::max(worst, std::abs(got - want));
                filled += want == fill;
              }
        CHECK(worst < 1e-5);
        if (b == WarpBoundary::Fill) CHECK(filled > 0);  // the mapping does reach outside
      }
}

TEST_CASE("warp_volumes with an integer shift equals crop_patch, also for int32 volumes", "[data]") {
  const Tensor volume = random_volume({3, 6, 7, 8}, 11);
  Tensor labels = Tensor::empty({1, 6, 7, 8}, voxtrain::DType::Int32);
  for (std::int64_t e = 0; e < labels.numel(); ++e) labels.data<std::int32_t>()[e] = static_cast<std::int32_t>(e % 13);
  const voxtrain::PatchLocation at{0, {-2, 3, 1}, {5, 9, 7}};
  WarpMatrix m = voxtrain::identity_warp();
  for (int a = 0; a < 3; ++a) m[a][3] = static_cast<double>(at.start[a]);
  const auto outs = voxtrain::warp_volumes(
      {{.volume = &volume, .interpolation = Interpolation::Linear, .boundary = WarpBoundary::Fill, .fill = 0.0},
       {.volume = &labels, .interpolation = Interpolation::Nearest, .boundary = WarpBoundary::Fill, .fill = 0.0}},
      at.size(), m);
  const Tensor a = voxtrain::crop_patch(volume, at), b = voxtrain::crop_patch(labels, at);
  REQUIRE(outs[0].shape() == a.shape());
  REQUIRE(outs[1].shape() == b.shape());
  CHECK(std::memcmp(outs[0].raw_data(), a.raw_data(), a.nbytes()) == 0);
  CHECK(std::memcmp(outs[1].raw_data(), b.raw_data(), b.nbytes()) == 0);
}

TEST_CASE("warp_volumes timing: a 64^3 patch of 4 channels, rotated and deformed", "[.][benchmark]") {
  const Tensor volume = random_volume({4, 96, 96, 96}, 3);
  Tensor label = Tensor::zeros({1, 96, 96, 96}, voxtrain::DType::Int32);
  Tensor u = Tensor::zeros({3, 64, 64, 64});
  WarpMatrix shifted = voxtrain::identity_warp(), rotated = oblique();
  for (int a = 0; a < 3; ++a) shifted[a][3] = 16.5;
  for (int a = 0; a < 3; ++a) rotated[a][3] += 16.0;
  const int threads = omp_get_max_threads();
  for (const int t : {1, threads})
    for (const int variant : {0, 1, 2}) {
      omp_set_num_threads(t);
      const WarpMatrix& m = variant == 0 ? shifted : rotated;
      const int repeats = 20;
      const auto start = std::chrono::steady_clock::now();
      for (int r = 0; r < repeats; ++r)
        voxtrain::warp_volumes({{.volume = &volume, .interpolation = Interpolation::Linear, .boundary = WarpBoundary::Fill, .fill = 0.0},
                                {.volume = &label, .interpolation = Interpolation::Nearest, .boundary = WarpBoundary::Fill, .fill = 0.0}},
                               {64, 64, 64}, m, variant == 2 ? &u : nullptr);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / repeats;
      const char* names[] = {"shifted", "rotated", "rotated + displacement"};
      WARN("64^3 patch, 4 float channels linear + int label nearest, " << names[variant] << ", " << t
                                                                          << " threads: " << ms << " ms");
    }
  omp_set_num_threads(threads);
}
