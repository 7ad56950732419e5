// check_cuda.hpp — VOX_CHECK_CUDA, VOX_CHECK_CUDNN and VOX_CHECK_NCCL: throw voxtrain::Error
// naming the call, the library's error name and text, file:line and rank. CUDA builds only.
#pragma once

#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <nccl.h>

#include "voxtrain/core/check.hpp"

namespace voxtrain::detail {
[[noreturn]] void throw_cuda_failure(cudaError_t code, const char* call, const char* file, int line);
[[noreturn]] void throw_cudnn_failure(cudnnStatus_t code, const char* call, const char* file,
                                      int line);
[[noreturn]] void throw_nccl_failure(ncclResult_t code, const char* call, const char* file, int line);
}  // namespace voxtrain::detail

#define VOX_CHECK_CUDA(call)                                                          \
  do {                                                                                \
    const cudaError_t vox_cuda_rc_ = (call);                                          \
    if (vox_cuda_rc_ != cudaSuccess)                                                  \
      ::voxtrain::detail::throw_cuda_failure(vox_cuda_rc_, #call, __FILE__, __LINE__); \
  } while (0)

#define VOX_CHECK_CUDNN(call)                                                           \
  do {                                                                                  \
    const cudnnStatus_t vox_cudnn_rc_ = (call);                                         \
    if (vox_cudnn_rc_ != CUDNN_STATUS_SUCCESS)                                          \
      ::voxtrain::detail::throw_cudnn_failure(vox_cudnn_rc_, #call, __FILE__, __LINE__); \
  } while (0)

#define VOX_CHECK_NCCL(call)                                                          \
  do {                                                                                \
    const ncclResult_t vox_nccl_rc_ = (call);                                         \
    if (vox_nccl_rc_ != ncclSuccess)                                                  \
      ::voxtrain::detail::throw_nccl_failure(vox_nccl_rc_, #call, __FILE__, __LINE__); \
  } while (0)
