// test_files.cpp — scratch directories, text files and error messages for file-handling tests.
#include "support/test_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

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

std::string ScratchDir::write(const std::string& relative, const std::string& text) const {
  const std::filesystem::path p = path_ / relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
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

std::string error_or_none(const std::function<void()>& f) {
  try {
    f();
  } catch (const voxtrain::Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string stdout_of(const std::function<void()>& f, const std::string& capture) {
  std::fflush(stdout);
  const int saved = ::dup(1);
  const int fd = ::open(capture.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE((saved >= 0 && fd >= 0));
  ::dup2(fd, 1);
  ::close(fd);
  {
    struct Restore {
      int saved;
      ~Restore() {
        std::fflush(stdout);
        ::dup2(saved, 1);
        ::close(saved);
      }
    } restore{saved};
    f();
  }
  return read_text(capture);
}

}  // namespace voxtrain::testing
