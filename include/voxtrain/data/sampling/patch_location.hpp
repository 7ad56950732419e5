// patch_location.hpp — where a patch (window) lies in a subject's volume, NiftyNet's 7-vector
// [subject, x0, y0, z0, x1, y1, z1] (end exclusive, x = i), and cropping it out of a volume.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

// start/end index the voxel grid in NIfTI order: [0] = i (the tensor's W axis), [1] = j (H),
// [2] = k (D). end is exclusive; a location may reach outside the volume (padding cases).
struct PatchLocation {
  std::int64_t subject = 0;             // index of the subject in its data set
  std::array<std::int64_t, 3> start{};  // x0, y0, z0
  std::array<std::int64_t, 3> end{};    // x1, y1, z1

  std::array<std::int64_t, 3> size() const {
    return {end[0] - start[0], end[1] - start[1], end[2] - start[2]};
  }
  std::string to_string() const;        // "[3, 0, 0, 0, 64, 64, 64]"
  friend bool operator==(const PatchLocation&, const PatchLocation&) = default;
};

// Copies the patch at `at` out of volume [C, D, H, W] (any dtype) into a new [C, d, h, w]
// tensor; voxels outside the volume are set to `outside`.
Tensor crop_patch(const Tensor& volume, const PatchLocation& at, double outside = 0.0);

}  // namespace voxtrain
