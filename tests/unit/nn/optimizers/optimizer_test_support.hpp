// optimizer_test_support.hpp — small helpers shared by the optimizer tests: parameters from
// literals, gradient sequences, reading weights back, one step through the public interface.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "voxtrain/nn/optimizer.hpp"
#include "voxtrain/nn/parameter.hpp"

namespace voxtrain::test {

inline Parameter make_parameter(const std::string& name, const std::vector<float>& values) {
  Tensor t = Tensor::empty({static_cast<std::int64_t>(values.size())});
  for (std::size_t i = 0; i < values.size(); ++i) t.data<float>()[i] = values[i];
  return Parameter(name, t);
}

inline std::vector<float> values_of(const Tensor& t) {
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.numel());
}

inline void set_grad(Parameter& p, const std::vector<float>& g) {
  for (std::size_t i = 0; i < g.size(); ++i) p.grad().data<float>()[i] = g[i];
}

// A fixed, varied gradient for step k (0-based) and element i: both signs, magnitudes 0.05..4.
inline float gradient_at(int k, std::size_t i) {
  const double x = std::sin(1.3 * k + 0.7 * static_cast<double>(i) + 0.4) * (1.0 + static_cast<double>(i));
  return static_cast<float>(x + (x >= 0 ? 0.05 : -0.05));
}

// A learning rate that changes every step, so that where lr enters the recurrence matters.
inline double lr_at(int k, double base) { return base / (1.0 + 0.5 * k); }

}  // namespace voxtrain::test
