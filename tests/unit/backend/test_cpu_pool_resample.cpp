// test_cpu_pool_resample.cpp — max and average pooling, nearest and trilinear resampling against the
// naive loops (plain and blocked inputs) and their backward passes against finite differences.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cpu_test_support.hpp"
#include "voxtrain/core/error.hpp"

using namespace voxtrain;
using namespace voxtrain::test;
using Catch::Matchers::Contains;

namespace {

struct PoolCase {
  std::string name;
  PoolSpec spec;
};

std::vector<PoolCase> pools() {
  const Triple k2{2, 2, 2}, k3{3, 3, 3}, one{1, 1, 1}, zero{0, 0, 0};
  return {
      {"max 2x2x2 stride 2", {PoolKind::Max, k2, k2, zero}},
      {"average 2x2x2 stride 2", {PoolKind::Average, k2, k2, zero}},
      {"max 3x3x3 stride 1 padding 1", {PoolKind::Max, k3, one, one}},
      {"average 3x3x3 stride 1 padding 1 (padding excluded)", {PoolKind::Average, k3, one, one}},
  };
}

struct ResampleCase {
  std::string name;
  Shape x, y;
};

std::vector<ResampleCase> resamplings() {
  return {
      {"x2 upsampling", {2, 3, 3, 4, 2}, {2, 3, 6, 8, 4}},
      {"non-integer factors 5/3, 7/4, 8/5", {1, 3, 3, 4, 5}, {1, 3, 5, 7, 8}},
      {"downsampling 6->4, 5->3, 4->3", {1, 2, 6, 5, 4}, {1, 2, 4, 3, 3}},
      {"x2 upsampling, 16 channels", {1, 16, 2, 3, 2}, {1, 16, 4, 6, 4}},
  };
}

const char* kind_name(ResampleKind kind) { return kind == ResampleKind::Nearest ? "nearest" : "trilinear"; }

}  // namespace

TEST_CASE("pool_forward matches the naive pooling for plain and blocked inputs", "[backend]") {
  for (const PoolCase& c : pools()) {
    for (const bool blocked : {false, true}) {
      INFO(c.name << (blocked ? ", nCdhw16c" : ", plain"));
      // Odd extents: 2x2x2 windows at stride 2 drop the last plane.
      const Shape shape = blocked ? Shape{1, 16, 5, 4, 3} : Shape{2, 3, 5, 4, 7};
      const Tensor x = random_tensor(shape, 1);
      const Tensor in = blocked ? blocked16(x) : x;
      const Tensor expected = naive::pool(x, c.spec);
      for (const bool training : {true, false}) {
        const auto out = be().pool_forward(in, c.spec, training);
        REQUIRE(out.y.shape() == expected.shape());
        const Difference d = compare(be().to_plain(out.y), expected);
        INFO((training ? "training: " : "inference: ") << d.describe());
        CHECK(d.relative() < 1e-6);
      }
    }
  }
}

// Average pooling is linear: the differences are exact but for the float32 rounding of the up to
// 27 outputs an input feeds, divided by 2h (up to 2.6e-3 of the checker's floor at h = 1e-2,
// measured), so h = 1e-1. Max pooling is linear as long as no window's maximum changes hands: the inputs are distinct
// multiples of 0.02 and h = 1e-3 is far below the gap.
TEST_CASE("pool_backward matches finite differences", "[backend][gradcheck]") {
  for (const PoolCase& c : pools()) {
    for (const bool blocked : {false, true}) {
      INFO(c.name << (blocked ? ", nCdhw16c" : ", plain"));
      const Shape shape = blocked ? Shape{1, 16, 3, 4, 3} : Shape{2, 3, 5, 4, 3};
      Tensor x = c.spec.kind == PoolKind::Max ? distinct_values(shape, 11, 0.02f) : random_tensor(shape, 11);
      auto input = [&](const Tensor& t) { return blocked ? blocked16(t) : t; };
      const auto forward = be().pool_forward(input(x), c.spec, true);
      const Tensor r = random_tensor(forward.y.shape(), 12);
      const Tensor dx = be().to_plain(be().pool_backward(r, shape, c.spec, forward));
      const GradcheckOptions step{.step = c.spec.kind == PoolKind::Max ? 1e-3 : 1e-1};
      const auto g = gradcheck(
          [&](const Tensor& v) { return weighted(be().pool_forward(input(v), c.spec, true).y, r); }, x, dx, step);
      INFO(g.describe());
      CHECK(g.largest_numeric > 0);
      CHECK(g.max_relative_error < 1e-3);
    }
  }
}

TEST_CASE("pooling errors say what to change", "[backend]") {
  const PoolSpec max2{PoolKind::Max, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}};
  // One plane cannot hold a 2-wide window, although (1 - 2) / 2 + 1 rounds to 1.
  CHECK_THROWS_WITH(be().pool_forward(random_tensor({1, 1, 1, 4, 4}, 21), max2, true),
                    Contains("smaller than the pooling window 2x2x2"));
  const auto inference = be().pool_forward(random_tensor({1, 1, 4, 4, 4}, 22), max2, false);
  CHECK_THROWS_WITH(be().pool_backward(random_tensor({1, 1, 2, 2, 2}, 23), {1, 1, 4, 4, 4}, max2, inference),
                    Contains("training"));
}

TEST_CASE("resample_forward matches half-pixel nearest and trilinear interpolation", "[backend]") {
  for (const ResampleCase& c : resamplings()) {
    for (const ResampleKind kind : {ResampleKind::Nearest, ResampleKind::Trilinear}) {
      INFO(c.name << ", " << kind_name(kind));
      const Tensor x = random_tensor(c.x, 1);
      const Tensor expected = naive::resample(x, c.y, kind);
      const Difference plain = compare(be().to_plain(be().resample_forward(x, c.y, kind)), expected);
      INFO("plain: " << plain.describe());
      CHECK(plain.relative() < 1e-5);
      const Difference blocked = compare(be().to_plain(be().resample_forward(blocked16(x), c.y, kind)), expected);
      INFO("nCdhw16c: " << blocked.describe());
      CHECK(blocked.relative() < 1e-5);
    }
  }
}

TEST_CASE("trilinear x2 upsampling has PyTorch's align_corners=False weights", "[backend]") {
  // A ramp 0, 1, 2 along W upsampled to 6: coordinates (o + 0.5) / 2 - 0.5 clamped to [0, 2].
  Tensor x = Tensor::empty({1, 1, 1, 1, 3});
  for (int i = 0; i < 3; ++i) x.data<float>()[i] = static_cast<float>(i);
  const Tensor y = be().to_plain(be().resample_forward(x, {1, 1, 2, 2, 6}, ResampleKind::Trilinear));
  const float expected[] = {0.0f, 0.25f, 0.75f, 1.25f, 1.75f, 2.0f};
  for (int i = 0; i < 6; ++i) CHECK(y.data<float>()[i] == Approx(expected[i]).margin(1e-6));
  const Tensor n = be().to_plain(be().resample_forward(x, {1, 1, 1, 1, 6}, ResampleKind::Nearest));
  const float nearest[] = {0.0f, 0.0f, 1.0f, 1.0f, 2.0f, 2.0f};
  for (int i = 0; i < 6; ++i) CHECK(n.data<float>()[i] == nearest[i]);
}

// Resampling is linear in x: exact differences, h = 1e-2 keeps float rounding near 1e-5.
TEST_CASE("resample_backward matches finite differences", "[backend][gradcheck]") {
  const GradcheckOptions step{.step = 1e-2};
  for (const ResampleCase& c : resamplings()) {
    for (const ResampleKind kind : {ResampleKind::Nearest, ResampleKind::Trilinear}) {
      INFO(c.name << ", " << kind_name(kind));
      const bool blocked = c.x[1] == 16;
      auto input = [&](const Tensor& t) { return blocked ? blocked16(t) : t; };
      Tensor x = random_tensor(c.x, 31);
      const Tensor r = random_tensor(c.y, 32);
      const Tensor dx = be().to_plain(be().resample_backward(input(r), c.x, kind));
      const auto g =
          gradcheck([&](const Tensor& v) { return weighted(be().resample_forward(input(v), c.y, kind), r); }, x, dx, step);
      INFO(g.describe());
      CHECK(g.largest_numeric > 0);
      CHECK(g.max_relative_error < 1e-3);
    }
  }
}

TEST_CASE("resampling may change only the spatial extents", "[backend]") {
  const Tensor x = random_tensor({1, 2, 2, 2, 2}, 41);
  CHECK_THROWS_WITH(be().resample_forward(x, {1, 3, 4, 4, 4}, ResampleKind::Nearest),
                    Contains("cannot resample [1, 2, 2, 2, 2] to [1, 3, 4, 4, 4]: only the spatial extents may change"));
  CHECK_THROWS_WITH(be().resample_forward(x, {2, 2, 4, 4, 4}, ResampleKind::Trilinear),
                    Contains("only the spatial extents may change"));
  CHECK_THROWS_WITH(be().resample_backward(random_tensor({1, 2, 4, 4, 4}, 42), {2, 2, 2, 2, 2}, ResampleKind::Nearest),
                    Contains("only the spatial extents may change"));
}
