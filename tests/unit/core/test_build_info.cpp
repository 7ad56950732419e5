// test_build_info.cpp — the version text reports the versions the headers of each library
// announce, and "not built" for the CUDA libraries exactly when the CUDA backend is off.
#include <catch2/catch.hpp>

#include <dnnl.h>
#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <map>

#include "voxtrain/config.hpp"
#include "voxtrain/core/build_info.hpp"

using Catch::Matchers::Matches;
using Catch::Matchers::StartsWith;

TEST_CASE("build_info lists the compiled-in libraries with their header versions", "[core]") {
  const voxtrain::BuildInfo info = voxtrain::build_info();
  CHECK(info.version == VOXTRAIN_VERSION);
  CHECK_THAT(info.git_commit, Matches("[0-9a-f]{12}(-dirty)?|unknown"));
  CHECK_FALSE(info.build_type.empty());

  std::map<std::string, std::string> by_name(info.components.begin(), info.components.end());
  CHECK_THAT(by_name.at("oneDNN"),
             StartsWith(fmt::format("{}.{}.{} ", DNNL_VERSION_MAJOR, DNNL_VERSION_MINOR, DNNL_VERSION_PATCH)));
  CHECK(by_name.at("HDF5") == fmt::format("{}.{}.{}", H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE));
  CHECK_THAT(by_name.at("MPI"), Matches(".+ \\(MPI standard [0-9]\\.[0-9]\\)"));
  CHECK_THAT(by_name.at("nifticlib"), Matches("[0-9]+\\.[0-9]+\\.[0-9]+"));
  for (const char* cuda_library : {"CUDA", "cuDNN", "NCCL"}) {
    if (VOXTRAIN_WITH_CUDA)
      CHECK_THAT(by_name.at(cuda_library), Matches("[0-9]+\\.[0-9]+.*"));
    else
      CHECK(by_name.at(cuda_library) == "not built");
  }
}

TEST_CASE("version_text starts with the program, version, commit and build type", "[core]") {
  const std::string text = voxtrain::version_text("voxtrain");
  const voxtrain::BuildInfo info = voxtrain::build_info();
  CHECK_THAT(text, StartsWith(fmt::format("voxtrain {} (commit {}, {} build)\n", info.version,
                                          info.git_commit, info.build_type)));
  CHECK(std::count(text.begin(), text.end(), '\n') == static_cast<long>(info.components.size()) + 1);
}
