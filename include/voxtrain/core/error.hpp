// error.hpp — voxtrain::Error, the one exception type a user-caused problem raises.
// Its message is a single line: what is wrong, where, and what to do.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace voxtrain {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
};

// A broken internal invariant (a bug in voxtrain, not a user mistake).
class InternalError : public Error {
 public:
  using Error::Error;
};

// Builds an Error from a fmt format string: throw error("{}: bad key '{}'", file, key).
template <class... Args>
Error error(fmt::format_string<Args...> format, Args&&... args) {
  return Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace voxtrain
