// build_info.hpp — what this build of voxtrain is: version, commit, build type, and the
// versions of the libraries compiled in (oneDNN, HDF5, MPI, nifticlib, CUDA, cuDNN, NCCL).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace voxtrain {

struct BuildInfo {
  std::string version;
  std::string git_commit;
  std::string build_type;
  // (component, version or "not built"), in a fixed order.
  std::vector<std::pair<std::string, std::string>> components;
};

BuildInfo build_info();
// The text of `--version`: a first line "<program> <version> (commit ..., <type> build)" and
// one indented line per component.
std::string version_text(const std::string& program);

}  // namespace voxtrain
