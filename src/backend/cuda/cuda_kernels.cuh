// cuda_kernels.cuh — launchers for voxtrain's own CUDA kernels; plain C++ signatures so that
// .cpp files can call them without nvcc.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

namespace voxtrain::cuda {

// y[i] = a * x[i] + b for i < n, on stream; returns the launch's error code.
cudaError_t launch_affine(const float* x, float* y, std::size_t n, float a, float b, cudaStream_t stream);

}  // namespace voxtrain::cuda
