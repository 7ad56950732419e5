// check_mpi.cpp — turns an MPI error code into its class name and MPI's own text.
#include "voxtrain/core/checks/check_mpi.hpp"

#include <fmt/format.h>

#include <string>

namespace voxtrain::detail {
namespace {

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return fmt::format("MPI error {}", code);
  return std::string(text, static_cast<std::size_t>(length));
}

}  // namespace

void throw_mpi_failure(int code, const char* call, const char* file, int line) {
  int error_class = code;
  MPI_Error_class(code, &error_class);
  const std::string reason = error_class == code
                                 ? fmt::format("error {}: {}", code, mpi_error_text(code))
                                 : fmt::format("error {} (class {}): {}", code, error_class,
                                               mpi_error_text(code));
  throw_call_failure("MPI", call, reason, file, line);
}

}  // namespace voxtrain::detail
