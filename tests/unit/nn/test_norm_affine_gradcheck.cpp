// test_norm_affine_gradcheck.cpp — fn::norm with its learnt scale and shift each present or not:
// the tape gets one gradient per input, each matching finite differences.
#include <catch2/catch.hpp>

#include <vector>

#include "tape_gradcheck.hpp"

using voxtrain::NormKind;
using voxtrain::NormSpec;
using voxtrain::Parameter;
using voxtrain::Tape;
using voxtrain::Tensor;
using voxtrain::Var;
using voxtrain::test::random_tensor;
namespace fn = voxtrain::fn;

namespace {

struct AffineCase {
  const char* name;
  bool gamma, beta;
};
constexpr AffineCase kAffine[] = {
    {"gamma and beta", true, true}, {"gamma only", true, false}, {"beta only", false, true}, {"neither", false, false}};

struct KindCase {
  const char* name;
  NormSpec spec;
  bool blocked;  // the input in a convolution's blocked layout
};

std::vector<KindCase> kinds() {
  return {{"batch", {NormKind::Batch, 1, 1e-5f, false}, false},
          {"batch, blocked", {NormKind::Batch, 1, 1e-5f, false}, true},
          {"instance", {NormKind::Instance, 1, 1e-5f, false}, false},
          {"instance, blocked", {NormKind::Instance, 1, 1e-5f, false}, true},
          {"group (4 groups)", {NormKind::Group, 4, 1e-5f, false}, false}};
}

// The step and tolerance of the backend's norm check (test_cpu_norm.cpp says why): h = 3e-2 keeps
// both the float32 noise and the h^2 term of these small statistics below 2e-3.
constexpr double kStep = 3e-2;
constexpr double kTolerance = 5e-3;

}  // namespace

TEST_CASE("fn::norm with gamma, beta, both or neither back-propagates like finite differences", "[nn][gradcheck]") {
  for (const KindCase& k : kinds()) {
    for (const AffineCase& a : kAffine) {
      INFO(k.name << ", " << a.name);
      Parameter x("x", random_tensor({2, 16, 3, 2, 3}, 201, -1.0f, 3.0f));
      Parameter gamma("gamma", random_tensor({16}, 202, 0.5f, 1.5f));
      Parameter beta("beta", random_tensor({16}, 203));
      const voxtrain::test::Graph graph = [&](Tape& tape) {
        Var xv = tape.parameter(x);
        if (k.blocked) xv = voxtrain::test::blocked(xv);
        const Var g = a.gamma ? tape.parameter(gamma) : Var{};
        const Var b = a.beta ? tape.parameter(beta) : Var{};
        return fn::norm(xv, g, b, k.spec, true, nullptr, nullptr);
      };
      const Tensor r = random_tensor({2, 16, 3, 2, 3}, 204);
      std::vector<Parameter*> params = {&x};
      if (a.gamma) params.push_back(&gamma);
      if (a.beta) params.push_back(&beta);
      voxtrain::test::backpropagate(graph, r, params);
      auto f = [&](const Tensor&) { return voxtrain::test::weighted_output(graph, r); };
      for (Parameter* p : params) {
        const auto result = voxtrain::test::gradcheck(f, p->value(), p->grad(), {.step = kStep});
        INFO(p->name() << ": " << result.describe());
        CHECK(result.largest_numeric > 0.1);
        CHECK(result.max_relative_error < kTolerance);
      }
    }
  }
}
