// orientation.hpp — axis codes of a voxel grid (nibabel's aff2axcodes) and exact reorientation of a
// Subject's arrays by permuting and flipping voxel axes (nibabel's as_closest_canonical, NiftyNet's axcodes).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/data/subject.hpp"
#include "voxtrain/io/nifti_image.hpp"

namespace voxtrain {

// The world direction each voxel axis (i, j, k) increases towards: one of L/R (world x),
// P/A (world y), I/S (world z) per axis, each world axis once. {"R", "A", "S"} is RAS+.
using Axcodes = std::array<std::string, 3>;

// What nibabel.aff2axcodes(affine) returns: the closest orthogonal matrix to the affine's
// direction columns decides, axis i first. Throws Error when the affine's 3x3 part is singular.
Axcodes axcodes_of(const Affine& affine);

// Checks user-given codes (e.g. from `axcodes = (A, R, S)`, case-insensitive) and returns them
// upper-case. Throws one line naming `where`, the value and what is valid for a wrong count, an
// unknown letter or a world axis given twice.
Axcodes parse_axcodes(const std::vector<std::string>& codes, std::string_view where);

// "(R, A, S)".
std::string axcodes_text(const Axcodes& codes);

// An exact voxel-axis permutation with flips: new axis n (NIfTI order, 0 = i) is old axis
// source_axis[n], reversed when flip[n]. old_size is the grid (nx, ny, nz) it applies to.
struct Reorientation {
  std::array<int, 3> source_axis{0, 1, 2};
  std::array<bool, 3> flip{false, false, false};
  std::array<std::int64_t, 3> old_size{0, 0, 0};

  bool is_identity() const;
  std::array<std::int64_t, 3> new_size() const;
};

// The reorientation that takes a grid with this affine and size to `target` codes.
Reorientation reorientation_to(const Affine& affine, const std::array<std::int64_t, 3>& size_ijk,
                               const Axcodes& target);
// The reorientation that undoes r (brings data on r's new grid back to its old grid).
Reorientation inverse(const Reorientation& r);

// A [C, D, H, W] tensor of any dtype on r's old grid, moved to r's new grid (a copy).
Tensor reorient_volume(const Tensor& volume, const Reorientation& r);
// The affine of r's new grid: every voxel keeps its world position.
Affine reorient_affine(const Affine& affine, const Reorientation& r);

// Reorients every array of the subject (image, label, weight, sampling_map) to `target`, updates
// affine and spacing, and returns what it did (pass inverse(...) to reorient_volume to bring an
// inference output back to the original orientation).
Reorientation reorient(Subject& subject, const Axcodes& target);

}  // namespace voxtrain
