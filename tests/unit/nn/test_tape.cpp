// test_tape.cpp — autograd on the CPU backend: gradients through skip connections (add, concat)
// match finite differences, parameters accumulate, and the per-parameter hook fires once, when final.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "support/gradcheck.hpp"
#include "voxtrain/nn/functional.hpp"
#include "voxtrain/nn/tape.hpp"

using voxtrain::Parameter;
using voxtrain::Tape;
using voxtrain::Tensor;
using voxtrain::Var;
using voxtrain::test::gradcheck;
using voxtrain::test::random_tensor;
using voxtrain::test::weighted_sum;
namespace fn = voxtrain::fn;

namespace {

// y = concat(tanh(conv_a(x)) + x, conv_b(x)): a small graph with both kinds of skip, in which x
// is used three times. Every leaf is a Parameter so that the tape collects its gradient.
struct SkipGraph {
  Parameter x{"x", random_tensor({2, 3, 4, 5, 3}, 21)};
  Parameter wa{"wa", random_tensor({3, 3, 3, 3, 3}, 11, -0.3f, 0.3f)};
  Parameter ba{"ba", random_tensor({3}, 12)};
  Parameter wb{"wb", random_tensor({2, 3, 1, 1, 1}, 13)};
  Tensor r = random_tensor({2, 5, 4, 5, 3}, 22);  // d(loss)/dy

  Var forward(Tape& tape) {
    const voxtrain::ConvSpec same{{3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false};
    const voxtrain::ConvSpec pointwise{{1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, false};
    const Var xv = tape.parameter(x);
    const Var a = fn::conv3d(xv, tape.parameter(wa), tape.parameter(ba), same, "a");
    const Var residual = fn::add(fn::activation(a, {voxtrain::ActivationKind::Tanh, 0}), xv);
    const Var b = fn::conv3d(xv, tape.parameter(wb), Var{}, pointwise, "b");
    return fn::to_plain(fn::concat_channels({residual, b}));
  }

  double loss() {
    Tape tape(voxtrain::cpu_backend());
    tape.set_recording(false);
    return weighted_sum(forward(tape).value(), r);
  }
};

}  // namespace

TEST_CASE("gradients through add and concat skips match finite differences", "[nn][gradcheck]") {
  SkipGraph g;
  Tape tape(voxtrain::cpu_backend());
  const Var y = g.forward(tape);
  tape.backward(y, g.r);
  // A float32 forward pass has rounding noise of about 1e-6 in the loss: a step of 1e-2 keeps its
  // share of the central difference near 1e-4, while tanh's curvature error stays below that.
  voxtrain::test::GradcheckOptions options;
  options.step = 1e-2;
  for (Parameter* p : {&g.x, &g.wa, &g.ba, &g.wb}) {
    const auto result = gradcheck([&](const Tensor&) { return g.loss(); }, p->value(), p->grad(), options);
    INFO(p->name() << ": " << result.describe());
    CHECK(result.max_relative_error < 2e-3);
    CHECK(result.largest_numeric > 0.1);
  }
}

TEST_CASE("the gradient hook fires once per parameter, with the final gradient", "[nn]") {
  SkipGraph g;
  Parameter unused("unused", Tensor::zeros({4}));
  std::map<std::string, int> calls;
  std::map<std::string, Tensor> at_hook;
  Tape tape(voxtrain::cpu_backend());
  tape.on_gradient_ready([&](Parameter& p) {
    ++calls[p.name()];
    at_hook[p.name()] = p.grad().clone();
  });
  (void)tape.parameter(unused);
  const Var y = g.forward(tape);
  tape.backward(y, g.r);
  for (Parameter* p : {&g.x, &g.wa, &g.ba, &g.wb, &unused}) {
    INFO(p->name());
    CHECK(calls[p->name()] == 1);
    REQUIRE(at_hook[p->name()].defined());
    const float* a = at_hook[p->name()].data<float>();
    const float* b = p->grad().data<float>();
    for (std::int64_t i = 0; i < p->numel(); ++i) REQUIRE(a[i] == b[i]);
  }
  // x is used by three operations: its hook must come after all of them, i.e. last but the unused one.
  CHECK(calls.size() == 5);
}

TEST_CASE("gradients accumulate over backward passes until zero_grad", "[nn]") {
  SkipGraph g;
  for (int pass = 0; pass < 2; ++pass) {
    Tape tape(voxtrain::cpu_backend());
    tape.backward(g.forward(tape), g.r);
  }
  const Tensor twice = g.wa.grad().clone();
  g.wa.zero_grad();
  Tape tape(voxtrain::cpu_backend());
  tape.backward(g.forward(tape), g.r);
  for (std::int64_t i = 0; i < g.wa.numel(); ++i)
    REQUIRE(twice.data<float>()[i] == Approx(2.0f * g.wa.grad().data<float>()[i]).epsilon(1e-6));
}
