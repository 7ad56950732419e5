// test_gradcheck.cpp — the checker itself: it accepts the true gradient of known functions and
// rejects a wrong one, so that a passing gradcheck means something.
#include <catch2/catch.hpp>

#include <cmath>

#include "support/gradcheck.hpp"

using voxtrain::Tensor;
using voxtrain::test::gradcheck;

namespace {

// f(x) = sum_i sin(x_i) * (i + 1); df/dx_i = cos(x_i) * (i + 1).
double f(const Tensor& x) {
  const float* v = x.data<float>();
  double s = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) s += std::sin(static_cast<double>(v[i])) * static_cast<double>(i + 1);
  return s;
}

Tensor true_gradient(const Tensor& x) {
  Tensor g = Tensor::empty(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i)
    g.data<float>()[i] = static_cast<float>(std::cos(static_cast<double>(x.data<float>()[i])) * static_cast<double>(i + 1));
  return g;
}

}  // namespace

TEST_CASE("gradcheck accepts the true gradient of a known function", "[gradcheck]") {
  Tensor x = voxtrain::test::random_tensor({2, 3, 4}, 5);
  const auto result = gradcheck(f, x, true_gradient(x));
  INFO(result.describe());
  CHECK(result.max_relative_error < 1e-4);
  CHECK(result.largest_numeric > 1.0);
}

TEST_CASE("gradcheck rejects a gradient that is wrong in one element", "[gradcheck]") {
  Tensor x = voxtrain::test::random_tensor({2, 3, 4}, 6);
  Tensor g = true_gradient(x);
  g.data<float>()[7] *= 1.05f;
  const auto result = gradcheck(f, x, g);
  CHECK(result.max_relative_error > 0.04);
  CHECK(result.worst_index == 7);
}
