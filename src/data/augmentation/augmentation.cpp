// augmentation.cpp — settings checks and text, per-key draws, the patch mapping (flip, rotation,
// scaling in mm about the patch centre, B-spline deformation), warping through it and the bias field.
#include "voxtrain/data/augmentation/augmentation.hpp"

#include <cmath>

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/matrix3.hpp"
#include "voxtrain/core/random.hpp"

namespace voxtrain {
namespace {

constexpr int kMaxBiasOrder = 6;

std::string range_text(const std::optional<Range>& r) {
  return r ? fmt::format("({}, {})", r->low, r->high) : std::string();
}

void check_range(const std::optional<Range>& r, std::string_view key, std::string_view where) {
  if (!r) return;
  if (!std::isfinite(r->low) || !std::isfinite(r->high) || r->low > r->high)
    throw error("{}: {} = {} is not a range: give (low, high) with low <= high, e.g. (-10, 10)", where,
                key, range_text(r));
}

bool flipping_off(const std::vector<int>& axes) {
  return axes.empty() || (axes.size() == 1 && axes[0] == -1);
}

double draw_in(const Range& r, double u) { return r.low + (r.high - r.low) * u; }

// The four uniform cubic B-spline weights of a point at fraction f of its cell.
std::array<double, 4> bspline_weights(double f) {
  const double f2 = f * f, f3 = f2 * f, g = 1.0 - f;
  return {g * g * g / 6.0, (3 * f3 - 6 * f2 + 4) / 6.0, (-3 * f3 + 3 * f2 + 3 * f + 1) / 6.0, f3 / 6.0};
}

// Per output coordinate along one axis of n voxels: the first control point and its 4 weights.
struct AxisWeights {
  std::vector<int> first;
  std::vector<std::array<double, 4>> w;
};

AxisWeights axis_weights(std::int64_t n, int intervals) {
  AxisWeights out;
  const double per_voxel = static_cast<double>(intervals) / static_cast<double>(n);
  for (std::int64_t p = 0; p < n; ++p) {
    const double t = (static_cast<double>(p) + 0.5) * per_voxel;  // control spacing h = n / intervals
    const int cell = std::min(static_cast<int>(std::floor(t)), intervals - 1);
    out.first.push_back(cell);
    out.w.push_back(bspline_weights(t - cell));
  }
  return out;
}

// Multiplies every image channel by the bias field at the source voxel of each output voxel.
void apply_bias(Tensor& image, const AugmentationDraw& draw, const std::array<std::int64_t, 3>& volume_size,
                const WarpMatrix& m, const Tensor* displacement) {
  const std::int64_t nz = image.shape()[1], ny = image.shape()[2], nx = image.shape()[3];
  const std::int64_t plane = nx * ny * nz, channels = image.shape()[0];
  float* data = image.data<float>();
  const float* u = displacement != nullptr ? displacement->data<float>() : nullptr;
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t k = 0; k < nz; ++k)
    for (std::int64_t j = 0; j < ny; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        const std::int64_t e = (k * ny + j) * nx + i;
        double p[3] = {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)};
        if (u != nullptr)
          for (int a = 0; a < 3; ++a) p[a] += static_cast<double>(u[a * plane + e]);
        const double field = bias_field_at(draw, warp_point(m, p[0], p[1], p[2]), volume_size);
        for (std::int64_t c = 0; c < channels; ++c)
          data[c * plane + e] = static_cast<float>(static_cast<double>(data[c * plane + e]) * field);
      }
}

}  // namespace

bool AugmentationSettings::any() const {
  return rotation_angle || rotation_angle_x || rotation_angle_y || rotation_angle_z || scaling_percentage ||
         !flipping_off(random_flipping_axes) || (do_elastic_deformation && proportion_to_deform > 0) ||
         bias_field_range;
}

void check_augmentation_settings(const AugmentationSettings& s, std::string_view where) {
  check_range(s.rotation_angle, "rotation_angle", where);
  check_range(s.rotation_angle_x, "rotation_angle_x", where);
  check_range(s.rotation_angle_y, "rotation_angle_y", where);
  check_range(s.rotation_angle_z, "rotation_angle_z", where);
  check_range(s.scaling_percentage, "scaling_percentage", where);
  check_range(s.bias_field_range, "bias_field_range", where);
  if (s.rotation_angle && (s.rotation_angle_x || s.rotation_angle_y || s.rotation_angle_z))
    throw error("{}: rotation_angle = {} is given together with rotation_angle_x/_y/_z: give either one "
                "range for all axes or one per axis", where, range_text(s.rotation_angle));
  if (s.scaling_percentage && s.scaling_percentage->low <= -100.0)
    throw error("{}: scaling_percentage = {} reaches -100% (a zoom of 0): give percentages > -100, e.g. "
                "(-10, 10)", where, range_text(s.scaling_percentage));
  if (!flipping_off(s.random_flipping_axes))
    for (int axis : s.random_flipping_axes)
      if (axis < 0 || axis > 2)
        throw error("{}: random_flipping_axes = ({}) names axis {}: use axes 0 (i), 1 (j), 2 (k), or -1 "
                    "alone for no flipping", where, fmt::join(s.random_flipping_axes, ", "), axis);
  if (s.num_ctrl_points < 1)
    throw error("{}: num_ctrl_points = {} must be >= 1 (B-spline mesh intervals per patch axis; the "
                "default is 4)", where, s.num_ctrl_points);
  if (!std::isfinite(s.deformation_sigma) || s.deformation_sigma < 0)
    throw error("{}: deformation_sigma = {} must be >= 0 (the s.d. of control-point displacements in "
                "voxels; the default is 15)", where, s.deformation_sigma);
  if (!(s.proportion_to_deform >= 0 && s.proportion_to_deform <= 1))
    throw error("{}: proportion_to_deform = {} must lie in [0, 1] (the fraction of patches deformed)",
                where, s.proportion_to_deform);
  if (s.bf_order < 0 || s.bf_order > kMaxBiasOrder)
    throw error("{}: bf_order = {} must lie in 0..{} (the polynomial order of the bias field; the "
                "default is 3)", where, s.bf_order, kMaxBiasOrder);
}

std::map<std::string, std::string> augmentation_settings_text(const AugmentationSettings& s) {
  const auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  return {
      {"rotation_angle", range_text(s.rotation_angle)},
      {"rotation_angle_x", range_text(s.rotation_angle_x)},
      {"rotation_angle_y", range_text(s.rotation_angle_y)},
      {"rotation_angle_z", range_text(s.rotation_angle_z)},
      {"scaling_percentage", range_text(s.scaling_percentage)},
      {"isotropic_scaling", flag(s.isotropic_scaling)},
      {"random_flipping_axes",
       flipping_off(s.random_flipping_axes) ? std::string("-1")
                                            : fmt::format("({})", fmt::join(s.random_flipping_axes, ", "))},
      {"do_elastic_deformation", flag(s.do_elastic_deformation)},
      {"num_ctrl_points", fmt::format("{}", s.num_ctrl_points)},
      {"deformation_sigma", fmt::format("{}", s.deformation_sigma)},
      {"proportion_to_deform", fmt::format("{}", s.proportion_to_deform)},
      {"bias_field_range", range_text(s.bias_field_range)},
      {"bf_order", fmt::format("{}", s.bf_order)},
  };
}

bool AugmentationDraw::is_spatial_identity() const {
  return flip == std::array<bool, 3>{false, false, false} && rotation_deg == std::array<double, 3>{0, 0, 0} &&
         zoom == std::array<double, 3>{1, 1, 1} && ctrl_intervals == 0;
}

AugmentationDraw draw_augmentation(const AugmentationSettings& s, std::uint64_t key) {
  check_augmentation_settings(s, "augmentation settings");
  AugmentationDraw d;
  if (!flipping_off(s.random_flipping_axes)) {
    const std::uint64_t k = random_key({key, hash_name("augmentation flip")});
    for (int axis : s.random_flipping_axes)
      d.flip[static_cast<std::size_t>(axis)] = uniform01(k, static_cast<std::uint64_t>(axis)) < 0.5;
  }
  const std::optional<Range> per_axis[3] = {s.rotation_angle_x, s.rotation_angle_y, s.rotation_angle_z};
  const std::uint64_t k_rot = random_key({key, hash_name("augmentation rotation")});
  for (std::size_t a = 0; a < 3; ++a) {
    const std::optional<Range>& r = s.rotation_angle ? s.rotation_angle : per_axis[a];
    if (r) d.rotation_deg[a] = draw_in(*r, uniform01(k_rot, a));
  }
  if (s.scaling_percentage) {
    const std::uint64_t k = random_key({key, hash_name("augmentation scaling")});
    for (std::size_t a = 0; a < 3; ++a) {
      const double percent = draw_in(*s.scaling_percentage, uniform01(k, s.isotropic_scaling ? 0 : a));
      d.zoom[a] = (100.0 + percent) / 100.0;
    }
  }
  if (s.do_elastic_deformation && s.deformation_sigma > 0 &&
      uniform01(random_key({key, hash_name("augmentation elastic")}), 0) < s.proportion_to_deform) {
    const std::uint64_t k = random_key({key, hash_name("augmentation elastic displacement")});
    const auto side = static_cast<std::size_t>(s.num_ctrl_points + 3);
    d.ctrl_intervals = s.num_ctrl_points;
    d.ctrl_displacement.resize(3 * side * side * side);
    for (std::size_t n = 0; n < d.ctrl_displacement.size(); ++n)
      d.ctrl_displacement[n] = s.deformation_sigma * standard_normal(k, n);
  }
  if (s.bias_field_range) {
    const std::uint64_t k = random_key({key, hash_name("augmentation bias field")});
    d.bias_order = s.bf_order;
    std::uint64_t n = 0;
    for (int a = 0; a <= s.bf_order; ++a)
      for (int b = 0; b <= s.bf_order - a; ++b)
        for (int c = 0; c <= s.bf_order - a - b; ++c)
          d.bias_coefficients.push_back(draw_in(*s.bias_field_range, uniform01(k, n++)));
  }
  return d;
}

WarpMatrix augmentation_matrix(const AugmentationDraw& draw, const PatchLocation& at,
                               const std::array<double, 3>& spacing) {
  const Mat3 r = rotation_degrees(draw.rotation_deg);
  const auto size = at.size();
  WarpMatrix m{};
  for (std::size_t a = 0; a < 3; ++a)
    for (std::size_t b = 0; b < 3; ++b)
      m[a][b] = ((draw.flip[a] ? -1.0 : 1.0) / draw.zoom[a]) * r[b][a] * (spacing[b] / spacing[a]);
  for (std::size_t a = 0; a < 3; ++a) {
    double t = static_cast<double>(at.start[a]) + 0.5 * static_cast<double>(size[a] - 1);  // c_src
    for (std::size_t b = 0; b < 3; ++b) t -= m[a][b] * (0.5 * static_cast<double>(size[b] - 1));
    m[a][3] = t;
  }
  return m;
}

Tensor elastic_displacement(const AugmentationDraw& draw, const std::array<std::int64_t, 3>& patch_size) {
  if (draw.ctrl_intervals <= 0) return {};
  const int m = draw.ctrl_intervals;
  const std::int64_t side = m + 3, nx = patch_size[0], ny = patch_size[1], nz = patch_size[2];
  VOX_ASSERT(static_cast<std::int64_t>(draw.ctrl_displacement.size()) == 3 * side * side * side);
  const AxisWeights wx = axis_weights(nx, m), wy = axis_weights(ny, m), wz = axis_weights(nz, m);
  // Separable: contract the control grid [3][lz][ly][lx] along x, then y, then z.
  std::vector<double> along_x(static_cast<std::size_t>(3 * side * side * nx), 0.0);
  for (std::int64_t q = 0; q < 3 * side * side; ++q)
    for (std::int64_t i = 0; i < nx; ++i) {
      double s = 0.0;
      for (int l = 0; l < 4; ++l)
        s += wx.w[static_cast<std::size_t>(i)][static_cast<std::size_t>(l)] *
             draw.ctrl_displacement[static_cast<std::size_t>(q * side + wx.first[static_cast<std::size_t>(i)] + l)];
      along_x[static_cast<std::size_t>(q * nx + i)] = s;
    }
  std::vector<double> along_y(static_cast<std::size_t>(3 * side * ny * nx), 0.0);
  for (std::int64_t q = 0; q < 3 * side; ++q)
    for (std::int64_t j = 0; j < ny; ++j)
      for (int l = 0; l < 4; ++l) {
        const double w = wy.w[static_cast<std::size_t>(j)][static_cast<std::size_t>(l)];
        const double* src = &along_x[static_cast<std::size_t>((q * side + wy.first[static_cast<std::size_t>(j)] + l) * nx)];
        double* dst = &along_y[static_cast<std::size_t>((q * ny + j) * nx)];
        for (std::int64_t i = 0; i < nx; ++i) dst[i] += w * src[i];
      }
  Tensor u = Tensor::empty({3, nz, ny, nx});
  float* out = u.data<float>();
  const std::int64_t plane = nx * ny;
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t k = 0; k < nz; ++k) {
      const auto& w = wz.w[static_cast<std::size_t>(k)];
      const std::int64_t first = wz.first[static_cast<std::size_t>(k)];
      for (std::int64_t e = 0; e < plane; ++e) {
        double s = 0.0;
        for (int l = 0; l < 4; ++l)
          s += w[static_cast<std::size_t>(l)] * along_y[static_cast<std::size_t>((c * side + first + l) * plane + e)];
        out[(c * nz + k) * plane + e] = static_cast<float>(s);
      }
    }
  return u;
}

double bias_field_at(const AugmentationDraw& draw, const std::array<double, 3>& source_voxel,
                     const std::array<std::int64_t, 3>& volume_size) {
  if (draw.bias_order < 0) return 1.0;
  const auto order = static_cast<std::size_t>(draw.bias_order);
  std::array<std::array<double, kMaxBiasOrder + 1>, 3> power{};
  for (std::size_t a = 0; a < 3; ++a) {
    const double half = 0.5 * static_cast<double>(volume_size[a] - 1);
    const double x = half > 0 ? (source_voxel[a] - half) / half : 0.0;
    power[a][0] = 1.0;
    for (std::size_t e = 1; e <= order; ++e) power[a][e] = power[a][e - 1] * x;
  }
  double log_field = 0.0;
  std::size_t n = 0;
  for (std::size_t a = 0; a <= order; ++a)
    for (std::size_t b = 0; b <= order - a; ++b)
      for (std::size_t c = 0; c <= order - a - b; ++c)
        log_field += draw.bias_coefficients[n++] * power[0][a] * power[1][b] * power[2][c];
  return std::exp(log_field);
}

AugmentedPatch augment_patch(const Subject& subject, const PatchLocation& at, const AugmentationDraw& draw) {
  const auto size = at.size();
  VOX_ASSERT(size[0] >= 0 && size[1] >= 0 && size[2] >= 0);
  AugmentedPatch out;
  WarpMatrix m = identity_warp();
  Tensor displacement;
  if (draw.is_spatial_identity()) {
    if (subject.image.defined()) out.image = crop_patch(subject.image, at, 0.0);
    if (subject.label.defined()) out.label = crop_patch(subject.label, at, 0.0);
    if (subject.weight.defined()) out.weight = crop_patch(subject.weight, at, 0.0);
    for (std::size_t a = 0; a < 3; ++a) m[a][3] = static_cast<double>(at.start[a]);
  } else {
    m = augmentation_matrix(draw, at, subject.spacing);
    displacement = elastic_displacement(draw, size);
    std::vector<WarpInput> inputs;
    std::vector<Tensor*> targets;
    const auto add = [&](const Tensor& volume, Interpolation interpolation, Tensor& target) {
      if (!volume.defined()) return;
      inputs.push_back({.volume = &volume, .interpolation = interpolation, .boundary = WarpBoundary::Fill, .fill = 0.0});
      targets.push_back(&target);
    };
    add(subject.image, Interpolation::Linear, out.image);
    add(subject.label, Interpolation::Nearest, out.label);
    add(subject.weight, Interpolation::Linear, out.weight);
    std::vector<Tensor> warped = warp_volumes(inputs, size, m, displacement.defined() ? &displacement : nullptr);
    for (std::size_t n = 0; n < warped.size(); ++n) *targets[n] = std::move(warped[n]);
  }
  if (draw.bias_order >= 0 && out.image.defined())
    apply_bias(out.image, draw, subject.size_ijk(), m, displacement.defined() ? &displacement : nullptr);
  return out;
}

AugmentedPatch augment_patch(const Subject& subject, const PatchLocation& at,
                             const AugmentationSettings& settings, std::uint64_t key) {
  return augment_patch(subject, at, draw_augmentation(settings, key));
}

}  // namespace voxtrain
