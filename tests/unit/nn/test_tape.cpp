// test_tape.cpp — autograd on the CPU backend: gradients through skip connections (add, concat)
// match finite differences, parameters accumulate, and the per-parameter hook fires once, when final.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "support/reference/gradcheck.hpp"
#include "voxtrain/nn/functional.hpp"
#include "voxtrain/nn/module.hpp"
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

// y = w * x1 + w * (w * x2): a module that records its one weight three times on the tape
// (tape.parameter(w) per use), as a layer reused in one forward pass does.
class SharedWeight final : public voxtrain::Module {
 public:
  SharedWeight() : Module("shared"), w_(add_parameter("w", random_tensor({1, 2, 3, 2, 2}, 31))) {}
  Tensor x1 = random_tensor({1, 2, 3, 2, 2}, 32);
  Tensor x2 = random_tensor({1, 2, 3, 2, 2}, 33);
  Parameter& w() { return w_; }

  // x: x1, on the tape to record onto.
  Var forward(Var x) override {
    Tape& tape = *x.tape;
    const Var first = fn::multiply(tape.parameter(w_), x);
    const Var inner = fn::multiply(tape.parameter(w_), tape.input(x2));
    const Var second = fn::multiply(tape.parameter(w_), inner);
    return fn::add(first, second);
  }

 private:
  Parameter& w_;
};

}  // namespace

TEST_CASE("a parameter recorded several times fires the hook once, with its complete gradient", "[nn]") {
  SharedWeight m;
  const Tensor r = random_tensor({1, 2, 3, 2, 2}, 34);  // d(loss)/dy
  int calls = 0;
  Tensor at_hook;
  Tape tape(voxtrain::cpu_backend());
  tape.on_gradient_ready([&](Parameter& p) {
    if (++calls == 1) at_hook = p.grad().clone();  // the first call's gradient must be the whole
  });
  tape.backward(m.forward(tape.input(m.x1)), r);
  CHECK(calls == 1);
  REQUIRE(at_hook.defined());
  // dy/dw = x1 + 2 w x2 element-wise, worked by hand; the gradient at the hook is the whole of it.
  const float* w = m.w().value().data<float>();
  const float* x1 = m.x1.data<float>();
  const float* x2 = m.x2.data<float>();
  const float* rv = r.data<float>();
  for (std::int64_t i = 0; i < m.w().numel(); ++i) {
    const double expected = rv[i] * (x1[i] + 2.0 * w[i] * x2[i]);
    REQUIRE(at_hook.data<float>()[i] == Approx(expected).epsilon(1e-5).margin(1e-7));
    REQUIRE(m.w().grad().data<float>()[i] == at_hook.data<float>()[i]);
  }
  // And against finite differences of the recorded graph itself.
  const auto result = gradcheck(
      [&](const Tensor&) {
        Tape off(voxtrain::cpu_backend());
        off.set_recording(false);
        return weighted_sum(m.forward(off.input(m.x1)).value(), r);
      },
      m.w().value(), m.w().grad());
  INFO(result.describe());
  CHECK(result.max_relative_error < 2e-3);
}

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
