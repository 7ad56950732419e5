// resampling.cpp — target grids for a pixdim (size, affine) and sampling a Subject's arrays on them
// through volume_warp, with the edge repeated beyond the old grid.
#include "voxtrain/data/preprocessing/resampling.hpp"

#include <cmath>

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"

namespace voxtrain {
namespace {

// Relative difference below which a spacing already is the target (NIfTI stores float32).
constexpr double kSameSpacing = 1e-5;

bool same_spacing(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  for (std::size_t n = 0; n < 3; ++n)
    if (std::abs(a[n] - b[n]) > kSameSpacing * b[n]) return false;
  return true;
}

// The inverse of a voxel-to-world affine (rows 0-2), by cofactors.
Affine invert(const Affine& m) {
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  VOX_ASSERT_MSG(std::abs(det) > 0.0, "resampling through a singular affine");
  Affine r{};
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      const int a1 = (a + 1) % 3, a2 = (a + 2) % 3, b1 = (b + 1) % 3, b2 = (b + 2) % 3;
      r[b][a] = (m[a1][b1] * m[a2][b2] - m[a1][b2] * m[a2][b1]) / det;
    }
  for (int a = 0; a < 3; ++a) r[a][3] = -(r[a][0] * m[0][3] + r[a][1] * m[1][3] + r[a][2] * m[2][3]);
  r[3] = {0, 0, 0, 1};
  return r;
}

WarpMatrix product(const Affine& a, const Affine& b) {
  WarpMatrix m{};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) {
      double s = c == 3 ? a[r][3] : 0.0;
      for (int q = 0; q < 3; ++q) s += a[r][q] * b[q][c];
      m[r][c] = s;
    }
  return m;
}

Tensor sample(const Tensor& volume, const std::array<std::int64_t, 3>& size, const WarpMatrix& m,
              Interpolation interpolation) {
  VOX_ASSERT(interpolation == Interpolation::Nearest || volume.dtype() == DType::Float32);
  return warp_volume({.volume = &volume, .interpolation = interpolation, .boundary = WarpBoundary::Clamp, .fill = 0.0},
                     size, m);
}

}  // namespace

std::array<double, 3> spacing_of(const Affine& affine) {
  std::array<double, 3> s{};
  for (std::size_t b = 0; b < 3; ++b)
    s[b] = std::sqrt(affine[0][b] * affine[0][b] + affine[1][b] * affine[1][b] + affine[2][b] * affine[2][b]);
  return s;
}

Interpolation interpolation_of_order(int order, std::string_view where) {
  if (order == 0) return Interpolation::Nearest;
  if (order == 1) return Interpolation::Linear;
  if (order == 2 || order == 3) {
    // NiftyNet's configs ask scipy for splines (its demos use 3); voxtrain runs them linearly.
    log_warning("{}: interp_order = {} (spline) is applied as 1 (linear): voxtrain interpolates "
                "images linearly; set interp_order = 1 to silence this",
                where, order);
    return Interpolation::Linear;
  }
  throw error("{}: interp_order = {} is not an interpolation order: use 0 (nearest neighbour, for "
              "labels) or 1 (linear, for images)", where, order);
}

void check_pixdim(const std::array<double, 3>& pixdim, std::string_view where) {
  for (double p : pixdim)
    if (!std::isfinite(p) || p <= 0.0)
      throw error("{}: pixdim = ({}) is not a voxel spacing: give three sizes in mm, each > 0, "
                  "e.g. (1.0, 1.0, 1.0)", where, fmt::join(pixdim, ", "));
}

std::array<std::int64_t, 3> resampled_size(const std::array<std::int64_t, 3>& size_ijk,
                                           const std::array<double, 3>& old_spacing,
                                           const std::array<double, 3>& new_spacing) {
  std::array<std::int64_t, 3> out{};
  for (std::size_t a = 0; a < 3; ++a) {
    // scipy.ndimage.zoom: int(round(n * zoom)) with zoom = old / new; nearbyint rounds half to even.
    const double zoom = old_spacing[a] / new_spacing[a];
    out[a] = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::nearbyint(static_cast<double>(size_ijk[a]) * zoom)));
  }
  return out;
}

Affine resampled_affine(const Affine& affine, const std::array<std::int64_t, 3>& old_size,
                        const std::array<std::int64_t, 3>& new_size,
                        const std::array<double, 3>& new_spacing) {
  const auto old_spacing = spacing_of(affine);
  Affine out = affine;
  for (int row = 0; row < 3; ++row) {
    double centre = affine[row][3];  // world position of the old centre voxel, minus the new offset
    for (std::size_t b = 0; b < 3; ++b) {
      out[row][b] = affine[row][b] * (new_spacing[b] / old_spacing[b]);
      centre += affine[row][b] * 0.5 * static_cast<double>(old_size[b] - 1) -
                out[row][b] * 0.5 * static_cast<double>(new_size[b] - 1);
    }
    out[row][3] = centre;
  }
  return out;
}

Tensor resample_to_grid(const Tensor& volume, const Affine& affine,
                        const std::array<std::int64_t, 3>& grid_size, const Affine& grid_affine,
                        Interpolation interpolation) {
  return sample(volume, grid_size, product(invert(affine), grid_affine), interpolation);
}

void resample_to_spacing(Subject& subject, const std::array<double, 3>& pixdim, int image_order,
                         int label_order) {
  const std::string where = fmt::format("subject '{}'", subject.id);
  check_pixdim(pixdim, where);
  const Interpolation image_interp = interpolation_of_order(image_order, where + " image");
  if (label_order != 0)
    throw error("{} label: interp_order = {} is not allowed for labels: labels are resampled with "
                "0 (nearest neighbour) so that they keep their values", where, label_order);
  const auto old_spacing = spacing_of(subject.affine);
  if (same_spacing(old_spacing, pixdim)) return;
  const auto old_size = subject.size_ijk();
  const auto new_size = resampled_size(old_size, old_spacing, pixdim);

  // New voxel q sits at old voxel c_old + r (q - c_new), r = new / old spacing, c = (n - 1) / 2:
  // written directly (not through the affines' inverse) so integer ratios map exactly.
  WarpMatrix m{};
  for (std::size_t a = 0; a < 3; ++a) {
    const double r = pixdim[a] / old_spacing[a];
    m[a][a] = r;
    m[a][3] = 0.5 * static_cast<double>(old_size[a] - 1) - r * 0.5 * static_cast<double>(new_size[a] - 1);
  }
  if (subject.image.defined()) subject.image = sample(subject.image, new_size, m, image_interp);
  if (subject.label.defined()) subject.label = sample(subject.label, new_size, m, Interpolation::Nearest);
  if (subject.weight.defined()) subject.weight = sample(subject.weight, new_size, m, Interpolation::Linear);
  if (subject.sampling_map.defined())
    subject.sampling_map = sample(subject.sampling_map, new_size, m, Interpolation::Linear);
  subject.affine = resampled_affine(subject.affine, old_size, new_size, pixdim);
  subject.spacing = pixdim;
}

}  // namespace voxtrain
