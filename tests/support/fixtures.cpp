// fixtures.cpp — paths of the committed fixtures under tests/data/ and their NIfTI voxels.
#include "support/fixtures.hpp"

#include <filesystem>

#include "voxtrain/io/nifti_image.hpp"

namespace voxtrain::testing {

std::string fixture_path(const std::string& relative) {
  return (std::filesystem::path(VOXTRAIN_SOURCE_DIR) / "tests" / "data" / relative).string();
}

Tensor read_fixture_image(const std::string& relative) { return read_nifti(fixture_path(relative)).data; }

Tensor read_fixture_labels(const std::string& relative) {
  return read_nifti(fixture_path(relative), NiftiRead::Label).data;
}

}  // namespace voxtrain::testing
