// check_dnnl.cpp — names a failed oneDNN status.
#include "voxtrain/core/checks/check_dnnl.hpp"

#include <dnnl_debug.h>
#include <fmt/format.h>

namespace voxtrain::detail {

void throw_dnnl_failure(dnnl_status_t status, const char* call, const char* file, int line) {
  const char* name = dnnl_status2str(status);
  throw_call_failure("oneDNN", call,
                     fmt::format("dnnl_{} ({})", name ? name : "unknown_status", static_cast<int>(status)),
                     file, line);
}

}  // namespace voxtrain::detail
