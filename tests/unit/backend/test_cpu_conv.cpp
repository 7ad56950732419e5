// test_cpu_conv.cpp — oneDNN convolutions and transposed convolutions against the naive loops,
// their three gradients against finite differences, output shapes, caching and messages.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cpu_test_support.hpp"
#include "voxtrain/core/error.hpp"

using namespace voxtrain;
using namespace voxtrain::test;
using Catch::Matchers::Contains;

namespace {

struct ConvCase {
  std::string name;
  Shape x;
  std::int64_t cout;
  ConvSpec spec;
  bool bias;
};

Shape weight_shape(const ConvCase& c) {
  return Shape{c.cout, c.x[1], c.spec.kernel[0], c.spec.kernel[1], c.spec.kernel[2]};
}

ConvSpec spec_of(Triple kernel, Triple stride, Triple padding, Triple dilation, bool transposed = false) {
  return ConvSpec{kernel, stride, padding, dilation, transposed};
}

const Triple k3{3, 3, 3}, k2{2, 2, 2}, one{1, 1, 1}, two{2, 2, 2}, zero{0, 0, 0};

std::vector<ConvCase> forward_cases() {
  return {
      {"3->4, stride 1, no padding, bias", {2, 3, 7, 6, 5}, 4, spec_of(k3, one, zero, one), true},
      {"3->4, stride 2, padding 1, bias", {2, 3, 7, 6, 5}, 4, spec_of(k3, two, one, one), true},
      {"3->4, dilation 2, padding 1", {2, 3, 7, 6, 5}, 4, spec_of(k3, one, one, two), false},
      {"3->4, kernel 3x1x2, stride 1x2x1, padding 1x0x0", {2, 3, 7, 6, 5}, 4,
       spec_of({3, 1, 2}, {1, 2, 1}, {1, 0, 0}, one), false},
      {"16->32, stride 1, padding 1, bias (blocked)", {1, 16, 5, 4, 4}, 32, spec_of(k3, one, one, one), true},
      {"32->16, stride 2, no padding (blocked)", {2, 32, 5, 5, 4}, 16, spec_of(k3, two, zero, one), false},
      {"transposed 8->4, kernel 2, stride 2, bias", {2, 8, 3, 3, 2}, 4, spec_of(k2, two, zero, one, true), true},
      {"transposed 3->4, kernel 3, stride 2, padding 1", {2, 3, 4, 3, 3}, 4, spec_of(k3, two, one, one, true), false},
      {"transposed 16->16, kernel 2, stride 2, bias (blocked)", {1, 16, 3, 2, 3}, 16,
       spec_of(k2, two, zero, one, true), true},
      {"transposed 3->2, kernel 3, dilation 2", {1, 3, 3, 4, 3}, 2, spec_of(k3, one, zero, two, true), false},
  };
}

// Small enough to difference every weight: 3 and 16 channels, plain and transposed.
std::vector<ConvCase> gradient_cases() {
  return {
      {"3->4, stride 2, padding 1, bias", {2, 3, 5, 4, 3}, 4, spec_of(k3, two, one, one), true},
      {"3->4, dilation 2, padding 1", {1, 3, 5, 5, 4}, 4, spec_of(k3, one, one, two), false},
      {"16->16, kernel 2 (blocked), bias", {1, 16, 3, 3, 3}, 16, spec_of(k2, one, zero, one), true},
      {"transposed 8->4, kernel 2, stride 2, bias", {1, 8, 2, 3, 2}, 4, spec_of(k2, two, zero, one, true), true},
      {"transposed 3->4, kernel 3, stride 2, padding 1", {1, 3, 3, 2, 3}, 4, spec_of(k3, two, one, one, true), false},
      {"transposed 16->16, kernel 2, stride 2 (blocked), bias", {1, 16, 2, 2, 2}, 16,
       spec_of(k2, two, zero, one, true), true},
  };
}

// The operations are linear in each input: central differences are exact at any step but for
// the float32 rounding of the outputs one element moves, divided by 2h. That noise reached 1.7e-3
// of the checker's floor at h = 1e-2 (dw of 16 blocked channels, measured) and stays below 2e-4
// at h = 1e-1.
constexpr double kConvTolerance = 1e-3;
const GradcheckOptions kConvStep{.step = 1e-1};

}  // namespace

TEST_CASE("conv_output_shape follows the convolution and transposed-convolution formulas", "[backend]") {
  ConvSpec spec = spec_of(k3, two, one, one);
  CHECK(conv_output_shape({2, 3, 7, 6, 5}, 4, spec, "conv") == Shape{2, 4, 4, 3, 3});
  spec.transposed = true;
  CHECK(conv_output_shape({2, 3, 4, 3, 3}, 4, spec, "up") == Shape{2, 4, 7, 5, 5});
  CHECK(conv_output_shape({1, 8, 3, 3, 2}, 4, spec_of(k2, two, zero, one, true), "up") == Shape{1, 4, 6, 6, 4});
  // The kernel must fit into the padded input even when the stride would round a negative
  // extent towards one: 2 voxels cannot hold a 3-wide kernel at stride 2.
  CHECK_THROWS_WITH(conv_output_shape({1, 1, 2, 8, 8}, 1, spec_of(k3, two, zero, one), "encoder.conv1"),
                    Contains("encoder.conv1") && Contains("axis D would have size 0"));
  CHECK_THROWS_WITH(conv_output_shape({1, 1, 8, 8, 8}, 1, spec_of(k3, {1, 0, 1}, zero, one), "c"),
                    Contains("stride 1x0x1"));
}

TEST_CASE("conv_forward matches the naive convolution for plain and blocked inputs", "[backend]") {
  for (const ConvCase& c : forward_cases()) {
    INFO(c.name);
    const Tensor x = random_tensor(c.x, 1);
    const Tensor w = random_tensor(weight_shape(c), 2);
    const Tensor b = random_tensor({c.cout}, 3);
    const Tensor* bias = c.bias ? &b : nullptr;
    const Tensor expected = naive::conv3d(x, w, bias, c.spec);
    REQUIRE(conv_output_shape(c.x, c.cout, c.spec, "conv") == expected.shape());

    const Tensor y = be().conv_forward(x, w, bias, c.spec);
    const Difference plain = compare(be().to_plain(y), expected);
    INFO("plain input: " << plain.describe());
    CHECK(plain.relative() < 1e-5);

    const Tensor yb = be().conv_forward(blocked16(x), w, bias, c.spec);
    const Difference blocked = compare(be().to_plain(yb), expected);
    INFO("nCdhw16c input: " << blocked.describe());
    CHECK(blocked.relative() < 1e-5);
  }
}

TEST_CASE("oneDNN picks blocked layouts for 16 and 32 channels", "[backend]") {
  const Tensor x = random_tensor({1, 16, 4, 4, 4}, 4);
  const Tensor w = random_tensor({32, 16, 3, 3, 3}, 5);
  const Tensor y = be().conv_forward(x, w, nullptr, spec_of(k3, one, one, one));
  CHECK_FALSE(y.is_plain());
  CHECK(y.nbytes() >= static_cast<std::size_t>(y.numel()) * sizeof(float));
}

TEST_CASE("conv backward data, weights and bias match finite differences", "[backend][gradcheck]") {
  for (const ConvCase& c : gradient_cases()) {
    INFO(c.name);
    Tensor x = random_tensor(c.x, 11);
    Tensor w = random_tensor(weight_shape(c), 12);
    Tensor b = random_tensor({c.cout}, 13);
    const bool blocked = c.x[1] == 16;
    auto input = [&](const Tensor& t) { return blocked ? blocked16(t) : t; };
    const Shape y_shape = conv_output_shape(c.x, c.cout, c.spec, "conv");
    const Tensor r = random_tensor(y_shape, 14);
    auto f = [&](const Tensor& xv, const Tensor& wv, const Tensor& bv) {
      return weighted(be().conv_forward(input(xv), wv, c.bias ? &bv : nullptr, c.spec), r);
    };
    // dy in the layout the forward pass produced (blocked for 16 channels), as a network passes it.
    const Tensor dy = be().like_layout(r, be().conv_forward(input(x), w, c.bias ? &b : nullptr, c.spec));

    const Tensor dx = be().to_plain(be().conv_backward_data(dy, w, c.x, c.spec));
    const auto gx = gradcheck([&](const Tensor& v) { return f(v, w, b); }, x, dx, kConvStep);
    INFO("dx: " << gx.describe());
    CHECK(gx.largest_numeric > 0);
    CHECK(gx.max_relative_error < kConvTolerance);

    Tensor dw = Tensor::empty(w.shape());
    Tensor db = Tensor::empty({c.cout});
    be().conv_backward_weights(input(x), dy, c.spec, dw, c.bias ? &db : nullptr);
    const auto gw = gradcheck([&](const Tensor& v) { return f(x, v, b); }, w, dw, kConvStep);
    INFO("dw: " << gw.describe());
    CHECK(gw.largest_numeric > 0);
    CHECK(gw.max_relative_error < kConvTolerance);

    if (c.bias) {
      const auto gb = gradcheck([&](const Tensor& v) { return f(x, w, v); }, b, db, kConvStep);
      INFO("dbias: " << gb.describe());
      CHECK(gb.largest_numeric > 0);
      CHECK(gb.max_relative_error < kConvTolerance);
    }
  }
}

TEST_CASE("conv_backward_weights overwrites dw and dbias instead of adding to them", "[backend]") {
  const ConvSpec spec = spec_of(k3, one, one, one);
  const Tensor x = random_tensor({1, 3, 4, 4, 4}, 21);
  const Tensor dy = random_tensor({1, 4, 4, 4, 4}, 22);
  Tensor dw1 = Tensor::zeros({4, 3, 3, 3, 3}), db1 = Tensor::zeros({4});
  Tensor dw2 = Tensor::empty({4, 3, 3, 3, 3}), db2 = Tensor::empty({4});
  dw2.fill(100.0);
  db2.fill(-100.0);
  be().conv_backward_weights(x, dy, spec, dw1, &db1);
  be().conv_backward_weights(x, dy, spec, dw2, &db2);
  CHECK(compare(dw2, dw1).max_abs == 0);
  CHECK(compare(db2, db1).max_abs == 0);
}

TEST_CASE("a convolution's primitives are created once per shape", "[backend]") {
  // A shape no other test uses, so that the first call must create its primitive.
  const Tensor x = random_tensor({1, 5, 6, 5, 4}, 31);
  const Tensor w = random_tensor({7, 5, 3, 3, 3}, 32);
  const Tensor b = random_tensor({7}, 33);
  const ConvSpec spec = spec_of(k3, one, one, one);
  const std::int64_t before = primitives_created();
  const Tensor y1 = be().conv_forward(x, w, &b, spec);
  const std::int64_t after_first = primitives_created();
  const Tensor y2 = be().conv_forward(x, w, &b, spec);
  const std::int64_t after_second = primitives_created();
  // A new input with the same shape reuses it too.
  (void)be().conv_forward(random_tensor({1, 5, 6, 5, 4}, 34), w, &b, spec);
  const std::int64_t after_third = primitives_created();
  CHECK(after_first > before);
  CHECK(after_second == after_first);
  CHECK(after_third == after_first);
  CHECK(compare(be().to_plain(y2), be().to_plain(y1)).max_abs == 0);
}

TEST_CASE("conv with mismatched channels names both shapes", "[backend]") {
  const Tensor x = random_tensor({1, 3, 4, 4, 4}, 41);
  const Tensor w = random_tensor({8, 4, 3, 3, 3}, 42);
  CHECK_THROWS_WITH(be().conv_forward(x, w, nullptr, ConvSpec{}),
                    Contains("the input has 3 channels but the weights [8, 4, 3, 3, 3] expect 4"));
  ConvSpec up = spec_of(k2, two, zero, one, true);
  CHECK_THROWS_WITH(be().conv_forward(x, random_tensor({8, 4, 2, 2, 2}, 43), nullptr, up),
                    Contains("transposed convolution: the input has 3 channels"));
}
