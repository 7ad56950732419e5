// surface_distance.hpp — surfaces of binary masks and the distances between them in millimetres,
// from an exact Euclidean distance transform with anisotropic spacing (Felzenszwalb-Huttenlocher).
#pragma once

#include <array>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

// Voxel size in mm along NIfTI's i, j, k (x, y, z): the Tensor axes W, H, D.
using Spacing = std::array<double, 3>;

// Squared Euclidean distance in mm^2 from every voxel to the nearest nonzero voxel of features
// (a [D, H, W] or [1, D, H, W] uint8 or int32 tensor), in the tensor's memory order; +infinity
// everywhere when features has no nonzero voxel. Exact: one pass of lower envelopes of parabolas
// per axis (Felzenszwalb and Huttenlocher 2012). Each spacing must be > 0.
std::vector<double> squared_distance_transform(const Tensor& features, const Spacing& spacing);

// The surface (border) voxels of a binary mask as a uint8 [D, H, W] tensor: voxels of the mask
// (nonzero) with at least one of their 6 face neighbours outside the mask or outside the volume,
// as NiftyNet's MorphologyOps.border_map. An empty mask has an empty surface.
Tensor surface_voxels(const Tensor& mask);

// For every surface voxel of one mask (memory order), the distance in mm to the nearest surface
// voxel of the other: seg_to_ref is empty when seg is empty; every distance is +infinity when ref
// is empty. Both masks must have the same shape.
struct SurfaceDistances {
  std::vector<double> seg_to_ref;
  std::vector<double> ref_to_seg;
};
SurfaceDistances surface_distances(const Tensor& seg_mask, const Tensor& ref_mask, const Spacing& spacing);

// NiftyNet's average_distance: the mean over the surface voxels of both masks of the distance to
// the other surface, (sum seg_to_ref + sum ref_to_seg) / (n_seg + n_ref). NaN when either mask is empty.
double average_surface_distance(const SurfaceDistances& d);
// The largest distance in either direction. NaN when either mask is empty.
double hausdorff_distance(const SurfaceDistances& d);
// NiftyNet's hausdorff95_distance for percentile 95: the larger of the two directed percentiles.
// NaN when either mask is empty.
double hausdorff_percentile_distance(const SurfaceDistances& d, double percentile);
// numpy.percentile's default ('linear'): sorted values a, h = (n - 1) p / 100,
// a[floor h] + (h - floor h) (a[floor h + 1] - a[floor h]). NaN for no values.
double percentile_linear(std::vector<double> values, double percentile);

}  // namespace voxtrain
