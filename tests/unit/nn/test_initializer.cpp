// test_initializer.cpp — the three initialisers against their definitions (He et al. 2015,
// Glorot & Bengio 2010), and their names.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/initializer.hpp"

using voxtrain::InitKind;
using voxtrain::Initializer;
using voxtrain::Tensor;

TEST_CASE("glorot_uniform fills [-limit, limit) evenly with limit sqrt(6 / (fan_in + fan_out))", "[nn]") {
  const Tensor w = voxtrain::initial_weights({32, 16, 3, 3, 3}, {InitKind::GlorotUniform, 3}, "layer.weight");
  const double limit = std::sqrt(6.0 / (16 * 27 + 32 * 27));
  const float* v = w.data<float>();
  const auto [lo, hi] = std::minmax_element(v, v + w.numel());
  CHECK(*lo >= -limit);
  CHECK(*hi < limit);
  CHECK(*lo < -0.99 * limit);  // 13824 draws reach both ends
  CHECK(*hi > 0.99 * limit);
  double s2 = 0;
  for (std::int64_t i = 0; i < w.numel(); ++i) s2 += v[i] * v[i];
  CHECK(s2 / static_cast<double>(w.numel()) == Approx(limit * limit / 3.0).epsilon(0.03));  // variance of U(-a, a)
}

TEST_CASE("he_normal has standard deviation sqrt(2 / fan_in) and zeros gives zeros", "[nn]") {
  const Tensor w = voxtrain::initial_weights({64, 32, 3, 3, 3}, {InitKind::HeNormal, 4}, "a.weight");
  double s = 0, s2 = 0;
  const float* v = w.data<float>();
  for (std::int64_t i = 0; i < w.numel(); ++i) {
    s += v[i];
    s2 += v[i] * v[i];
  }
  const double n = static_cast<double>(w.numel());
  CHECK(std::abs(s / n) < 0.003);
  CHECK(std::sqrt(s2 / n) == Approx(std::sqrt(2.0 / (32 * 27))).epsilon(0.02));
  const Tensor z = voxtrain::initial_weights({4, 4, 1, 1, 1}, {InitKind::Zeros, 4}, "z.weight");
  CHECK(std::all_of(z.data<float>(), z.data<float>() + z.numel(), [](float x) { return x == 0.0f; }));
}

TEST_CASE("initialiser names", "[nn]") {
  CHECK(voxtrain::parse_init_kind("glorot_uniform") == InitKind::GlorotUniform);
  CHECK_THROWS_WITH(voxtrain::parse_init_kind("he_norml"),
                    "unknown weight initialiser 'he_norml' (did you mean 'he_normal'?): use one of he_normal, "
                    "glorot_uniform, zeros");
}
