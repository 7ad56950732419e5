// test_cpu_channels_elementwise.cpp — concatenation along channels and its inverse across layouts,
// add, multiply and scale against plain loops, and dropout's mask: reproducible, scaled, about p.
#include <catch2/catch.hpp>

#include <cmath>
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

Tensor with_layout(const Tensor& x, Layout layout) { return layout == kPlain ? x : in_layout(x, layout); }

struct ConcatCase {
  std::string name;
  std::vector<std::int64_t> channels;
  std::vector<Layout> layouts;
};

std::vector<ConcatCase> concats() {
  return {
      {"16 + 16, both nCdhw16c", {16, 16}, {Layout::nCdhw16c, Layout::nCdhw16c}},
      {"16 + 16, nCdhw16c and plain", {16, 16}, {Layout::nCdhw16c, kPlain}},
      {"16 + 16, both plain", {16, 16}, {kPlain, kPlain}},
      {"3 + 5, both plain", {3, 5}, {kPlain, kPlain}},
      {"3 + 5, both nCdhw16c (padded blocks)", {3, 5}, {Layout::nCdhw16c, Layout::nCdhw16c}},
      {"3 + 5, plain and nCdhw16c", {3, 5}, {kPlain, Layout::nCdhw16c}},
      {"16 + 3 + 5, nCdhw16c, ndhwc and plain", {16, 3, 5}, {Layout::nCdhw16c, Layout::ndhwc, kPlain}},
  };
}

}  // namespace

TEST_CASE("concat_channels matches the naive concatenation for plain, blocked and mixed inputs", "[backend]") {
  for (const ConcatCase& c : concats()) {
    INFO(c.name);
    std::vector<Tensor> plain, inputs;
    for (std::size_t i = 0; i < c.channels.size(); ++i) {
      plain.push_back(random_tensor({2, c.channels[i], 3, 2, 3}, static_cast<unsigned>(i + 1)));
      inputs.push_back(with_layout(plain.back(), c.layouts[i]));
    }
    const Tensor y = be().concat_channels(inputs);
    const Tensor expected = naive::concat_channels(plain);
    REQUIRE(y.shape() == expected.shape());
    CHECK(compare(be().to_plain(y), expected).max_abs == 0);
  }
}

TEST_CASE("split_channels inverts concat and hands pieces back in the layouts of like", "[backend]") {
  for (const ConcatCase& c : concats()) {
    INFO(c.name);
    std::vector<Tensor> like;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < c.channels.size(); ++i) {
      like.push_back(with_layout(random_tensor({2, c.channels[i], 3, 2, 3}, 10), c.layouts[i]));
      total += c.channels[i];
    }
    const Tensor dy_plain = random_tensor({2, total, 3, 2, 3}, 11);
    for (const Layout dy_layout : {kPlain, Layout::nCdhw16c}) {
      INFO("dy " << (dy_layout == kPlain ? "plain" : "nCdhw16c"));
      const std::vector<Tensor> pieces = be().split_channels(with_layout(dy_plain, dy_layout), like);
      REQUIRE(pieces.size() == like.size());
      for (std::size_t i = 0; i < pieces.size(); ++i) {
        INFO("piece " << i);
        CHECK(same_layout(pieces[i], like[i]));
      }
      std::vector<Tensor> plain_pieces;
      for (const Tensor& p : pieces) plain_pieces.push_back(be().to_plain(p));
      CHECK(compare(naive::concat_channels(plain_pieces), dy_plain).max_abs == 0);
    }
  }
}

TEST_CASE("concat of inputs with different spatial sizes says to check the input size", "[backend]") {
  const std::vector<Tensor> xs{random_tensor({1, 2, 4, 4, 4}, 21), random_tensor({1, 3, 4, 4, 2}, 22)};
  CHECK_THROWS_WITH(be().concat_channels(xs),
                    Contains("concat: inputs [1, 2, 4, 4, 4] and [1, 3, 4, 4, 2] differ in more than their channels"));
}

TEST_CASE("add, multiply and scale compute element by element in any layout", "[backend]") {
  const Shape shape{2, 16, 3, 2, 3};
  const Tensor a = random_tensor(shape, 31), b = random_tensor(shape, 32);
  Tensor sum = Tensor::empty(shape), product = Tensor::empty(shape), scaled = Tensor::empty(shape);
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.data<float>()[i], y = b.data<float>()[i];
    sum.data<float>()[i] = static_cast<float>(x + y);
    product.data<float>()[i] = static_cast<float>(x * y);
    scaled.data<float>()[i] = static_cast<float>(x * -2.5);
  }
  const Layout layouts[] = {kPlain, Layout::nCdhw16c, Layout::ndhwc};
  for (const Layout la : layouts) {
    for (const Layout lb : layouts) {
      INFO("a " << static_cast<int>(la) << ", b " << static_cast<int>(lb));
      const Tensor ta = with_layout(a, la), tb = with_layout(b, lb);
      const Tensor s = be().add(ta, tb);
      CHECK(same_layout(s, ta));  // the result takes a's layout
      CHECK(compare(be().to_plain(s), sum).max_abs == 0);
      const Tensor p = be().multiply(ta, tb);
      CHECK(same_layout(p, ta));
      CHECK(compare(be().to_plain(p), product).max_abs == 0);
    }
    const Tensor sc = cpu_be().scale(with_layout(a, la), -2.5f);
    CHECK(same_layout(sc, with_layout(a, la)));
    CHECK(compare(be().to_plain(sc), scaled).max_abs == 0);
  }
  CHECK_THROWS_WITH(be().add(a, random_tensor({2, 16, 3, 2, 2}, 33)),
                    Contains("add: the operands have different shapes"));
  CHECK_THROWS_WITH(be().multiply(a, random_tensor({2, 16, 3, 2, 2}, 34)),
                    Contains("multiply: the operands have different shapes"));
}

TEST_CASE("scale takes its factor as data: a new factor creates no primitive", "[backend]") {
  const Tensor x = blocked16(random_tensor({1, 16, 3, 3, 3}, 35));
  const Tensor plain = be().to_plain(cpu_be().scale(x, 0.5f));
  const std::int64_t before = primitives_created();
  for (int i = 1; i <= 5; ++i) {
    const float factor = 1.0f / static_cast<float>(i);
    const Tensor y = be().to_plain(cpu_be().scale(x, factor));
    CHECK(y.data<float>()[7] == plain.data<float>()[7] / 0.5f * factor);
  }
  CHECK(primitives_created() == before);
}

TEST_CASE("dropout: the mask depends on the seed and the element only", "[backend]") {
  const Shape shape{2, 16, 8, 8, 8};
  Tensor x = random_tensor(shape, 41, 0.5f, 1.5f);  // no zeros, so a zero output means dropped
  const float p = 0.3f;
  const Tensor y1 = be().to_plain(be().dropout(x, p, 7));
  const Tensor y2 = be().to_plain(be().dropout(x, p, 7));
  const Tensor y3 = be().to_plain(be().dropout(x, p, 8));
  CHECK(compare(y1, y2).max_abs == 0);  // same seed, same mask

  std::int64_t dropped = 0, differ = 0, badly_scaled = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const float in = x.data<float>()[i], out = y1.data<float>()[i];
    if (out == 0.0f)
      ++dropped;
    else if (std::abs(out - in / (1.0f - p)) > 1e-6f * std::abs(out))
      ++badly_scaled;
    if ((out == 0.0f) != (y3.data<float>()[i] == 0.0f)) ++differ;
  }
  const double n = static_cast<double>(x.numel());
  CHECK(badly_scaled == 0);  // every kept value is scaled by 1 / (1 - p)
  // 32768 Bernoulli(0.3) draws: standard deviation 0.0025 of the fraction.
  CHECK(std::abs(static_cast<double>(dropped) / n - p) < 0.01);
  // Two independent masks disagree on 2 p (1 - p) = 42% of the elements.
  CHECK(std::abs(static_cast<double>(differ) / n - 2 * p * (1 - p)) < 0.02);

  // The element's position, not its place in memory: a blocked copy of x drops the same elements.
  const Tensor yb = be().dropout(blocked16(x), p, 7);
  CHECK(same_layout(yb, blocked16(x)));
  CHECK(compare(be().to_plain(yb), y1).max_abs == 0);

  CHECK(compare(be().to_plain(be().dropout(x, 0.0f, 7)), x).max_abs == 0);
  CHECK_THROWS_WITH(be().dropout(x, 1.0f, 7), Contains("must be in [0, 1)"));
}

// Dropout is linear with a fixed mask, so its backward pass is dropout of dy with the same seed
// (the same elements zeroed, the rest scaled by 1 / (1 - p)). Exact differences: h = 1e-1.
TEST_CASE("dropout of dy with the forward's seed is dropout's gradient", "[backend][gradcheck]") {
  Tensor x = random_tensor({2, 3, 4, 3, 2}, 51);
  const Tensor r = random_tensor(x.shape(), 52);
  const float p = 0.4f;
  for (const bool blocked : {false, true}) {
    INFO((blocked ? "nCdhw16c" : "plain"));
    auto input = [&](const Tensor& t) { return blocked ? blocked16(t) : t; };
    const Tensor dx = be().to_plain(be().dropout(input(r), p, 99));
    const auto g = gradcheck([&](const Tensor& v) { return weighted(be().dropout(input(v), p, 99), r); }, x, dx,
                             {.step = 1e-1});
    INFO(g.describe());
    CHECK(g.largest_numeric > 0);
    CHECK(g.max_relative_error < 1e-4);
  }
}
