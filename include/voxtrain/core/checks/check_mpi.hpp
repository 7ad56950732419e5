// check_mpi.hpp — VOX_CHECK_MPI(call): throws voxtrain::Error when an MPI call does not return
// MPI_SUCCESS, naming the call, MPI's error string, file:line and rank.
#pragma once

#include <mpi.h>

#include "voxtrain/core/checks/check.hpp"

namespace voxtrain::detail {
[[noreturn]] void throw_mpi_failure(int code, const char* call, const char* file, int line);
}  // namespace voxtrain::detail

// Errors only come back as codes on communicators whose handler is MPI_ERRORS_RETURN.
#define VOX_CHECK_MPI(call) \
  VOX_DETAIL_CHECK_CODE(call, #call, int, MPI_SUCCESS, ::voxtrain::detail::throw_mpi_failure)
