// test_gradcheck.cpp — the checker itself: it accepts the true gradient of known functions and
// rejects a wrong one, so that a passing gradcheck means something.
#include <catch2/catch.hpp>

#include <cmath>

#include "support/reference/gradcheck.hpp"

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

namespace {

// g(x) = sum_i x_i^4 / 4; dg/dx_i = x_i^3. Its central difference with step h is x^3 + x h^2
// exactly (no h^4 term), so the h^2 error is known in closed form.
double quartic(const Tensor& x) {
  double s = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) s += std::pow(static_cast<double>(x.data<float>()[i]), 4) / 4.0;
  return s;
}

Tensor cubes(const Tensor& x) {
  Tensor g = Tensor::empty(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) g.data<float>()[i] = std::pow(x.data<float>()[i], 3.0f);
  return g;
}

}  // namespace

TEST_CASE("gradcheck's Richardson option cancels the central difference's h^2 error", "[gradcheck]") {
  Tensor x = voxtrain::test::random_tensor({16}, 8, 0.5f, 1.5f);
  voxtrain::test::GradcheckOptions plain;
  plain.step = 0.1;  // x h^2 / x^3 = h^2 / x^2: up to 4 % at x = 0.5
  const auto coarse = gradcheck(quartic, x, cubes(x), plain);
  CHECK(coarse.max_relative_error > 0.02);
  auto extrapolated = plain;
  extrapolated.richardson = true;
  const auto fine = gradcheck(quartic, x, cubes(x), extrapolated);
  INFO(fine.describe());
  CHECK(fine.max_relative_error < 1e-4);  // what remains is float32 rounding of x and of f
}

TEST_CASE("gradcheck's numeric uncertainty forgives that much error and no more", "[gradcheck]") {
  Tensor x = voxtrain::test::random_tensor({2, 3, 4}, 9);
  Tensor g = true_gradient(x);
  g.data<float>()[5] += 0.01f;  // an absolute error of 0.01 in one element
  voxtrain::test::GradcheckOptions forgiving;
  forgiving.numeric_uncertainty = 0.02;
  CHECK(gradcheck(f, x, g, forgiving).max_relative_error < 1e-4);
  voxtrain::test::GradcheckOptions strict;
  strict.numeric_uncertainty = 0.005;
  const auto result = gradcheck(f, x, g, strict);
  CHECK(result.max_relative_error > 1e-3);
  CHECK(result.worst_index == 5);
}
