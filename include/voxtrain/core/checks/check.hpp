// check.hpp — what every return-code check macro shares, and VOX_ASSERT for internal invariants.
// Library-specific macros live in check_mpi.hpp, check_hdf5.hpp, check_dnnl.hpp, check_cuda.hpp.
#pragma once

#include <string_view>

namespace voxtrain::detail {

// Throws Error("<library> call failed on rank R: <call> returned <reason> (file:line)").
[[noreturn]] void throw_call_failure(std::string_view library, std::string_view call,
                                     std::string_view reason, const char* file, int line);

// Throws InternalError naming the condition, file:line and rank.
[[noreturn]] void throw_assertion_failure(std::string_view condition, std::string_view detail,
                                          const char* file, int line);

}  // namespace voxtrain::detail

// The shape of every return-code check: evaluate call once as type; unless it equals ok, hand
// the code, the call's text and the place to fail (which throws). The text is stringified by
// the caller's macro, before the arguments' macros (MPI_COMM_WORLD, ...) are expanded.
#define VOX_DETAIL_CHECK_CODE(call, text, type, ok, fail)              \
  do {                                                                 \
    const type vox_rc_ = (call);                                       \
    if (vox_rc_ != (ok)) fail(vox_rc_, text, __FILE__, __LINE__);      \
  } while (0)

// An internal invariant; never use it for user input (throw voxtrain::Error instead).
#define VOX_ASSERT(condition)                                                              \
  do {                                                                                     \
    if (!(condition))                                                                      \
      ::voxtrain::detail::throw_assertion_failure(#condition, {}, __FILE__, __LINE__);     \
  } while (0)

#define VOX_ASSERT_MSG(condition, message)                                                 \
  do {                                                                                     \
    if (!(condition))                                                                      \
      ::voxtrain::detail::throw_assertion_failure(#condition, (message), __FILE__, __LINE__); \
  } while (0)
