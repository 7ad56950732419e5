// resampling.hpp — resampling a Subject to a target voxel spacing (NiftyNet's pixdim, shape rounded
// as scipy.ndimage.zoom does, centre of the volume kept in place) and back to an original grid.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/data/subject.hpp"
#include "voxtrain/data/preprocessing/volume_warp.hpp"
#include "voxtrain/io/nifti_image.hpp"

namespace voxtrain {

// The spacing (mm) along voxel axes i, j, k: the lengths of the affine's first three columns.
std::array<double, 3> spacing_of(const Affine& affine);

// Checks an input section's interp_order: 0 (nearest) or 1 (linear) is accepted; 2 and 3 (spline
// orders NiftyNet passes to scipy) and anything else throw one line naming `where` and the value.
Interpolation interpolation_of_order(int order, std::string_view where);

// Checks a target pixdim: three finite values > 0. Throws one line naming `where`.
void check_pixdim(const std::array<double, 3>& pixdim, std::string_view where);

// The grid size after resampling: round(n * old / new) per axis (half to even, as Python's round
// in scipy.ndimage.zoom), at least 1.
std::array<std::int64_t, 3> resampled_size(const std::array<std::int64_t, 3>& size_ijk,
                                           const std::array<double, 3>& old_spacing,
                                           const std::array<double, 3>& new_spacing);

// The affine of the resampled grid: the same axis directions, columns scaled to new_spacing, and
// the volume's centre voxel position ((n - 1) / 2 per axis) at the same world point.
Affine resampled_affine(const Affine& affine, const std::array<std::int64_t, 3>& old_size,
                        const std::array<std::int64_t, 3>& new_size,
                        const std::array<double, 3>& new_spacing);

// Samples volume [C, D, H, W] (on the grid `affine`) on another grid (size, grid_affine) of the same
// world: each target voxel's world position is mapped to a source voxel through both affines.
// Linear needs float32; Nearest takes float32 or int32. Beyond the source grid the edge repeats.
Tensor resample_to_grid(const Tensor& volume, const Affine& affine,
                        const std::array<std::int64_t, 3>& grid_size, const Affine& grid_affine,
                        Interpolation interpolation);

// Resamples every array of the subject to `pixdim` (mm along i, j, k): image channels with
// image_order (0 or 1), the label with label_order (0 only: labels are never interpolated),
// weight and sampling maps linearly; affine and spacing are updated. No-op when the spacing
// already equals pixdim. Throws Error naming the subject for a bad pixdim or order.
void resample_to_spacing(Subject& subject, const std::array<double, 3>& pixdim, int image_order = 1,
                         int label_order = 0);

}  // namespace voxtrain
