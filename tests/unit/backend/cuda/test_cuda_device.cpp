// test_cuda_device.cpp — the CUDA side: check macros name the libraries' errors (no GPU
// needed), and a [gpu] round trip through this project's own kernel (skipped without a device).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/skip.hpp"
#include "voxtrain/backend/cuda/cuda_device.hpp"
#include "voxtrain/core/checks/check_cuda.hpp"
#include "voxtrain/core/error.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("CUDA, cuDNN and NCCL check macros name the failed call and the library's reason", "[cuda]") {
  CHECK_THROWS_WITH([] { VOX_CHECK_CUDA(cudaErrorInvalidValue); }(),
                    StartsWith("CUDA call failed on rank 0: cudaErrorInvalidValue returned "
                               "cudaErrorInvalidValue (1): invalid argument ("));
  CHECK_THROWS_WITH([] { VOX_CHECK_CUDNN(CUDNN_STATUS_BAD_PARAM); }(),
                    StartsWith("cuDNN call failed on rank 0: CUDNN_STATUS_BAD_PARAM returned CUDNN_STATUS_BAD_PARAM"));
  CHECK_THROWS_WITH([] { VOX_CHECK_NCCL(ncclInvalidArgument); }(),
                    StartsWith("NCCL call failed on rank 0: ncclInvalidArgument returned invalid argument"));
  CHECK_NOTHROW([] { VOX_CHECK_CUDA(cudaSuccess); }());

  // A real call: without a device this fails and the message carries the runtime's reason.
  std::string why;
  if (voxtrain::cuda::device_count(&why) == 0) {
    CHECK_FALSE(why.empty());
    int count = 0;
    CHECK_THROWS_WITH([&] { VOX_CHECK_CUDA(cudaGetDeviceCount(&count)); }(),
                      Contains("cudaGetDeviceCount(&count) returned cudaError"));
  }
}

TEST_CASE("a kernel built by this project runs on the device and matches the host", "[gpu]") {
  std::string why;
  if (voxtrain::cuda::device_count(&why) == 0) {
    voxtrain::testing::skip_test("no CUDA device (" + why + ")");
    return;
  }
  std::vector<float> x(10007);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 0.25f - 100.0f;
  const std::vector<float> y = voxtrain::cuda::affine_on_device(x, 3.0f, -1.5f);
  REQUIRE(y.size() == x.size());
  for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(y[i] == 3.0f * x[i] - 1.5f);
}
