// check_cuda.hpp — VOX_CHECK_CUDA, VOX_CHECK_CUDNN and VOX_CHECK_NCCL: throw voxtrain::Error
// naming the call, the library's error name and text, file:line and rank. CUDA builds only.
#pragma once

#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <nccl.h>

#include "voxtrain/core/checks/check.hpp"

namespace voxtrain::detail {
[[noreturn]] void throw_cuda_failure(cudaError_t code, const char* call, const char* file, int line);
[[noreturn]] void throw_cudnn_failure(cudnnStatus_t code, const char* call, const char* file,
                                      int line);
[[noreturn]] void throw_nccl_failure(ncclResult_t code, const char* call, const char* file, int line);
}  // namespace voxtrain::detail

#define VOX_CHECK_CUDA(call) \
  VOX_DETAIL_CHECK_CODE(call, #call, cudaError_t, cudaSuccess, ::voxtrain::detail::throw_cuda_failure)
#define VOX_CHECK_CUDNN(call) \
  VOX_DETAIL_CHECK_CODE(call, #call, cudnnStatus_t, CUDNN_STATUS_SUCCESS, ::voxtrain::detail::throw_cudnn_failure)
#define VOX_CHECK_NCCL(call) \
  VOX_DETAIL_CHECK_CODE(call, #call, ncclResult_t, ncclSuccess, ::voxtrain::detail::throw_nccl_failure)
