// augmentation.hpp — NiftyNet's training augmentations (flip, rotation, scaling, elastic deformation,
// bias field) drawn per patch from a key and applied while sampling the patch, image and label through one mapping.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/data/sampling/patch_location.hpp"
#include "voxtrain/data/subject.hpp"
#include "voxtrain/data/preprocessing/volume_warp.hpp"

namespace voxtrain {

// A closed interval [low, high] a parameter is drawn from uniformly.
struct Range {
  double low = 0.0;
  double high = 0.0;
  friend bool operator==(const Range&, const Range&) = default;
};

// The [TRAINING] augmentation keys, NiftyNet's names and defaults (everything off).
struct AugmentationSettings {
  std::optional<Range> rotation_angle;    // degrees, drawn for each of x, y, z
  std::optional<Range> rotation_angle_x;  // degrees about the i axis (when rotation_angle is unset)
  std::optional<Range> rotation_angle_y;  // about j
  std::optional<Range> rotation_angle_z;  // about k
  std::optional<Range> scaling_percentage;  // e.g. (-10, 10): zoom 0.9 .. 1.1
  bool isotropic_scaling = false;         // one zoom for all axes
  std::vector<int> random_flipping_axes;  // of 0 (i), 1 (j), 2 (k); empty or {-1}: off
  bool do_elastic_deformation = false;
  int num_ctrl_points = 4;                // B-spline mesh intervals per axis over the patch
  double deformation_sigma = 15.0;        // control-point displacement s.d., output voxels
  double proportion_to_deform = 0.5;      // probability a patch is deformed
  std::optional<Range> bias_field_range;  // polynomial coefficient range
  int bf_order = 3;                       // maximal total order of the bias polynomial

  bool any() const;  // some augmentation is on
};

// Throws one line naming `where` and the key for a setting that cannot be used (a range with
// low > high, a flip axis other than 0, 1, 2 or -1 alone, num_ctrl_points < 1, deformation_sigma
// < 0, proportion_to_deform outside [0, 1], bf_order outside 0..6, scaling low <= -100, or
// rotation_angle together with rotation_angle_x/_y/_z).
void check_augmentation_settings(const AugmentationSettings& settings, std::string_view where);

// key -> value text of every setting, for the log and run records ("" for an unset range).
std::map<std::string, std::string> augmentation_settings_text(const AugmentationSettings& settings);

// The random parameters of one patch's augmentation; a function of (settings, key) only.
struct AugmentationDraw {
  std::array<bool, 3> flip{false, false, false};  // reverse axis i, j, k
  std::array<double, 3> rotation_deg{0, 0, 0};    // about i, then j, then k (R = Rk Rj Ri)
  std::array<double, 3> zoom{1, 1, 1};            // content magnification per axis
  int ctrl_intervals = 0;                         // 0: no elastic deformation
  std::vector<double> ctrl_displacement;          // [3][L][L][L], L = ctrl_intervals + 3, voxels
  int bias_order = -1;                            // -1: no bias field
  std::vector<double> bias_coefficients;          // x^a y^b z^c for a, then b, then c ascending

  bool is_spatial_identity() const;  // no flip, rotation, zoom or deformation
  bool is_identity() const { return is_spatial_identity() && bias_order < 0; }
};

// Draws every enabled augmentation from its own stream of `key` (enabling one does not change
// another's draws): flips with probability 1/2 per listed axis, angles and scaling percentages
// uniform in their ranges, elastic control displacements N(0, sigma^2) when
// uniform01 < proportion_to_deform, bias coefficients uniform in bias_field_range.
AugmentationDraw draw_augmentation(const AugmentationSettings& settings, std::uint64_t key);

// The patch, augmented: [C, d, h, w] image (float32), [1, d, h, w] label (int32) and weight
// (float32), each undefined when the subject has none. Voxels mapped outside the volume are 0.
struct AugmentedPatch {
  Tensor image;
  Tensor label;
  Tensor weight;
};

// The output voxel -> source voxel mapping of a draw for the patch `at` (docs/SPATIAL.md):
// x = c_src + A (p + u(p) - c_out), A = S^-1 F Z^-1 R^T S with S the spacing.
WarpMatrix augmentation_matrix(const AugmentationDraw& draw, const PatchLocation& at,
                               const std::array<double, 3>& spacing);
// The elastic displacement u [3, d, h, w] (di, dj, dk in output voxels) of a draw on the patch
// grid: a uniform cubic B-spline through the control displacements; undefined without deformation.
Tensor elastic_displacement(const AugmentationDraw& draw, const std::array<std::int64_t, 3>& patch_size);
// exp(sum c_abc x^a y^b z^c) at source voxel x, coordinates normalised to [-1, 1] over the volume.
double bias_field_at(const AugmentationDraw& draw, const std::array<double, 3>& source_voxel,
                     const std::array<std::int64_t, 3>& volume_size);

// Samples the patch `at` of the subject through the draw: image linear, label nearest, weight
// linear, one mapping for all; the bias field multiplies the image. An identity draw crops.
AugmentedPatch augment_patch(const Subject& subject, const PatchLocation& at, const AugmentationDraw& draw);
// draw_augmentation(settings, key), then the above.
AugmentedPatch augment_patch(const Subject& subject, const PatchLocation& at,
                             const AugmentationSettings& settings, std::uint64_t key);

}  // namespace voxtrain
