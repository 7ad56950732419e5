// check_cuda.cpp — names failed CUDA runtime, cuDNN and NCCL results with the libraries' texts.
#include "voxtrain/core/checks/check_cuda.hpp"

#include <fmt/format.h>

namespace voxtrain::detail {

void throw_cuda_failure(cudaError_t code, const char* call, const char* file, int line) {
  throw_call_failure("CUDA", call,
                     fmt::format("{} ({}): {}", cudaGetErrorName(code), static_cast<int>(code),
                                 cudaGetErrorString(code)),
                     file, line);
}

void throw_cudnn_failure(cudnnStatus_t code, const char* call, const char* file, int line) {
  throw_call_failure("cuDNN", call,
                     fmt::format("{} ({})", cudnnGetErrorString(code), static_cast<int>(code)), file,
                     line);
}

void throw_nccl_failure(ncclResult_t code, const char* call, const char* file, int line) {
  throw_call_failure("NCCL", call,
                     fmt::format("{} ({})", ncclGetErrorString(code), static_cast<int>(code)), file,
                     line);
}

}  // namespace voxtrain::detail
