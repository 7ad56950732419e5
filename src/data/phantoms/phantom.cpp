// phantom.cpp — the phantom generator (geometry, contrasts, bias field, noise; one OpenMP loop over
// slices, every voxel computed from counter-based draws) and the data set of NIfTI files.
#include "voxtrain/data/phantoms/phantom.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/matrix3.hpp"
#include "voxtrain/core/random.hpp"

namespace voxtrain {
namespace {

constexpr std::int64_t kMinSize = 16;
constexpr std::int64_t kMaxSize = 512;
constexpr double kMaxRotationDegrees = 15.0;

// The most classes a size allows: each tissue shell stays about a voxel thick.
int max_classes(std::int64_t size) { return static_cast<int>(2 + size / 8); }

using Vec3 = std::array<double, 3>;
// Everything random about one subject, drawn up front from keys of (seed, subject, purpose).
struct Geometry {
  Vec3 spacing{};         // mm along i, j, k
  Vec3 centre{};          // head centre, mm from voxel (0, 0, 0)
  Mat3 rot{};             // head frame to voxel-axis frame
  Vec3 radii{};           // head semi-axes, mm, in the head frame
  std::vector<double> shell_scale;  // shell r (1..S) is inside scale[r-1] * radii
  Vec3 lesion_centre{};   // in the head frame, mm from the head centre
  Vec3 lesion_radii{};    // mm, axis-aligned in the head frame
  std::array<double, 9> bias{};  // log bias: x, y, z, xy, yz, xz, x^2, y^2, z^2
};

Geometry draw_geometry(const PhantomSpec& spec, int subject) {
  const std::uint64_t key = random_key({spec.seed, static_cast<std::uint64_t>(subject), hash_name("phantom geometry")});
  std::uint64_t index = 0;
  const auto u = [&] { return uniform01(key, index++); };
  const auto n = [&] { return standard_normal(key, index++); };
  const double size = static_cast<double>(spec.size);
  const int shells = std::max(1, spec.classes - 2);

  Geometry g;
  for (double& s : g.spacing) s = 0.8 + 0.7 * u();
  const double smin = std::min({g.spacing[0], g.spacing[1], g.spacing[2]});
  // Head semi-axes at most 0.42 * size * smin and centre within 0.03 * size * smin of the
  // volume's centre: the head stays inside the field of view whatever the rotation.
  const Vec3 shape{0.82, 1.0, 0.9};  // narrower left-right than front-back, like a head
  for (int a = 0; a < 3; ++a) g.radii[a] = 0.42 * size * smin * shape[a] * (0.94 + 0.06 * u());
  for (int a = 0; a < 3; ++a)
    g.centre[a] = 0.5 * (size - 1) * g.spacing[a] + (2 * u() - 1) * 0.03 * size * smin;
  Vec3 degrees{};
  for (double& t : degrees) t = (2 * u() - 1) * kMaxRotationDegrees;
  g.rot = rotation_degrees(degrees);
  // Shell r spans scales (scale[r], scale[r-1]]: evenly spaced from 1 down to 0.4, jittered by at
  // most a fifth of the gap so that the shells stay nested.
  const double gap = 0.6 / shells;
  g.shell_scale.resize(static_cast<std::size_t>(shells));
  for (int r = 0; r < shells; ++r)
    g.shell_scale[static_cast<std::size_t>(r)] = r == 0 ? 1.0 : 1.0 - gap * r + (2 * u() - 1) * 0.2 * gap;
  // Lesion: a random direction, 0.2 to 0.55 of the way to the head's surface; semi-axes 5-9% of
  // the size, never below half a voxel diagonal so that at least one voxel centre is inside.
  Vec3 dir{n(), n(), n()};
  const double norm = std::max(1e-12, std::sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]));
  const double rho = 0.2 + 0.35 * u();
  const double half_diagonal =
      0.5 * std::sqrt(g.spacing[0] * g.spacing[0] + g.spacing[1] * g.spacing[1] + g.spacing[2] * g.spacing[2]);
  for (int a = 0; a < 3; ++a) {
    g.lesion_centre[a] = rho * dir[a] / norm * g.radii[a];
    g.lesion_radii[a] = std::max((0.05 + 0.04 * u()) * size * smin, half_diagonal + 0.05);
  }
  // Bias: exp of a quadratic in coordinates scaled to [-1, 1]; about +-20% over the volume.
  for (int t = 0; t < 9; ++t) g.bias[static_cast<std::size_t>(t)] = (t < 3 ? 0.08 : 0.04) * n();
  return g;
}

// Mean intensity of region r (0 background, 1..S tissue shells, S+1 lesion) in modality m: the
// tissue levels are a permutation of evenly spaced values per modality (ascending to the centre in
// T1, descending in T2, shifted for the others), so the classes are separable in every contrast;
// the lesion is dark in T1 (and M5, M9, ...), bright in the others.
std::vector<std::vector<double>> draw_levels(const PhantomSpec& spec, int subject, int shells) {
  const std::uint64_t key = random_key({spec.seed, static_cast<std::uint64_t>(subject), hash_name("phantom levels")});
  std::uint64_t index = 0;
  const double gap = 600.0 / std::max(1, shells - 1);
  std::vector<std::vector<double>> levels(static_cast<std::size_t>(spec.modalities));
  for (int m = 0; m < spec.modalities; ++m) {
    auto& l = levels[static_cast<std::size_t>(m)];
    l.assign(static_cast<std::size_t>(shells + 2), 0.0);
    for (int r = 1; r <= shells; ++r) {
      const int base = m % 2 == 0 ? r - 1 : shells - r;
      const int rank = (base + m / 2) % shells;
      l[static_cast<std::size_t>(r)] = 300.0 + gap * rank + (2 * uniform01(key, index++) - 1) * 0.15 * gap;
    }
    l[static_cast<std::size_t>(shells + 1)] = (m % 4 == 0 ? 150.0 : 1150.0) + (2 * uniform01(key, index++) - 1) * 30.0;
  }
  return levels;
}

}  // namespace

void check_phantom_spec(const PhantomSpec& spec) {
  if (spec.size < kMinSize)
    throw error("phantoms: --size {} is too small: give {} or more voxels per axis", spec.size, kMinSize);
  if (spec.size > kMaxSize)
    throw error("phantoms: --size {} is too large: give at most {} voxels per axis", spec.size, kMaxSize);
  if (spec.classes < 2)
    throw error("phantoms: --classes {} is too few: give 2 or more (background and at least one foreground class)",
                spec.classes);
  if (spec.classes > max_classes(spec.size))
    throw error("phantoms: --classes {} is too many for --size {}: give at most {} (each tissue shell must stay "
                "about a voxel thick) or a larger --size",
                spec.classes, spec.size, max_classes(spec.size));
  if (spec.modalities < 1)
    throw error("phantoms: --modalities {} is too few: give 1 or more", spec.modalities);
  if (spec.modalities > 64)
    throw error("phantoms: --modalities {} is too many: give at most 64", spec.modalities);
}

std::string phantom_modality_name(int m) {
  static const std::array<const char*, 4> names{"T1", "T2", "FLAIR", "PD"};
  if (m >= 0 && m < 4) return names[static_cast<std::size_t>(m)];
  return fmt::format("M{}", m + 1);
}

std::string phantom_subject_id(int subject) { return fmt::format("sub-{:03d}", subject); }

Phantom make_phantom(const PhantomSpec& spec, int subject) {
  check_phantom_spec(spec);
  const int shells = std::max(1, spec.classes - 2);
  const int lesion_region = shells + 1;
  const Geometry g = draw_geometry(spec, subject);
  const auto levels = draw_levels(spec, subject, shells);
  std::vector<double> noise_sigma(static_cast<std::size_t>(spec.modalities));
  std::vector<std::uint64_t> noise_key(static_cast<std::size_t>(spec.modalities));
  const std::uint64_t sigma_key = random_key({spec.seed, static_cast<std::uint64_t>(subject), hash_name("phantom noise level")});
  for (int m = 0; m < spec.modalities; ++m) {
    noise_sigma[static_cast<std::size_t>(m)] = 20.0 + 15.0 * uniform01(sigma_key, static_cast<std::uint64_t>(m));
    noise_key[static_cast<std::size_t>(m)] = random_key(
        {spec.seed, static_cast<std::uint64_t>(subject), hash_name("phantom noise"), static_cast<std::uint64_t>(m)});
  }

  const std::int64_t n = spec.size;
  const std::int64_t voxels = n * n * n;
  Phantom p;
  p.image = Tensor::empty({spec.modalities, n, n, n}, DType::Float32);
  p.label = Tensor::empty({1, n, n, n}, DType::Int32);
  float* image = p.image.data<float>();
  std::int32_t* label = p.label.data<std::int32_t>();
  const double half = 0.5 * static_cast<double>(n - 1);
  const double inv_half = 2.0 / static_cast<double>(n);

  // One slice (k) per iteration; each voxel depends only on its own index.
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < n; ++k) {
    for (std::int64_t j = 0; j < n; ++j) {
      for (std::int64_t i = 0; i < n; ++i) {
        const Vec3 d{static_cast<double>(i) * g.spacing[0] - g.centre[0],
                     static_cast<double>(j) * g.spacing[1] - g.centre[1],
                     static_cast<double>(k) * g.spacing[2] - g.centre[2]};
        Vec3 q{};  // head frame: rot^T * d
        for (int a = 0; a < 3; ++a) q[a] = g.rot[0][a] * d[0] + g.rot[1][a] * d[1] + g.rot[2][a] * d[2];
        double e = 0, l = 0;
        for (int a = 0; a < 3; ++a) {
          e += (q[a] / g.radii[a]) * (q[a] / g.radii[a]);
          const double t = (q[a] - g.lesion_centre[a]) / g.lesion_radii[a];
          l += t * t;
        }
        int region = 0;
        if (e <= 1.0) {
          region = 1;
          for (int r = shells; r >= 2; --r)
            if (e <= g.shell_scale[static_cast<std::size_t>(r - 1)] * g.shell_scale[static_cast<std::size_t>(r - 1)]) {
              region = r;
              break;
            }
          if (l <= 1.0) region = lesion_region;
        }
        const std::int64_t v = (k * n + j) * n + i;
        label[v] = spec.classes >= 3 ? region : (region == lesion_region ? 1 : 0);

        const double x = (static_cast<double>(i) - half) * inv_half;
        const double y = (static_cast<double>(j) - half) * inv_half;
        const double z = (static_cast<double>(k) - half) * inv_half;
        const auto& b = g.bias;
        const double bias = std::exp(b[0] * x + b[1] * y + b[2] * z + b[3] * x * y + b[4] * y * z + b[5] * x * z +
                                     b[6] * x * x + b[7] * y * y + b[8] * z * z);
        for (int m = 0; m < spec.modalities; ++m) {
          const auto ms = static_cast<std::size_t>(m);
          const double value = bias * levels[ms][static_cast<std::size_t>(region)] +
                               noise_sigma[ms] * standard_normal(noise_key[ms], static_cast<std::uint64_t>(v));
          image[static_cast<std::int64_t>(m) * voxels + v] = static_cast<float>(value);
        }
      }
    }
  }

  p.affine = Affine{};
  for (int a = 0; a < 3; ++a) {
    p.affine[a][a] = g.spacing[a];
    p.affine[a][3] = -half * g.spacing[a];  // the volume's centre at the origin
  }
  p.affine[3][3] = 1.0;
  return p;
}

// ---- the data set ---------------------------------------------------------------------------

void write_phantom_data_set(const PhantomDataSetOptions& options, const PhantomProgress& progress) {
  check_phantom_spec(options.spec);
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(options.out, ec);
  if (ec || !fs::is_directory(options.out))
    throw error("phantoms: cannot create the --out directory '{}': {}", options.out,
                ec ? ec.message() : std::string("a file of that name exists"));
  for (int s = 1; s <= options.subjects; ++s) {
    const std::string id = phantom_subject_id(s);
    const Phantom p = make_phantom(options.spec, s);
    const std::int64_t n = options.spec.size;
    NiftiImage geometry;
    geometry.affine = p.affine;
    geometry.qform_code = 1;  // scanner
    geometry.sform_code = 1;
    for (int m = 0; m < options.spec.modalities; ++m) {
      NiftiImage image = geometry;
      // A view of modality m: [1, D, H, W] inside the [M, D, H, W] tensor.
      image.data = Tensor::borrow(p.image.data<float>() + static_cast<std::int64_t>(m) * n * n * n, {1, n, n, n},
                                  DType::Float32);
      image.stored_as = NiftiDatatype::Float32;
      write_nifti((fs::path(options.out) / fmt::format("{}_{}.nii.gz", id, phantom_modality_name(m))).string(), image);
    }
    geometry.data = p.label;
    geometry.stored_as = NiftiDatatype::UInt8;
    write_nifti_like((fs::path(options.out) / fmt::format("{}_Label.nii.gz", id)).string(), p.label, geometry);
    if (progress) progress(s, options.subjects, id);
  }
}

}  // namespace voxtrain
