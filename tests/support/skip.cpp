// skip.cpp — the skip marker and the PATH look-up for tests that need an external tool.
#include "support/skip.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace voxtrain::testing {

void skip_test(const std::string& reason) {
  std::cout << kSkipMarker << ": " << reason << std::endl;
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr || name.empty()) return "";
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;  // an empty entry means the working directory: not a tool's home
    const std::filesystem::path candidate = std::filesystem::path(dir) / name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return "";
}

}  // namespace voxtrain::testing
