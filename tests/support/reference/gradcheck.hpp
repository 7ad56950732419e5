// gradcheck.hpp — the one finite-difference gradient checker every layer, loss and network test
// uses: central differences of a scalar function of a tensor, compared with an analytic gradient.
#pragma once

#include <functional>
#include <string>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain::test {

struct GradcheckOptions {
  double step = 1e-3;  // central-difference step h: (f(x + h) - f(x - h)) / 2h
  // An element passes when |analytic - numeric| <= tolerance * max(|numeric|, floor), where
  // floor = floor_fraction * (largest |numeric| over all elements): gradients far smaller than
  // the largest are compared with an absolute tolerance instead of a relative one.
  double floor_fraction = 1e-2;
  // 0: every element; otherwise this many elements spread evenly over x (for big tensors).
  std::int64_t max_elements = 0;
  // How far a numeric gradient can be off through rounding in f alone (a few standard deviations
  // of f's noise divided by the step): that much of |analytic - numeric| is not counted as error.
  double numeric_uncertainty = 0;
  // Richardson extrapolation, (4 D(h) - D(2h)) / 3 of central differences D: cancels their h^2
  // error term (for strongly curved f) at twice the evaluations and 1.34 times the rounding noise.
  bool richardson = false;
};

struct GradcheckResult {
  // max over the checked elements of max(|a - n| - numeric_uncertainty, 0) / max(|n|, floor)
  double max_relative_error = 0;
  std::int64_t worst_index = -1;
  double worst_analytic = 0;
  double worst_numeric = 0;
  double largest_numeric = 0;     // max |n|: a zero gradient everywhere is suspicious
  double relative_l2_error = 0;   // ||a - n|| / ||n|| over the checked elements
  std::string describe() const;   // for INFO() in a failing test
};

// f maps x to a scalar (accumulate it in double). analytic is df/dx with x's shape. x is
// perturbed in place one element at a time and restored; it must be a float32 host tensor.
GradcheckResult gradcheck(const std::function<double(const Tensor& x)>& f, Tensor& x,
                          const Tensor& analytic, const GradcheckOptions& options = {});

// A float32 tensor of the given shape with values drawn uniformly from [low, high).
Tensor random_tensor(const Shape& shape, unsigned seed, float low = -1.0f, float high = 1.0f);

// sum_i a_i * b_i in double: the scalar f used to check a layer, with b fixed random weights
// (so that the upstream gradient of the layer's output is b).
double weighted_sum(const Tensor& a, const Tensor& b);

}  // namespace voxtrain::test
