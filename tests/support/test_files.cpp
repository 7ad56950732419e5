// test_files.cpp — scratch directories and error messages for file-handling tests.
#include "support/test_files.hpp"

#include <unistd.h>

#include <atomic>

#include <catch2/catch.hpp>

#include "voxtrain/core/error.hpp"

namespace voxtrain::testing {

ScratchDir::ScratchDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("voxtrain_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string error_message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const voxtrain::Error& e) {
    return e.what();
  }
  FAIL("no voxtrain::Error was thrown");
  return {};
}

}  // namespace voxtrain::testing
