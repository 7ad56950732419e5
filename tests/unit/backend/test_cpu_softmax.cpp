// test_cpu_softmax.cpp — softmax and log-softmax over channels against the naive loops, their
// backward passes against finite differences.
#include <catch2/catch.hpp>

#include <cmath>

#include "cpu_test_support.hpp"
#include "voxtrain/core/error.hpp"

using namespace voxtrain;
using namespace voxtrain::test;

namespace {

const char* softmax_name(bool log) { return log ? "log-softmax" : "softmax"; }

}  // namespace

TEST_CASE("softmax_channels matches the naive softmax over channels", "[backend]") {
  for (const bool log : {false, true}) {
    for (const Shape& shape : {Shape{2, 4, 3, 2, 3}, Shape{2, 16, 2, 3, 2}, Shape{3, 5}}) {
      INFO(softmax_name(log) << " of " << shape.to_string());
      const Tensor x = random_tensor(shape, 1, -4.0f, 4.0f);
      const Tensor expected = naive::softmax_channels(x, log);
      const Difference plain = compare(be().to_plain(be().softmax_channels(x, log)), expected);
      INFO("plain: " << plain.describe());
      CHECK(plain.relative() < 1e-5);
      if (shape.rank() == 5) {
        const Tensor y = be().softmax_channels(blocked16(x), log);
        CHECK(same_layout(y, blocked16(x)));
        const Difference blocked = compare(be().to_plain(y), expected);
        INFO("nCdhw16c: " << blocked.describe());
        CHECK(blocked.relative() < 1e-5);
      }
    }
  }
}

// Smooth, so h trades truncation (h^2) against the float32 rounding of the C outputs one input
// moves (oneDNN's vectorised exp is good to a few ulp), divided by 2h. Measured: at most 4e-3 at
// h = 3e-3 and 1.6e-3 at 3e-2, 1.8e-3 at h = 1e-2 (log-softmax over 16 blocked channels);
// a wrong backward formula is off by the size of the gradient itself.
TEST_CASE("softmax_channels_backward matches finite differences", "[backend][gradcheck]") {
  const GradcheckOptions step{.step = 1e-2};
  for (const bool log : {false, true}) {
    for (const bool blocked : {false, true}) {
      INFO(softmax_name(log) << (blocked ? ", nCdhw16c" : ", plain"));
      const Shape shape = blocked ? Shape{1, 16, 2, 2, 3} : Shape{2, 4, 3, 2, 3};
      auto input = [&](const Tensor& t) { return blocked ? blocked16(t) : t; };
      Tensor x = random_tensor(shape, 11, -2.0f, 2.0f);
      const Tensor r = random_tensor(shape, 12);
      const Tensor y = be().softmax_channels(input(x), log);
      const Tensor dx = be().to_plain(be().softmax_channels_backward(y, r, log));
      const auto g =
          gradcheck([&](const Tensor& v) { return weighted(be().softmax_channels(input(v), log), r); }, x, dx, step);
      INFO(g.describe());
      CHECK(g.largest_numeric > 0);
      CHECK(g.max_relative_error < 5e-3);
    }
  }
}
