// surface_distance.cpp — mask surfaces (6-neighbour border), the separable exact squared Euclidean
// distance transform with spacing, and the surface-distance summaries (mean, Hausdorff, percentile).
#include "voxtrain/metrics/surface_distance.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Grid {
  std::int64_t nz = 0, ny = 0, nx = 0;
  std::int64_t size() const { return nz * ny * nx; }
};

Grid grid_of(const Tensor& t, const char* what) {
  const Shape& s = t.shape();
  if (s.rank() == 3) return Grid{.nz = s[0], .ny = s[1], .nx = s[2]};
  if (s.rank() == 4 && s[0] == 1) return Grid{.nz = s[1], .ny = s[2], .nx = s[3]};
  throw error("{}: expected a [D, H, W] or [1, D, H, W] mask, got shape {}", what, s.to_string());
}

// Nonzero voxels of a uint8 or int32 tensor as 0/1 bytes.
std::vector<std::uint8_t> binary_of(const Tensor& t, const char* what) {
  const std::int64_t n = t.numel();
  std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
  if (t.dtype() == DType::UInt8) {
    const std::uint8_t* p = t.data<std::uint8_t>();
    for (std::int64_t i = 0; i < n; ++i) out[i] = p[i] != 0;
  } else if (t.dtype() == DType::Int32) {
    const std::int32_t* p = t.data<std::int32_t>();
    for (std::int64_t i = 0; i < n; ++i) out[i] = p[i] != 0;
  } else {
    throw error("{}: a mask must be uint8 or int32, got {}", what, dtype_name(t.dtype()));
  }
  return out;
}

// Felzenszwalb-Huttenlocher on one line of n values f[0], f[stride], ... with sites spaced
// `step` mm apart: f(p) <- min_q ((p - q) step)^2 + f(q). Infinite values are not sites.
struct LineScratch {
  std::vector<double> f;
  std::vector<std::int64_t> v;
  std::vector<double> z;
};

void envelope_pass(double* line, std::int64_t n, std::int64_t stride, double step, LineScratch& s) {
  s.f.resize(n);
  s.v.resize(n);
  s.z.resize(n + 1);
  for (std::int64_t q = 0; q < n; ++q) s.f[q] = line[q * stride];
  std::int64_t k = -1;
  for (std::int64_t q = 0; q < n; ++q) {
    if (s.f[q] == kInf) continue;
    const double xq = static_cast<double>(q) * step;
    if (k < 0) {
      k = 0;
      s.v[0] = q;
      s.z[0] = -kInf;
      s.z[1] = kInf;
      continue;
    }
    double cross = 0.0;
    for (;;) {
      const std::int64_t r = s.v[k];
      const double xr = static_cast<double>(r) * step;
      cross = ((s.f[q] + xq * xq) - (s.f[r] + xr * xr)) / (2.0 * (xq - xr));
      if (cross > s.z[k]) break;
      --k;  // z[0] = -inf stops this before k < 0
    }
    ++k;
    s.v[k] = q;
    s.z[k] = cross;
    s.z[k + 1] = kInf;
  }
  if (k < 0) return;  // no site on this line: stays infinite
  k = 0;
  for (std::int64_t p = 0; p < n; ++p) {
    const double xp = static_cast<double>(p) * step;
    while (s.z[k + 1] < xp) ++k;
    const double dx = xp - static_cast<double>(s.v[k]) * step;
    line[p * stride] = dx * dx + s.f[s.v[k]];
  }
}

std::vector<double> distance_transform(const std::vector<std::uint8_t>& features, const Grid& g,
                                       const Spacing& spacing) {
  std::vector<double> d(features.size());
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = features[i] ? 0.0 : kInf;
  LineScratch scratch;
  const std::int64_t plane = g.ny * g.nx;
  for (std::int64_t z = 0; z < g.nz; ++z)  // along i (x): contiguous
    for (std::int64_t y = 0; y < g.ny; ++y) envelope_pass(&d[z * plane + y * g.nx], g.nx, 1, spacing[0], scratch);
  for (std::int64_t z = 0; z < g.nz; ++z)  // along j (y)
    for (std::int64_t x = 0; x < g.nx; ++x) envelope_pass(&d[z * plane + x], g.ny, g.nx, spacing[1], scratch);
  for (std::int64_t y = 0; y < g.ny; ++y)  // along k (z)
    for (std::int64_t x = 0; x < g.nx; ++x) envelope_pass(&d[y * g.nx + x], g.nz, plane, spacing[2], scratch);
  return d;
}

std::vector<std::uint8_t> border_of(const std::vector<std::uint8_t>& m, const Grid& g) {
  std::vector<std::uint8_t> border(m.size(), 0);
  const std::int64_t plane = g.ny * g.nx;
  auto inside = [&](std::int64_t z, std::int64_t y, std::int64_t x) {
    return z >= 0 && z < g.nz && y >= 0 && y < g.ny && x >= 0 && x < g.nx && m[z * plane + y * g.nx + x] != 0;
  };
  for (std::int64_t z = 0; z < g.nz; ++z)
    for (std::int64_t y = 0; y < g.ny; ++y)
      for (std::int64_t x = 0; x < g.nx; ++x) {
        if (!inside(z, y, x)) continue;
        const bool interior = inside(z - 1, y, x) && inside(z + 1, y, x) && inside(z, y - 1, x) &&
                              inside(z, y + 1, x) && inside(z, y, x - 1) && inside(z, y, x + 1);
        border[z * plane + y * g.nx + x] = interior ? 0 : 1;
      }
  return border;
}

void check_spacing(const Spacing& spacing) {
  for (const double s : spacing)
    if (!(s > 0.0) || !std::isfinite(s))
      throw error("voxel spacing ({}, {}, {}) mm: every spacing must be a finite number > 0", spacing[0], spacing[1],
                  spacing[2]);
}

// The distance (mm) at each surface voxel of `from` to the nearest voxel of `to_border`.
std::vector<double> directed(const std::vector<std::uint8_t>& from_border, const std::vector<std::uint8_t>& to_border,
                             const Grid& g, const Spacing& spacing) {
  std::vector<double> out;
  if (std::find(from_border.begin(), from_border.end(), 1) == from_border.end()) return out;
  const std::vector<double> d2 = distance_transform(to_border, g, spacing);
  for (std::size_t i = 0; i < from_border.size(); ++i)
    if (from_border[i]) out.push_back(std::sqrt(d2[i]));
  return out;
}

double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

}  // namespace

std::vector<double> squared_distance_transform(const Tensor& features, const Spacing& spacing) {
  check_spacing(spacing);
  const Grid g = grid_of(features, "distance transform");
  return distance_transform(binary_of(features, "distance transform"), g, spacing);
}

Tensor surface_voxels(const Tensor& mask) {
  const Grid g = grid_of(mask, "surface voxels");
  const std::vector<std::uint8_t> border = border_of(binary_of(mask, "surface voxels"), g);
  Tensor out = Tensor::empty({g.nz, g.ny, g.nx}, DType::UInt8);
  std::copy(border.begin(), border.end(), out.data<std::uint8_t>());
  return out;
}

SurfaceDistances surface_distances(const Tensor& seg_mask, const Tensor& ref_mask, const Spacing& spacing) {
  check_spacing(spacing);
  const Grid g = grid_of(seg_mask, "surface distances (segmentation)");
  const Grid r = grid_of(ref_mask, "surface distances (reference)");
  if (g.nz != r.nz || g.ny != r.ny || g.nx != r.nx)
    throw error("surface distances: segmentation mask {} and reference mask {} differ in shape",
                seg_mask.shape().to_string(), ref_mask.shape().to_string());
  const auto seg_border = border_of(binary_of(seg_mask, "surface distances (segmentation)"), g);
  const auto ref_border = border_of(binary_of(ref_mask, "surface distances (reference)"), g);
  return SurfaceDistances{.seg_to_ref = directed(seg_border, ref_border, g, spacing),
                          .ref_to_seg = directed(ref_border, seg_border, g, spacing)};
}

double average_surface_distance(const SurfaceDistances& d) {
  if (d.seg_to_ref.empty() || d.ref_to_seg.empty()) return kNaN;
  double sum = 0.0;
  for (const double v : d.seg_to_ref) sum += v;
  for (const double v : d.ref_to_seg) sum += v;
  return sum / static_cast<double>(d.seg_to_ref.size() + d.ref_to_seg.size());
}

double hausdorff_distance(const SurfaceDistances& d) {
  if (d.seg_to_ref.empty() || d.ref_to_seg.empty()) return kNaN;
  return std::max(max_of(d.seg_to_ref), max_of(d.ref_to_seg));
}

double hausdorff_percentile_distance(const SurfaceDistances& d, double percentile) {
  if (d.seg_to_ref.empty() || d.ref_to_seg.empty()) return kNaN;
  return std::max(percentile_linear(d.seg_to_ref, percentile), percentile_linear(d.ref_to_seg, percentile));
}

double percentile_linear(std::vector<double> values, double percentile) {
  VOX_ASSERT(percentile >= 0.0 && percentile <= 100.0);
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double h = static_cast<double>(values.size() - 1) * percentile / 100.0;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - static_cast<double>(lo)) * (values[lo + 1] - values[lo]);
}

}  // namespace voxtrain
