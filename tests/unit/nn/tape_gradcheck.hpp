// tape_gradcheck.hpp — gradients as training computes them (Tape::backward through a graph of fn::
// operations) against central differences, and the float32 rounding noise that bounds the latter.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "support/reference/gradcheck.hpp"
#include "voxtrain/nn/functional.hpp"
#include "voxtrain/nn/tape.hpp"

namespace voxtrain::test {

// Builds the graph on a tape from its leaves (Parameters, so that the tape collects their gradients).
using Graph = std::function<Var(Tape&)>;

// f for the finite differences: weighted_sum(output, r) on a tape that records nothing.
inline double weighted_output(const Graph& graph, const Tensor& r) {
  Tape tape(cpu_backend());
  tape.set_recording(false);
  return weighted_sum(fn::to_plain(graph(tape)).value(), r);
}

// The graph's output value (plain), e.g. for its shape.
inline Tensor output_of(const Graph& graph) {
  Tape tape(cpu_backend());
  tape.set_recording(false);
  return fn::to_plain(graph(tape)).value();
}

// Back-propagates r = d(loss)/d(output) into the gradients of params (zeroed first), as a training
// step does.
inline void backpropagate(const Graph& graph, const Tensor& r, const std::vector<Parameter*>& params) {
  for (Parameter* p : params) p->zero_grad();
  Tape tape(cpu_backend());
  tape.backward(graph(tape), r);
}

// x in oneDNN's blocked layout, as a convolution leaves it: a 1x1x1 convolution with identity
// weights, exact in float32, whose backward hands x's gradient back unchanged.
inline Var blocked(Var x) {
  const std::int64_t c = x.shape()[1];
  Tensor eye = Tensor::zeros({c, c, 1, 1, 1});
  for (std::int64_t i = 0; i < c; ++i) eye.data<float>()[i * c + i] = 1.0f;
  const ConvSpec pointwise{{1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, false};
  return fn::conv3d(x, x.tape->input(eye), Var{}, pointwise, "to blocked");
}

// The standard deviation of f's float32 rounding noise near x, at the scale of a finite difference
// of this step: f at x + t e_i for 21 values of t in [-step, step], less the least-squares cubic in
// t (which absorbs the central difference's own h^2 term; what remains of f's smooth part, h^4
// f''''/24, is far below the noise). Each t changes the low bits of every value downstream of x_i:
// the residuals sample the noise a central difference of that step meets.
inline double rounding_noise(const std::function<double(const Tensor&)>& f, Tensor& x, std::int64_t i, double step) {
  constexpr int kTerms = 4;  // 1, u, u^2, u^3 with u = t / step
  float* v = x.data<float>();
  const float original = v[i];
  std::vector<double> u, y;
  for (int k = -10; k <= 10; ++k) {
    v[i] = static_cast<float>(original + step * k / 10.0);
    u.push_back((static_cast<double>(v[i]) - original) / step);
    y.push_back(f(x));
  }
  v[i] = original;
  // Normal equations A c = b, solved by Gauss-Jordan elimination (u in [-1, 1]: well conditioned).
  double a[kTerms][kTerms + 1] = {};
  for (std::size_t k = 0; k < u.size(); ++k)
    for (int r = 0; r < kTerms; ++r) {
      for (int c = 0; c < kTerms; ++c) a[r][c] += std::pow(u[k], r + c);
      a[r][kTerms] += y[k] * std::pow(u[k], r);
    }
  for (int p = 0; p < kTerms; ++p)
    for (int r = 0; r < kTerms; ++r) {
      if (r == p) continue;
      const double m = a[r][p] / a[p][p];
      for (int c = p; c <= kTerms; ++c) a[r][c] -= m * a[p][c];
    }
  double residual2 = 0;
  for (std::size_t k = 0; k < u.size(); ++k) {
    double fit = 0;
    for (int c = 0; c < kTerms; ++c) fit += a[c][kTerms] / a[c][c] * std::pow(u[k], c);
    residual2 += (y[k] - fit) * (y[k] - fit);
  }
  return std::sqrt(residual2 / static_cast<double>(u.size() - kTerms));
}

// Options for checking gradients of f (step h) that do not count f's rounding as error: a numeric
// gradient (f(x + h) - f(x - h)) / 2h with noise of standard deviation s in f is off by s / (sqrt(2) h)
// (one standard deviation; 1.34 times that with Richardson extrapolation); five of them are allowed.
// s is the largest of three elements' measurements (the same forward pass rounds near each of them).
inline GradcheckOptions noise_aware(const std::function<double(const Tensor&)>& f, Tensor& x, double step,
                                    bool richardson = false) {
  double noise = 0;
  for (std::int64_t i : {std::int64_t{0}, x.numel() / 2, x.numel() - 1})
    noise = std::max(noise, rounding_noise(f, x, i, step));
  GradcheckOptions options{.step = step};
  options.richardson = richardson;
  options.numeric_uncertainty = 5 * (richardson ? 1.344 : 1.0) * noise / (std::sqrt(2.0) * step);
  return options;
}

}  // namespace voxtrain::test
