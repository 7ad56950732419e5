// cuda_kernels.cu — voxtrain's own element-wise CUDA kernels (the thin GPU side; the logic
// around them lives in .cpp files shared with the CPU path).
#include "cuda_kernels.cuh"

namespace voxtrain::cuda {
namespace {

__global__ void affine_kernel(const float* x, float* y, std::size_t n, float a, float b) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + b;
}

}  // namespace

cudaError_t launch_affine(const float* x, float* y, std::size_t n, float a, float b, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  constexpr unsigned threads = 256;
  const auto blocks = static_cast<unsigned>((n + threads - 1) / threads);
  affine_kernel<<<blocks, threads, 0, stream>>>(x, y, n, a, b);
  return cudaGetLastError();
}

}  // namespace voxtrain::cuda
