// average_tensors.cpp — the element-wise mean over devices (see average_tensors.hpp).
#include "average_tensors.hpp"

#include <vector>

#include "voxtrain/core/checks/check.hpp"

namespace voxtrain {

Tensor average_tensors(std::span<const Tensor> values) {
  VOX_ASSERT(!values.empty());
  Tensor mean = Tensor::empty(values.front().shape());
  const auto n = static_cast<std::size_t>(mean.numel());
  std::vector<double> sum(n, 0.0);
  for (const Tensor& v : values) {
    VOX_ASSERT(v.shape() == mean.shape());
    const float* in = v.data<float>();
    for (std::size_t i = 0; i < n; ++i) sum[i] += in[i];
  }
  float* out = mean.data<float>();
  const auto count = static_cast<double>(values.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(sum[i] / count);
  return mean;
}

}  // namespace voxtrain
