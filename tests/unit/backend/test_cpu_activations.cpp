// test_cpu_activations.cpp — every ActivationKind and PReLU against the textbook formulas, on plain
// and blocked inputs, and their gradients against finite differences away from the kinks.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cpu_test_support.hpp"
#include "voxtrain/core/error.hpp"

using namespace voxtrain;
using namespace voxtrain::test;
using Catch::Matchers::Contains;

namespace {

struct ActivationCase {
  std::string name;
  ActivationSpec spec;
};

std::vector<ActivationCase> activations() {
  return {
      {"relu", {ActivationKind::Relu, 0.0f}},
      {"leaky relu 0.1", {ActivationKind::LeakyRelu, 0.1f}},
      {"elu 0.7", {ActivationKind::Elu, 0.7f}},
      {"relu6", {ActivationKind::Relu6, 0.0f}},
      {"selu", {ActivationKind::Selu, 0.0f}},
      {"sigmoid", {ActivationKind::Sigmoid, 0.0f}},
      {"tanh", {ActivationKind::Tanh, 0.0f}},
      {"softplus", {ActivationKind::Softplus, 0.0f}},
  };
}

// Inputs over [-3, 8] (both sides of 0 and of 6) kept at least 0.05 from the kinks at 0 and 6.
Tensor activation_input(const Shape& shape, unsigned seed) {
  Tensor x = random_tensor(shape, seed, -3.0f, 8.0f);
  keep_away_from(x, {0.0f, 6.0f}, 0.05f);
  return x;
}

}  // namespace

TEST_CASE("activation_forward matches the textbook formulas", "[backend]") {
  const Tensor x = activation_input({2, 3, 4, 3, 5}, 1);
  const Tensor x16 = activation_input({1, 16, 3, 2, 3}, 2);
  for (const ActivationCase& c : activations()) {
    INFO(c.name);
    const Difference plain = compare(be().to_plain(be().activation_forward(x, c.spec)), naive::activation(x, c.spec));
    INFO("plain: " << plain.describe());
    CHECK(plain.relative() < 1e-5);
    const Tensor y16 = be().activation_forward(blocked16(x16), c.spec);
    CHECK(same_layout(y16, blocked16(x16)));
    const Difference blocked = compare(be().to_plain(y16), naive::activation(x16, c.spec));
    INFO("nCdhw16c: " << blocked.describe());
    CHECK(blocked.relative() < 1e-5);
  }
}

// Away from the kinks every activation is smooth; its error has two parts: truncation,
// h^2 |f'''| / 6 (|f'''| <= 1/8 for the sigmoid, 2 for tanh), and the float32 rounding of an
// output (6e-8 for values near 1) divided by 2h. Both matter where the gradient is small
// (saturated sigmoid and tanh) and the checker compares at 1% of the largest gradient: h = 1e-2
// balances them (measured: at most 6e-4 here; h = 1e-3 gave 7e-3, dominated by rounding).
TEST_CASE("activation_backward matches finite differences", "[backend][gradcheck]") {
  const GradcheckOptions step{.step = 1e-2};
  for (const ActivationCase& c : activations()) {
    for (const bool blocked : {false, true}) {
      INFO(c.name << (blocked ? ", nCdhw16c" : ", plain"));
      const Shape shape = blocked ? Shape{1, 16, 2, 3, 2} : Shape{2, 3, 3, 2, 3};
      Tensor x = activation_input(shape, 11);
      const Tensor r = random_tensor(shape, 12);
      auto input = [&](const Tensor& t) { return blocked ? blocked16(t) : t; };
      const Tensor dx = be().to_plain(be().activation_backward(input(x), input(r), c.spec));
      const auto g = gradcheck([&](const Tensor& v) { return weighted(be().activation_forward(input(v), c.spec), r); },
                               x, dx, step);
      INFO(g.describe());
      CHECK(g.largest_numeric > 0);
      CHECK(g.max_relative_error < 2e-3);
    }
  }
}

TEST_CASE("relu6 passes no gradient at either bound, relu none at 0 (oneDNN's conventions)", "[backend]") {
  // The gradient at a kink is a convention: oneDNN's clip_v2 passes it where lower < x < upper,
  // as PyTorch's hardtanh does (its older clip used lower < x <= upper). docs/BACKEND.md records
  // it for the CUDA backend to match.
  Tensor x = Tensor::empty({1, 1, 1, 1, 4});
  const float values[] = {0.0f, 6.0f, 3.0f, 7.0f};
  std::copy(values, values + 4, x.data<float>());
  Tensor dy = Tensor::empty(x.shape());
  dy.fill(1.0);
  const Tensor dx = be().to_plain(be().activation_backward(x, dy, {ActivationKind::Relu6, 0.0f}));
  CHECK(dx.data<float>()[0] == 0.0f);
  CHECK(dx.data<float>()[1] == 0.0f);
  CHECK(dx.data<float>()[2] == 1.0f);
  CHECK(dx.data<float>()[3] == 0.0f);
  // ReLU passes no gradient at exactly 0, leaky ReLU its negative slope.
  const Tensor dr = be().to_plain(be().activation_backward(x, dy, {ActivationKind::Relu, 0.0f}));
  CHECK(dr.data<float>()[0] == 0.0f);
  const Tensor dl = be().to_plain(be().activation_backward(x, dy, {ActivationKind::LeakyRelu, 0.25f}));
  CHECK(dl.data<float>()[0] == 0.25f);
}

TEST_CASE("prelu_forward matches x > 0 ? x : slope[c] * x", "[backend]") {
  for (const bool blocked : {false, true}) {
    INFO((blocked ? "nCdhw16c" : "plain"));
    const Shape shape = blocked ? Shape{2, 16, 2, 3, 2} : Shape{2, 3, 4, 3, 5};
    const Tensor x = random_tensor(shape, 21);
    const Tensor slope = random_tensor({shape[1]}, 22, 0.0f, 0.5f);
    const Tensor y = be().prelu_forward(blocked ? blocked16(x) : x, slope);
    const Difference d = compare(be().to_plain(y), naive::prelu(x, slope));
    INFO(d.describe());
    CHECK(d.relative() < 1e-6);
  }
}

// Piecewise linear: exact differences for a step below the 0.05 distance to the kink.
TEST_CASE("prelu_backward matches finite differences for x and the slope", "[backend][gradcheck]") {
  const GradcheckOptions step{.step = 1e-2};
  for (const bool blocked : {false, true}) {
    INFO((blocked ? "nCdhw16c" : "plain"));
    const Shape shape = blocked ? Shape{2, 16, 2, 2, 3} : Shape{2, 3, 3, 2, 3};
    Tensor x = random_tensor(shape, 31);
    keep_away_from(x, {0.0f}, 0.05f);
    Tensor slope = random_tensor({shape[1]}, 32, 0.0f, 0.5f);
    const Tensor r = random_tensor(shape, 33);
    auto input = [&](const Tensor& t) { return blocked ? blocked16(t) : t; };
    Tensor dslope = Tensor::empty({shape[1]});
    const Tensor dx = be().to_plain(be().prelu_backward(input(x), slope, r, dslope));
    const auto gx = gradcheck([&](const Tensor& v) { return weighted(be().prelu_forward(input(v), slope), r); }, x,
                              dx, step);
    INFO("dx: " << gx.describe());
    CHECK(gx.largest_numeric > 0);
    CHECK(gx.max_relative_error < 1e-3);
    const auto gs = gradcheck([&](const Tensor& v) { return weighted(be().prelu_forward(input(x), v), r); }, slope,
                              dslope, step);
    INFO("dslope: " << gs.describe());
    CHECK(gs.largest_numeric > 0);
    CHECK(gs.max_relative_error < 1e-3);
  }
}

TEST_CASE("prelu with one slope per channel names the mismatch", "[backend]") {
  const Tensor x = random_tensor({1, 4, 2, 2, 2}, 41);
  CHECK_THROWS_WITH(be().prelu_forward(x, random_tensor({3}, 42)),
                    Contains("the slope has shape [3] but the input [1, 4, 2, 2, 2] has 4 channels"));
}
