// subject.hpp — one subject of a data set in memory: its id, image channels, label and optional
// weight and sampling maps on one voxel grid, and that grid's geometry (what stores and samplers share).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/io/nifti_image.hpp"

namespace voxtrain {

// Spatial arrays are [C, D, H, W] = [c, k, j, i] (NIfTI's memory order, i fastest): a tensor
// element [c, k, j, i] is voxel (i, j, k) of channel c.
struct Subject {
  std::string id;                       // e.g. "sub-001"
  Tensor image;                         // [C, D, H, W] float32, one channel per modality
  Tensor label;                         // [1, D, H, W] int32, or undefined (inference)
  Tensor weight;                        // [1, D, H, W] float32, or undefined
  Tensor sampling_map;                  // [1, D, H, W] float32, or undefined
  Affine affine{};                      // voxel (i, j, k) -> world mm, of the grid above
  std::array<double, 3> spacing{1, 1, 1};   // mm along i, j, k
  std::vector<std::string> source_files;    // the files it was read from, image channels first

  // nx, ny, nz: the spatial size in NIfTI order (i fastest).
  std::array<std::int64_t, 3> size_ijk() const;
  std::int64_t channels() const { return image.defined() ? image.shape()[0] : 0; }
};

}  // namespace voxtrain
