// test_files.hpp — what file-handling tests share: a scratch directory removed at the end of the
// test, text files written and read back, and the message of the voxtrain::Error a call throws.
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
  // Writes text to `relative` (its folders made first) and returns the file's path.
  std::string write(const std::string& relative, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

// What f writes to stdout (file descriptor 1), captured through the file `capture`; stdout is
// restored also when f throws.
std::string stdout_of(const std::function<void()>& f, const std::string& capture);

// The whole content of a file, byte for byte ("" when it cannot be opened).
std::string read_text(const std::string& path);

// The what() of the voxtrain::Error f throws; fails the test when f throws nothing.
std::string error_message_of(const std::function<void()>& f);

// The what() of the voxtrain::Error f throws, or "(no error)" when f returns normally.
std::string error_or_none(const std::function<void()>& f);

}  // namespace voxtrain::testing
