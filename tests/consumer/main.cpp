// main.cpp — uses the installed voxtrain library: a Tensor, an Error and the build information.
#include <voxtrain/core/build_info.hpp>
#include <voxtrain/core/error.hpp>
#include <voxtrain/core/tensor/tensor.hpp>

#include <cstdio>
#include <cstdint>

int main() {
  voxtrain::Tensor t = voxtrain::Tensor::zeros({2, 1, 4, 4, 4});
  float* data = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) data[i] = static_cast<float>(i);
  double sum = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) sum += data[i];

  bool caught = false;
  try {
    (void)t.data<std::int32_t>();
  } catch (const voxtrain::Error&) {
    caught = true;
  }
  std::printf("consumer: voxtrain %s, %lld elements, sum %.0f, dtype error caught: %s\n",
              voxtrain::build_info().version.c_str(), static_cast<long long>(t.numel()), sum,
              caught ? "yes" : "no");
  return 0;
}
