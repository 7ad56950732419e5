// test_cpu_norm.cpp — batch, instance and group normalisation against the naive loops (outputs and
// saved statistics, plain and blocked inputs), and their gradients against finite differences.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cpu_test_support.hpp"
#include "voxtrain/core/error.hpp"

using namespace voxtrain;
using namespace voxtrain::test;
using Catch::Matchers::Contains;

namespace {

using Layout = dnnl::memory::format_tag;
constexpr Layout kPlain = Layout::undef;

struct NormCase {
  std::string name;
  NormSpec spec;
  Shape x;
  Layout layout;  // of the input; kPlain for plain NCDHW
  Tensor input(const Tensor& plain) const { return layout == kPlain ? plain : in_layout(plain, layout); }
};

NormSpec batch() { return {NormKind::Batch, 1, 1e-5f}; }
NormSpec instance() { return {NormKind::Instance, 1, 1e-5f}; }
NormSpec group(int groups) { return {NormKind::Group, groups, 1e-5f}; }

std::vector<NormCase> cases() {
  return {
      {"batch, 3 channels", batch(), {2, 3, 4, 3, 5}, kPlain},
      {"batch, 16 channels, nCdhw16c", batch(), {2, 16, 3, 2, 3}, Layout::nCdhw16c},
      {"instance, 3 channels", instance(), {2, 3, 4, 3, 5}, kPlain},
      {"instance, 16 channels, nCdhw16c", instance(), {2, 16, 3, 2, 3}, Layout::nCdhw16c},
      {"instance, 16 channels, plain", instance(), {2, 16, 3, 2, 3}, kPlain},
      {"instance, 3 channels, ndhwc", instance(), {2, 3, 3, 2, 3}, Layout::ndhwc},
      // Samples interleaved in blocks of 16: no per-sample view, the loops take over.
      {"instance, 16 channels, NCdhw16n16c", instance(), {2, 16, 3, 3, 3}, Layout::NCdhw16n16c},
      {"group, 1 group", group(1), {2, 4, 3, 3, 2}, kPlain},
      {"group, 2 groups", group(2), {2, 4, 3, 3, 2}, kPlain},
      {"group, 4 groups (one per channel)", group(4), {2, 4, 3, 3, 2}, kPlain},
      {"group, 4 groups of 4, nCdhw16c", group(4), {2, 16, 2, 3, 2}, Layout::nCdhw16c},
  };
}

// Which affine parts a case is run with.
struct Affine {
  const char* name;
  bool gamma, beta;
};
constexpr Affine kAffine[] = {{"gamma and beta", true, true}, {"no affine part", false, false},
                              {"gamma only", true, false}, {"beta only", false, true}};

}  // namespace

TEST_CASE("norm_forward_training matches the naive normalisation and its statistics", "[backend]") {
  for (const NormCase& c : cases()) {
    for (const Affine& a : kAffine) {
      INFO(c.name << ", " << a.name);
      const Tensor x = random_tensor(c.x, 1, -1.0f, 3.0f);
      const Tensor gamma = random_tensor({c.x[1]}, 2, 0.5f, 1.5f), beta = random_tensor({c.x[1]}, 3);
      const Tensor* g = a.gamma ? &gamma : nullptr;
      const Tensor* b = a.beta ? &beta : nullptr;
      const naive::Norm expected = naive::norm_training(x, g, b, c.spec);

      const NormForward out = be().norm_forward_training(c.input(x), g, b, c.spec);
      const Difference dy = compare(be().to_plain(out.y), expected.y);
      INFO("y: " << dy.describe());
      CHECK(dy.relative() < 1e-5);
      REQUIRE(out.saved.mean.shape() == expected.mean.shape());
      REQUIRE(out.saved.variance.shape() == expected.variance.shape());
      const Difference dm = compare(out.saved.mean, expected.mean);
      const Difference dv = compare(out.saved.variance, expected.variance);
      INFO("mean: " << dm.describe() << "; variance: " << dv.describe());
      CHECK(dm.relative() < 1e-5);
      CHECK(dv.relative() < 1e-5);
    }
  }
}

TEST_CASE("batch and instance norm keep a blocked input's layout", "[backend]") {
  const Tensor x = blocked16(random_tensor({2, 16, 2, 3, 2}, 5));
  for (const NormSpec& spec : {batch(), instance()}) {
    const NormForward out = be().norm_forward_training(x, nullptr, nullptr, spec);
    CHECK(same_layout(out.y, x));
    CHECK(same_layout(be().norm_backward(x, out.y, nullptr, out.saved, spec).dx, x));
  }
}

TEST_CASE("batch norm inference uses the running statistics; instance and group norm their own", "[backend]") {
  const Tensor x = random_tensor({2, 3, 4, 3, 2}, 11);
  const Tensor gamma = random_tensor({3}, 12, 0.5f, 1.5f), beta = random_tensor({3}, 13);
  const NormSaved running{random_tensor({3}, 14, -0.2f, 0.2f), random_tensor({3}, 15, 0.5f, 2.0f), {}};
  for (const bool blocked : {false, true}) {
    INFO((blocked ? "blocked" : "plain") << " input");
    const Tensor in = blocked ? blocked16(x) : x;
    const Tensor y = be().norm_forward_inference(in, &gamma, &beta, running, batch());
    const Tensor expected = naive::batch_norm_inference(x, &gamma, &beta, running.mean, running.variance, 1e-5f);
    const Difference d = compare(be().to_plain(y), expected);
    INFO(d.describe());
    CHECK(d.relative() < 1e-5);

    const Tensor y0 = be().norm_forward_inference(in, nullptr, nullptr, running, batch());
    CHECK(compare(be().to_plain(y0),
                  naive::batch_norm_inference(x, nullptr, nullptr, running.mean, running.variance, 1e-5f))
              .relative() < 1e-5);

    for (const NormSpec& spec : {instance(), group(3)}) {
      const Tensor yi = be().norm_forward_inference(in, &gamma, &beta, running, spec);
      CHECK(compare(be().to_plain(yi), naive::norm_training(x, &gamma, &beta, spec).y).relative() < 1e-5);
    }
  }
}

// Normalisation is smooth but not linear, so the step trades truncation error (h^2, large when a
// statistic covers few elements: 18 for instance norm of [2, 16, 3, 2, 3]) against float32 noise
// in f (oneDNN computes the statistics in float32: every output moves by a rounding error, and
// the noise divided by 2h grew to 1e-2 at h = 1e-2 and 3e-2 at h = 3e-3, measured). At h = 3e-2
// both stay below 2e-3 for every case here; a missing or wrong term of the backward formula
// is an error of order 1e-1 to 1.
TEST_CASE("norm_backward matches finite differences for x, gamma and beta", "[backend][gradcheck]") {
  const GradcheckOptions step{.step = 3e-2};
  constexpr double tolerance = 5e-3;
  for (const NormCase& c : cases()) {
    for (const Affine& a : kAffine) {
      INFO(c.name << ", " << a.name);
      Tensor x = random_tensor(c.x, 21, -1.0f, 3.0f);
      Tensor gamma = random_tensor({c.x[1]}, 22, 0.5f, 1.5f), beta = random_tensor({c.x[1]}, 23);
      const Tensor r = random_tensor(c.x, 24);
      auto input = [&](const Tensor& t) { return c.input(t); };
      auto f = [&](const Tensor& xv, const Tensor& gv, const Tensor& bv) {
        return weighted(
            be().norm_forward_training(input(xv), a.gamma ? &gv : nullptr, a.beta ? &bv : nullptr, c.spec).y, r);
      };
      const Tensor* g = a.gamma ? &gamma : nullptr;
      const NormForward fwd = be().norm_forward_training(input(x), g, a.beta ? &beta : nullptr, c.spec);
      const NormBackward grads = be().norm_backward(input(x), be().like_layout(r, fwd.y), g, fwd.saved, c.spec);
      REQUIRE(grads.dgamma.shape() == Shape{c.x[1]});
      REQUIRE(grads.dbeta.shape() == Shape{c.x[1]});

      const auto gx = gradcheck([&](const Tensor& v) { return f(v, gamma, beta); }, x, be().to_plain(grads.dx), step);
      INFO("dx: " << gx.describe());
      CHECK(gx.largest_numeric > 0);
      CHECK(gx.max_relative_error < tolerance);
      if (a.gamma) {
        const auto gg = gradcheck([&](const Tensor& v) { return f(x, v, beta); }, gamma, grads.dgamma, step);
        INFO("dgamma: " << gg.describe());
        CHECK(gg.largest_numeric > 0);
        CHECK(gg.max_relative_error < tolerance);
      }
      if (a.beta) {
        const auto gb = gradcheck([&](const Tensor& v) { return f(x, gamma, v); }, beta, grads.dbeta, step);
        INFO("dbeta: " << gb.describe());
        CHECK(gb.largest_numeric > 0);
        CHECK(gb.max_relative_error < tolerance);
      }
    }
  }
}

TEST_CASE("norm errors name the channels and the groups", "[backend]") {
  const Tensor x = random_tensor({1, 4, 2, 2, 2}, 31);
  CHECK_THROWS_WITH(be().norm_forward_training(x, nullptr, nullptr, group(3)),
                    Contains("group norm: 4 channels cannot be split into 3 groups"));
  const Tensor wrong = random_tensor({5}, 32);
  CHECK_THROWS_WITH(be().norm_forward_training(x, &wrong, nullptr, instance()),
                    Contains("do not match the input's 4 channels"));
}
