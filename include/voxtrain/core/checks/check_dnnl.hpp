// check_dnnl.hpp — VOX_CHECK_DNNL(call) for oneDNN's C API (dnnl_status_t), and a translation
// of the C++ API's dnnl::error into voxtrain::Error with the same details.
#pragma once

#include <dnnl.h>
#include <dnnl.hpp>

#include "voxtrain/core/checks/check.hpp"

namespace voxtrain::detail {
[[noreturn]] void throw_dnnl_failure(dnnl_status_t status, const char* call, const char* file,
                                     int line);
}  // namespace voxtrain::detail

#define VOX_CHECK_DNNL(call) \
  VOX_DETAIL_CHECK_CODE(call, #call, dnnl_status_t, dnnl_success, ::voxtrain::detail::throw_dnnl_failure)

// For oneDNN's C++ API, which throws: VOX_DNNL_TRY(prim = dnnl::convolution_forward(pd));
#define VOX_DNNL_TRY(statement)                                                              \
  do {                                                                                       \
    try {                                                                                    \
      statement;                                                                             \
    } catch (const dnnl::error& vox_dnnl_error_) {                                           \
      ::voxtrain::detail::throw_dnnl_failure(vox_dnnl_error_.status, #statement, __FILE__,   \
                                             __LINE__);                                      \
    }                                                                                        \
  } while (0)
