// gradcheck.cpp — central differences element by element, and the error measure that compares
// them with the analytic gradient.
#include "support/reference/gradcheck.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "voxtrain/core/error.hpp"

namespace voxtrain::test {

std::string GradcheckResult::describe() const {
  return fmt::format("max relative error {:.3g} at element {} (analytic {:.8g}, numeric {:.8g}); "
                     "largest |numeric| {:.4g}; relative L2 error {:.3g}",
                     max_relative_error, worst_index, worst_analytic, worst_numeric, largest_numeric,
                     relative_l2_error);
}

namespace {

// (f(x + h e_i) - f(x - h e_i)) / 2h, with h as float rounding left it; x_i is restored.
double central_difference(const std::function<double(const Tensor& x)>& f, Tensor& x, std::int64_t i, double step) {
  float* values = x.data<float>();
  const float original = values[i];
  values[i] = static_cast<float>(original + step);
  const double up = f(x);
  const double actual_up = static_cast<double>(values[i]) - original;
  values[i] = static_cast<float>(original - step);
  const double down = f(x);
  const double actual_down = original - static_cast<double>(values[i]);
  values[i] = original;
  return (up - down) / (actual_up + actual_down);
}

}  // namespace

GradcheckResult gradcheck(const std::function<double(const Tensor& x)>& f, Tensor& x,
                          const Tensor& analytic, const GradcheckOptions& options) {
  if (!(analytic.shape() == x.shape()))
    throw InternalError(fmt::format("gradcheck: analytic gradient {} does not match x {}",
                                    analytic.shape().to_string(), x.shape().to_string()));
  const float* a = analytic.data<float>();
  std::vector<std::int64_t> indices;
  const std::int64_t count = options.max_elements > 0 ? std::min(options.max_elements, x.numel()) : x.numel();
  for (std::int64_t k = 0; k < count; ++k) indices.push_back(k * x.numel() / count);
  std::vector<double> numeric(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const double d = central_difference(f, x, indices[k], options.step);
    numeric[k] = options.richardson ? (4 * d - central_difference(f, x, indices[k], 2 * options.step)) / 3 : d;
  }

  GradcheckResult result;
  for (double n : numeric) result.largest_numeric = std::max(result.largest_numeric, std::abs(n));
  const double floor = std::max(options.floor_fraction * result.largest_numeric, 1e-12);
  double diff2 = 0, norm2 = 0;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const std::int64_t i = indices[k];
    const double n = numeric[k];
    const double error = std::max(std::abs(a[i] - n) - options.numeric_uncertainty, 0.0) / std::max(std::abs(n), floor);
    diff2 += (a[i] - n) * (a[i] - n);
    norm2 += n * n;
    if (error > result.max_relative_error || result.worst_index < 0) {
      result.max_relative_error = error;
      result.worst_index = i;
      result.worst_analytic = a[i];
      result.worst_numeric = n;
    }
  }
  result.relative_l2_error = norm2 > 0 ? std::sqrt(diff2 / norm2) : std::sqrt(diff2);
  return result;
}

Tensor random_tensor(const Shape& shape, unsigned seed, float low, float high) {
  Tensor t = Tensor::empty(shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(low, high);
  float* v = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) v[i] = uniform(rng);
  return t;
}

double weighted_sum(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape()))
    throw InternalError(fmt::format("weighted_sum: shapes {} and {} differ", a.shape().to_string(),
                                    b.shape().to_string()));
  const float* x = a.data<float>();
  const float* w = b.data<float>();
  double sum = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) sum += static_cast<double>(x[i]) * w[i];
  return sum;
}

}  // namespace voxtrain::test
