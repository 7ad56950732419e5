// test_files.hpp — what file-handling tests share: a scratch directory removed at the end of the
// test, and the message of the voxtrain::Error a call throws.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace voxtrain::testing {

// A fresh directory under the system temp directory, unique per process and instance.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag = "test");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The what() of the voxtrain::Error f throws; fails the test when f throws nothing.
std::string error_message_of(const std::function<void()>& f);

}  // namespace voxtrain::testing
