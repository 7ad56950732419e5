// fixtures.hpp — the committed test fixtures under tests/data/: a fixture's path, and the voxels
// of a NIfTI fixture read as an image or as a label map.
#pragma once

#include <string>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain::testing {

// <source tree>/tests/data/<relative>, e.g. fixture_path("nifti/expected.txt").
std::string fixture_path(const std::string& relative);

// The voxels of the NIfTI fixture tests/data/<relative>, float32 [C, D, H, W].
Tensor read_fixture_image(const std::string& relative);

// The voxels of the NIfTI fixture tests/data/<relative> read as a label map, int32 [1, D, H, W].
Tensor read_fixture_labels(const std::string& relative);

}  // namespace voxtrain::testing
