// check.cpp — the one message format every failed library call and broken invariant uses.
#include "voxtrain/core/checks/check.hpp"

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/process.hpp"

namespace voxtrain::detail {

void throw_call_failure(std::string_view library, std::string_view call, std::string_view reason,
                        const char* file, int line) {
  throw Error(fmt::format("{} call failed on rank {}: {} returned {} ({}:{})", library,
                          process_rank(), call, reason, file, line));
}

void throw_assertion_failure(std::string_view condition, std::string_view detail,
                             const char* file, int line) {
  const std::string because = detail.empty() ? std::string() : fmt::format(" ({})", detail);
  throw InternalError(fmt::format(
      "internal error on rank {}: {} does not hold{} at {}:{}; this is a bug in voxtrain, "
      "please report it with the command that led here",
      process_rank(), condition, because, file, line));
}

}  // namespace voxtrain::detail
