// test_functional_gradcheck.cpp — the fn:: operations training calls, back-propagated by the tape
// (plain inputs and inputs in a convolution's blocked layout) against finite differences.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "tape_gradcheck.hpp"

using voxtrain::Parameter;
using voxtrain::Shape;
using voxtrain::Tape;
using voxtrain::Tensor;
using voxtrain::Var;
using voxtrain::test::blocked;
using voxtrain::test::Graph;
using voxtrain::test::random_tensor;
namespace fn = voxtrain::fn;

namespace {

// The operation under test, applied to x (in either layout) on the graph's tape.
using Op = std::function<Var(Tape&, Var x)>;

// Moves every element of x closer than margin to 0 out to margin (keeping its sign): a finite
// difference with a smaller step then never straddles PReLU's kink.
void keep_away_from_zero(Tensor& x, float margin) {
  float* v = x.data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i)
    if (std::abs(v[i]) < margin) v[i] = v[i] >= 0 ? v[i] + margin : v[i] - margin;
}

// The operations here are linear in each input (multiply, dropout, resample, pad) or smooth
// (softmax; PReLU away from 0), so the central difference is exact but for the float32 rounding
// of f, which noise_aware measures and discounts, and for softmax h^2/6 f''' (about 2e-5 of the
// gradient at h = 1e-2). A wrong or misrouted gradient is off by 1e-1 or more.
constexpr double kStep = 1e-2;
constexpr double kTolerance = 1e-3;

// op(x) on the tape, with x in the plain or the blocked layout.
Graph graph_of(Parameter& x, const Op& op, bool in_blocked) {
  return [&x, op, in_blocked](Tape& tape) {
    Var xv = tape.parameter(x);
    if (in_blocked) {
      xv = blocked(xv);
      REQUIRE_FALSE(xv.value().is_plain());
    }
    return op(tape, xv);
  };
}

// d(weighted_sum(op(x), r)) for x and every parameter in others, back-propagated with x plain and
// blocked. f is always evaluated on plain x: the function is the same in any layout, and oneDNN's
// blocked log-softmax rounds less exactly (its values differ from the plain ones by up to 6e-7,
// in a pattern that moves f by 1e-5 between x_i - h and x_i + h: 7e-4 in one numeric gradient).
void check_op(const Shape& x_shape, const Op& op, const std::vector<Parameter*>& others, float margin = 0) {
  for (const bool in_blocked : {false, true}) {
    INFO((in_blocked ? "blocked" : "plain") << " input");
    Parameter x("x", random_tensor(x_shape, 101));
    if (margin > 0) keep_away_from_zero(x.value(), margin);
    const Graph plain = graph_of(x, op, false);
    const Tensor r = random_tensor(voxtrain::test::output_of(plain).shape(), 102);
    std::vector<Parameter*> params = others;
    params.push_back(&x);
    voxtrain::test::backpropagate(graph_of(x, op, in_blocked), r, params);
    auto f = [&](const Tensor&) { return voxtrain::test::weighted_output(plain, r); };
    const auto options = voxtrain::test::noise_aware(f, x.value(), kStep);
    for (Parameter* p : params) {
      const auto result = voxtrain::test::gradcheck(f, p->value(), p->grad(), options);
      INFO(p->name() << ": " << result.describe());
      CHECK(result.largest_numeric > 20 * options.numeric_uncertainty);  // the check has teeth
      CHECK(result.largest_numeric > 0.1);
      CHECK(result.max_relative_error < kTolerance);
    }
  }
}

}  // namespace

TEST_CASE("fn::multiply back-propagates to both factors like finite differences", "[nn][gradcheck]") {
  Parameter b("b", random_tensor({1, 16, 3, 2, 3}, 103));
  check_op({1, 16, 3, 2, 3}, [&](Tape& t, Var x) { return fn::multiply(x, t.parameter(b)); }, {&b});
  // x times itself: the tape must add the two factors' gradients (2 x).
  check_op({1, 16, 3, 2, 3}, [](Tape&, Var x) { return fn::multiply(x, x); }, {});
}

TEST_CASE("fn::dropout back-propagates through the forward's mask", "[nn][gradcheck]") {
  const float p = 0.4f;
  const std::uint64_t seed = 1234;
  check_op({2, 16, 2, 3, 2}, [&](Tape&, Var x) { return fn::dropout(x, p, seed); }, {});
  // The mask is not trivial: some elements dropped, some kept (scaled by 1 / (1 - p)).
  Tape tape(voxtrain::cpu_backend());
  const Tensor x = random_tensor({2, 16, 2, 3, 2}, 104, 0.5f, 1.5f);
  const Tensor y = fn::to_plain(fn::dropout(tape.input(x), p, seed)).value();
  std::int64_t dropped = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) dropped += y.data<float>()[i] == 0.0f ? 1 : 0;
  CHECK(dropped > y.numel() / 5);
  CHECK(dropped < y.numel() * 3 / 5);
}

TEST_CASE("fn::resample back-propagates like finite differences, trilinear and nearest", "[nn][gradcheck]") {
  for (const auto kind : {voxtrain::ResampleKind::Trilinear, voxtrain::ResampleKind::Nearest}) {
    INFO((kind == voxtrain::ResampleKind::Trilinear ? "trilinear" : "nearest"));
    // Up in D and W, down in H.
    check_op({1, 16, 3, 4, 2}, [&](Tape&, Var x) { return fn::resample(x, {1, 16, 5, 3, 4}, kind); }, {});
  }
}

TEST_CASE("fn::softmax_channels back-propagates like finite differences, softmax and log-softmax", "[nn][gradcheck]") {
  for (const bool log : {false, true}) {
    INFO((log ? "log-softmax" : "softmax"));
    check_op({2, 16, 2, 2, 3}, [&](Tape&, Var x) { return fn::softmax_channels(x, log); }, {});
  }
}

TEST_CASE("fn::prelu back-propagates to the input and the slopes like finite differences", "[nn][gradcheck]") {
  Parameter slope("slope", random_tensor({16}, 105, 0.05f, 0.5f));
  // Every element at least 0.05 from the kink, five steps.
  check_op(
      {1, 16, 3, 2, 3}, [&](Tape& t, Var x) { return fn::prelu(x, t.parameter(slope)); }, {&slope}, 5e-2f);
}

TEST_CASE("fn::pad_channels in a widening residual back-propagates like finite differences", "[nn][gradcheck]") {
  // HighRes3DNet's block: y = f(x) + x padded with zero channels up to f(x)'s width.
  Parameter other("other", random_tensor({1, 32, 2, 3, 2}, 106));
  check_op({1, 16, 2, 3, 2}, [&](Tape& t, Var x) { return fn::add(t.parameter(other), fn::pad_channels(x, 32)); },
           {&other});
}
