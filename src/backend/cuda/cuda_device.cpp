// cuda_device.cpp — device discovery that tolerates machines without GPUs, and a device round trip.
#include "voxtrain/backend/cuda/cuda_device.hpp"

#include <fmt/format.h>

#include <memory>

#include "cuda_kernels.cuh"
#include "voxtrain/core/checks/check_cuda.hpp"

namespace voxtrain::cuda {

int device_count(std::string* why_none) {
  int count = 0;
  const cudaError_t rc = cudaGetDeviceCount(&count);
  if (rc != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so that later calls are not confused by it
    if (why_none) *why_none = fmt::format("cudaGetDeviceCount: {}: {}", cudaGetErrorName(rc), cudaGetErrorString(rc));
    return 0;
  }
  if (count == 0 && why_none) *why_none = "cudaGetDeviceCount reports no device";
  return count;
}

std::vector<float> affine_on_device(const std::vector<float>& values, float a, float b, int device) {
  VOX_CHECK_CUDA(cudaSetDevice(device));
  const std::size_t bytes = values.size() * sizeof(float);
  float* raw = nullptr;
  VOX_CHECK_CUDA(cudaMalloc(reinterpret_cast<void**>(&raw), 2 * bytes + sizeof(float)));
  const std::unique_ptr<float, decltype(&cudaFree)> buffer(raw, &cudaFree);
  float* x = buffer.get();
  float* y = x + values.size();
  VOX_CHECK_CUDA(cudaMemcpy(x, values.data(), bytes, cudaMemcpyHostToDevice));
  VOX_CHECK_CUDA(launch_affine(x, y, values.size(), a, b, nullptr));
  std::vector<float> result(values.size());
  VOX_CHECK_CUDA(cudaMemcpy(result.data(), y, bytes, cudaMemcpyDeviceToHost));
  return result;
}

}  // namespace voxtrain::cuda
