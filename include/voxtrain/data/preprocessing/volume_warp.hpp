// volume_warp.hpp — the resampling kernel spatial preprocessing and augmentation share: sample
// [C, D, H, W] volumes at the input voxel each output voxel maps to (3x4 matrix + displacement).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

// Output voxel p = (i, j, k) to input voxel x = matrix * (p + u(p), 1), in NIfTI order (x = i),
// where u is the optional displacement field (in output voxels, added before the matrix).
using WarpMatrix = std::array<std::array<double, 4>, 3>;

WarpMatrix identity_warp();

// The input voxel output voxel (i, j, k) (already displaced) maps to. Every caller that needs the
// coordinates the kernel samples at uses this one function.
inline std::array<double, 3> warp_point(const WarpMatrix& m, double i, double j, double k) {
  return {m[0][0] * i + m[0][1] * j + m[0][2] * k + m[0][3],
          m[1][0] * i + m[1][1] * j + m[1][2] * k + m[1][3],
          m[2][0] * i + m[2][1] * j + m[2][2] * k + m[2][3]};
}

enum class Interpolation {
  Nearest,  // the voxel whose centre is closest: floor(x + 0.5) per axis (labels)
  Linear,   // trilinear over the 8 surrounding voxels (images, probabilities, weights)
};

// What lies beyond the input volume.
enum class WarpBoundary {
  Fill,   // every voxel outside the volume has the value `fill` (linear: it enters the weights)
  Clamp,  // the coordinate is clamped to [0, n - 1] per axis: the edge voxels repeat
};

// One volume to sample: float32 volumes with either interpolation, int32 only with Nearest.
struct WarpInput {
  const Tensor* volume = nullptr;                 // [C, D, H, W]
  Interpolation interpolation = Interpolation::Linear;
  WarpBoundary boundary = WarpBoundary::Fill;
  double fill = 0.0;
};

// Samples every input on the output grid out_size_ijk (nx, ny, nz) through one mapping, computed
// once per voxel, so the outputs stay voxel-aligned. displacement is null or a float32
// [3, nz, ny, nx] field of (di, dj, dk) in output voxels. Returns [C, nz, ny, nx] per input, of
// the input's dtype. OpenMP over output rows; each voxel is computed alone, so the result does
// not depend on the thread count.
std::vector<Tensor> warp_volumes(const std::vector<WarpInput>& inputs,
                                 const std::array<std::int64_t, 3>& out_size_ijk,
                                 const WarpMatrix& matrix, const Tensor* displacement = nullptr);

// One volume: warp_volumes({input}, ...)[0].
Tensor warp_volume(const WarpInput& input, const std::array<std::int64_t, 3>& out_size_ijk,
                   const WarpMatrix& matrix, const Tensor* displacement = nullptr);

}  // namespace voxtrain
