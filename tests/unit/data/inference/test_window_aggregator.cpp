// test_window_aggregator.cpp — aggregation against NiftyNet's derived 1-D vectors, hand-computed
// averages and Gaussian weights, exact reassembly of random volumes, a naive argmax, border filling,
// independence from batching and order, and the window_seg_ file with inferred.csv.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/inference/grid_sampler.hpp"
#include "voxtrain/data/inference/window_aggregator.hpp"

#include "support/test_files.hpp"

using voxtrain::AggregatedOutput;
using voxtrain::AggregationSettings;
using voxtrain::make_tiling_plan;
using voxtrain::PatchLocation;
using voxtrain::Shape;
using voxtrain::Tensor;
using voxtrain::TilingPlan;
using voxtrain::WindowAggregator;
using voxtrain::Weighting;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

// Windows [N, 1, 1, 1, w] along i whose every voxel holds the window's emission index.
Tensor index_windows(std::int64_t n, std::int64_t w) {
  Tensor t = Tensor::empty({n, 1, 1, 1, w});
  for (std::int64_t e = 0; e < t.numel(); ++e) t.data<float>()[e] = static_cast<float>(e / w);
  return t;
}

std::vector<float> values(const Tensor& t) { return {t.data<float>(), t.data<float>() + t.numel()}; }

// Windows [N, C, d, h, w] of independent uniform values, keyed by (tag, window, element).
Tensor random_windows(std::uint64_t tag, std::int64_t n, std::int64_t c, std::array<std::int64_t, 3> w) {
  Tensor t = Tensor::empty({n, c, w[2], w[1], w[0]});
  const std::uint64_t key = voxtrain::random_key({tag});
  for (std::int64_t e = 0; e < t.numel(); ++e)
    t.data<float>()[e] = static_cast<float>(voxtrain::uniform01(key, static_cast<std::uint64_t>(e)));
  return t;
}

// Windows [first, last) of a [N, ...] tensor, as a new tensor.
Tensor slice(const Tensor& all, std::int64_t first, std::int64_t last) {
  const std::int64_t per = all.numel() / all.shape()[0];
  const Shape& s = all.shape();
  Tensor t = Tensor::empty({last - first, s[1], s[2], s[3], s[4]});
  std::memcpy(t.data<float>(), all.data<float>() + first * per, static_cast<std::size_t>((last - first) * per) * 4);
  return t;
}

enum class Made { FromPlan, FromImageSize };

// Feeds windows order[0], order[1], ... (plan indices), grouped in batches of batch_size, to an
// aggregator made from the plan (sums in plan order) or from the image size (sums as they come).
Tensor aggregate(const TilingPlan& plan, const Tensor& windows, const std::vector<std::int64_t>& order,
                 std::int64_t batch_size, const AggregationSettings& settings, Made made = Made::FromPlan) {
  WindowAggregator agg = made == Made::FromPlan ? WindowAggregator(plan, windows.shape()[1], settings)
                                                : WindowAggregator(plan.image_size, windows.shape()[1], settings);
  for (std::size_t b = 0; b < order.size(); b += static_cast<std::size_t>(batch_size)) {
    const std::size_t e = std::min(order.size(), b + static_cast<std::size_t>(batch_size));
    std::vector<PatchLocation> where;
    std::vector<Tensor> parts;
    for (std::size_t n = b; n < e; ++n) {
      where.push_back(plan.location(order[n]));
      parts.push_back(slice(windows, order[n], order[n] + 1));
    }
    const std::int64_t per = windows.numel() / windows.shape()[0];
    const Shape& s = windows.shape();
    Tensor batch = Tensor::empty({static_cast<std::int64_t>(e - b), s[1], s[2], s[3], s[4]});
    for (std::size_t p = 0; p < parts.size(); ++p)
      std::memcpy(batch.data<float>() + static_cast<std::int64_t>(p) * per, parts[p].data<float>(),
                  static_cast<std::size_t>(per) * 4);
    agg.add(batch, where);
  }
  return agg.finish();
}

std::vector<std::int64_t> in_order(std::int64_t n) {
  std::vector<std::int64_t> o(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) o[static_cast<std::size_t>(i)] = i;
  return o;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

}  // namespace

TEST_CASE("aggregator: NiftyNet's derived 1-D vectors (cropped windows do not overlap)", "[data]") {
  SECTION("len 10, window 4, border 1, fill 0.5731") {
    const TilingPlan plan = make_tiling_plan({10, 1, 1}, {4, 1, 1}, {1, 1, 1});
    REQUIRE(plan.starts[0] == std::vector<std::int64_t>{0, 2, 4, 6});
    AggregationSettings s;
    s.border = {1, 1, 1};
    s.fill_constant = 0.5731;
    s.output = AggregatedOutput::Raw;
    WindowAggregator agg(plan.image_size, 1, s);
    agg.add(index_windows(4, 4), plan.locations());
    const float f = 0.5731f;
    CHECK(values(agg.finish()) == std::vector<float>{f, 0, 0, 1, 1, 2, 2, 3, 3, f});
  }
  SECTION("len 10, input window 6, network output 2 (valid convolutions), border 2, fill -1") {
    const TilingPlan plan = make_tiling_plan({10, 1, 1}, {6, 1, 1}, {2, 0, 0});
    REQUIRE(plan.starts[0] == std::vector<std::int64_t>{0, 2, 4});
    AggregationSettings s;
    s.border = {2, 2, 2};
    s.fill_constant = -1;
    s.output = AggregatedOutput::Raw;
    WindowAggregator agg(plan.image_size, 1, s);
    agg.add(index_windows(3, 2), plan.locations());
    CHECK(values(agg.finish()) == std::vector<float>{-1, -1, 0, 0, 1, 1, 2, 2, -1, -1});
  }
}

TEST_CASE("aggregator: border 0, overlapping windows are averaged (NiftyNet writes the last one)", "[data]") {
  // Starts [0, 4, 6]: voxels 6 and 7 lie in windows 1 and 2, so they hold (1 + 2) / 2 = 1.5 where
  // NiftyNet's last-write-wins gives [0, 0, 0, 0, 1, 1, 2, 2, 2, 2].
  const TilingPlan plan = make_tiling_plan({10, 1, 1}, {4, 1, 1}, {0, 0, 0});
  REQUIRE(plan.starts[0] == std::vector<std::int64_t>{0, 4, 6});
  AggregationSettings s;
  s.output = AggregatedOutput::Raw;
  WindowAggregator agg(plan.image_size, 1, s);
  agg.add(index_windows(3, 4), plan.locations());
  CHECK(values(agg.finish()) == std::vector<float>{0, 0, 0, 0, 1, 1, 1.5f, 1.5f, 2, 2});
  CHECK(agg.windows_added() == 3);
}

TEST_CASE("aggregator: Gaussian weights equal exp(-z^2/2) per axis, multiplied across axes", "[data]") {
  // Image 6x6x1, windows 4x4x1 at (0,0) with value a and (2,2) with value b, sigma 0.125 x 4 = 0.5
  // voxels, centre 1.5: along an axis the weights are e^-4.5, e^-0.5, e^-0.5, e^-4.5.
  AggregationSettings s;
  s.weighting = Weighting::Gaussian;
  s.output = AggregatedOutput::Raw;
  WindowAggregator agg({6, 6, 1}, 1, s);
  const float a = 0.25f, b = 0.75f;
  Tensor w = Tensor::empty({2, 1, 1, 4, 4});
  std::fill(w.data<float>(), w.data<float>() + 16, a);
  std::fill(w.data<float>() + 16, w.data<float>() + 32, b);
  agg.add(w, {PatchLocation{0, {0, 0, 0}, {4, 4, 1}}, PatchLocation{0, {2, 2, 0}, {6, 6, 1}}});
  const std::vector<float> out = values(agg.finish());
  auto at = [&](int i, int j) { return out[static_cast<std::size_t>(j * 6 + i)]; };
  const double near = std::exp(-0.5), far = std::exp(-4.5);
  // (2, 2): window A at offset (2, 2) -> e^-0.5 * e^-0.5; window B at (0, 0) -> e^-4.5 * e^-4.5.
  const double wa = near * near, wb = far * far;
  CHECK(at(2, 2) == static_cast<float>((wa * a + wb * b) / (wa + wb)));
  CHECK(at(2, 2) == Approx(0.25 + 0.5 * std::exp(-8.0) / (1 + std::exp(-8.0))).epsilon(1e-6));
  // (3, 2): A at (3, 2) -> e^-4.5 * e^-0.5; B at (1, 0) -> e^-0.5 * e^-4.5: equal weights.
  CHECK(at(3, 2) == 0.5f);
  // (1, 1): only A -> a; (5, 5): only B -> b; (0, 5) and (5, 0): no window -> fill 0.
  CHECK(at(1, 1) == a);
  CHECK(at(5, 5) == b);
  CHECK(at(0, 5) == 0.0f);
  CHECK(at(5, 0) == 0.0f);
}

TEST_CASE("aggregator: a random volume is reassembled exactly from its own windows", "[data]") {
  const std::uint64_t key = voxtrain::random_key({77, voxtrain::hash_name("aggregator identity")});
  std::uint64_t draw = 0;
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(voxtrain::uniform01(key, draw++) * static_cast<double>(hi - lo + 1));
  };
  int failures = 0;
  for (int c = 0; c < 60; ++c) {
    voxtrain::Subject subject;
    std::array<std::int64_t, 3> size{}, window{}, border{};
    for (int a = 0; a < 3; ++a) {
      size[a] = pick(1, 11);
      window[a] = pick(1, size[a]);
      border[a] = pick(0, (window[a] - 1) / 2);
    }
    subject.image = random_windows(1000 + static_cast<std::uint64_t>(c), 1, 2, size).reshaped({2, size[2], size[1], size[0]});
    const TilingPlan plan = make_tiling_plan(size, window, border, c);
    AggregationSettings s;
    s.border = border;
    s.fill_constant = -7;
    s.output = AggregatedOutput::Raw;
    s.weighting = c % 2 == 0 ? Weighting::Uniform : Weighting::Gaussian;
    WindowAggregator agg(size, 2, s);
    voxtrain::GridSampler sampler(subject, plan);
    Tensor batch;
    std::vector<PatchLocation> where;
    while (sampler.next(5, batch, where)) agg.add(batch, where);  // the identity network
    const Tensor out = agg.finish();
    std::int64_t wrong = 0;
    for (std::int64_t ch = 0; ch < 2; ++ch)
      for (std::int64_t k = 0; k < size[2]; ++k)
        for (std::int64_t j = 0; j < size[1]; ++j)
          for (std::int64_t i = 0; i < size[0]; ++i) {
            const std::int64_t e = ((ch * size[2] + k) * size[1] + j) * size[0] + i;
            const std::array<std::int64_t, 3> v{i, j, k};
            bool covered = true;
            for (int a = 0; a < 3; ++a) covered = covered && v[a] >= plan.border[a] && v[a] < size[a] - plan.border[a];
            wrong += out.data<float>()[e] != (covered ? subject.image.data<float>()[e] : -7.0f);
          }
    if (wrong != 0) {
      ++failures;
      UNSCOPED_INFO("case " << c << ": " << wrong << " voxels differ");
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("aggregator: voxels within border[a] of each face hold fill_constant (NiftyNet's test_filling)", "[data]") {
  const std::array<std::int64_t, 3> size{14, 12, 10}, border{3, 2, 1};
  const TilingPlan plan = make_tiling_plan(size, {9, 7, 5}, border);
  AggregationSettings s;
  s.border = border;
  s.fill_constant = 0.5731;
  WindowAggregator agg(size, 1, s);
  Tensor zeros = Tensor::zeros({plan.size(), 1, 5, 7, 9});
  agg.add(zeros, plan.locations());
  const Tensor out = agg.finish();
  std::int64_t wrong = 0, filled = 0;
  for (std::int64_t k = 0; k < size[2]; ++k)
    for (std::int64_t j = 0; j < size[1]; ++j)
      for (std::int64_t i = 0; i < size[0]; ++i) {
        const bool margin = i < 3 || i >= 11 || j < 2 || j >= 10 || k < 1 || k >= 9;
        const float v = out.data<float>()[(k * size[1] + j) * size[0] + i];
        wrong += v != (margin ? 0.5731f : 0.0f);
        filled += margin;
      }
  CHECK(wrong == 0);
  CHECK(filled == 14 * 12 * 10 - 8 * 8 * 8);
}

TEST_CASE("aggregator: argmax of the averaged probabilities equals a per-voxel loop; ties go low", "[data]") {
  const TilingPlan plan = make_tiling_plan({9, 8, 5}, {5, 4, 3}, {0, 0, 0}, 2);
  const std::int64_t n = plan.size(), classes = 3;
  // Values in quarters so that equal averages (ties) are common.
  Tensor windows = random_windows(31, n, classes, plan.window);
  for (std::int64_t e = 0; e < windows.numel(); ++e)
    windows.data<float>()[e] = std::floor(windows.data<float>()[e] * 4.0f) / 4.0f;
  AggregationSettings s;
  s.output = AggregatedOutput::Argmax;
  const Tensor labels = aggregate(plan, windows, in_order(n), 4, s);
  REQUIRE(labels.shape() == voxtrain::Shape({1, 5, 8, 9}));
  REQUIRE(labels.dtype() == voxtrain::DType::Int32);

  std::int64_t wrong = 0, ties = 0;
  const std::int64_t per_class = 3 * 4 * 5;
  for (std::int64_t k = 0; k < 5; ++k)
    for (std::int64_t j = 0; j < 8; ++j)
      for (std::int64_t i = 0; i < 9; ++i) {
        double sum[3] = {0, 0, 0};
        int count = 0;
        for (std::int64_t w = 0; w < n; ++w) {
          const PatchLocation p = plan.location(w);
          if (i < p.start[0] || i >= p.end[0] || j < p.start[1] || j >= p.end[1] || k < p.start[2] || k >= p.end[2])
            continue;
          ++count;
          for (int c = 0; c < 3; ++c)
            sum[c] += windows.data<float>()[(w * classes + c) * per_class +
                                            ((k - p.start[2]) * 4 + (j - p.start[1])) * 5 + (i - p.start[0])];
        }
        REQUIRE(count > 0);
        int best = 0;
        for (int c = 1; c < 3; ++c)
          if (static_cast<float>(sum[c] / count) > static_cast<float>(sum[best] / count)) best = c;
        ties += static_cast<float>(sum[0] / count) == static_cast<float>(sum[1] / count) ||
                static_cast<float>(sum[0] / count) == static_cast<float>(sum[2] / count);
        wrong += labels.data<std::int32_t>()[(k * 8 + j) * 9 + i] != best;
      }
  CHECK(wrong == 0);
  CHECK(ties > 10);  // the tie rule was exercised
}

TEST_CASE("aggregator: the result is bitwise the same for batch sizes 1, 3, all and a shuffled order", "[data]") {
  // A plan made with a border (a small step) aggregated without cropping: most voxels lie in
  // several windows with different values.
  const TilingPlan plan = make_tiling_plan({11, 9, 7}, {6, 5, 4}, {1, 1, 0});
  const std::int64_t n = plan.size();
  const Tensor windows = random_windows(57, n, 2, plan.window);
  std::vector<std::int64_t> shuffled = in_order(n);
  const std::uint64_t key = voxtrain::random_key({91});
  for (std::size_t i = shuffled.size(); i > 1; --i)  // Fisher-Yates with counter-based draws
    std::swap(shuffled[i - 1], shuffled[static_cast<std::size_t>(voxtrain::uniform01(key, i) * static_cast<double>(i))]);
  REQUIRE(shuffled != in_order(n));
  std::vector<std::int64_t> reversed = in_order(n);
  std::reverse(reversed.begin(), reversed.end());

  for (Weighting weighting : {Weighting::Uniform, Weighting::Gaussian}) {
    AggregationSettings s;
    s.weighting = weighting;
    s.output = AggregatedOutput::Raw;
    const Tensor one = aggregate(plan, windows, in_order(n), 1, s);
    // Made from the plan: any grouping and any order.
    CHECK(same_bytes(one, aggregate(plan, windows, in_order(n), 3, s)));
    CHECK(same_bytes(one, aggregate(plan, windows, in_order(n), n, s)));
    CHECK(same_bytes(one, aggregate(plan, windows, shuffled, 5, s)));
    CHECK(same_bytes(one, aggregate(plan, windows, reversed, 2, s)));
    // Made from the image size: any grouping of the same order; another order only changes the
    // double sums' last bits, which can move a float result by one unit in the last place.
    CHECK(same_bytes(one, aggregate(plan, windows, in_order(n), 1, s, Made::FromImageSize)));
    CHECK(same_bytes(one, aggregate(plan, windows, in_order(n), 3, s, Made::FromImageSize)));
    CHECK(same_bytes(one, aggregate(plan, windows, in_order(n), n, s, Made::FromImageSize)));
    const Tensor other = aggregate(plan, windows, shuffled, 5, s, Made::FromImageSize);
    std::int64_t far = 0;
    for (std::int64_t e = 0; e < one.numel(); ++e) {
      const float a = one.data<float>()[e], b = other.data<float>()[e];
      far += a != b && std::nextafter(a, b) != b;
    }
    CHECK(far == 0);
  }
}

TEST_CASE("aggregator: from a plan, early windows wait; a missing one leaves the rest to finish()", "[data]") {
  const TilingPlan plan = make_tiling_plan({9, 8, 6}, {5, 4, 3}, {1, 1, 1});
  const std::int64_t n = plan.size();
  const Tensor windows = random_windows(58, n, 1, plan.window);
  AggregationSettings s;
  s.weighting = Weighting::Gaussian;
  s.border = {1, 1, 1};
  s.fill_constant = 0.5;
  WindowAggregator agg(plan, 1, s);
  std::vector<std::int64_t> all_but_first = in_order(n);
  all_but_first.erase(all_but_first.begin());
  std::vector<PatchLocation> where;
  for (std::int64_t w : all_but_first) where.push_back(plan.location(w));
  agg.add(slice(windows, 1, n), where);
  CHECK(agg.windows_added() == n - 1);
  CHECK(agg.windows_waiting() == static_cast<std::size_t>(n - 1));
  const Tensor got = agg.finish();
  CHECK(agg.windows_waiting() == 0);
  // The same windows summed as they come (in plan order) by an aggregator without a plan.
  WindowAggregator plain(plan.image_size, 1, s);
  plain.add(slice(windows, 1, n), where);
  CHECK(same_bytes(got, plain.finish()));

  WindowAggregator twice(plan, 1, s);
  twice.add(slice(windows, 3, 4), {plan.location(3)});
  CHECK_THROWS_WITH(twice.add(slice(windows, 3, 4), {plan.location(3)}), Contains("added twice"));
  CHECK_THROWS_WITH(twice.add(slice(windows, 0, 2), {plan.location(0), plan.location(0)}), Contains("added twice"));
  const PatchLocation off{0, {1, 0, 0}, {6, 4, 3}};
  CHECK_THROWS_WITH(twice.add(slice(windows, 0, 1), {off}), Contains("[0, 1, 0, 0, 6, 4, 3]") && Contains("grid plan"));
  CHECK(twice.windows_added() == 1);
  CHECK(twice.windows_waiting() == 1);
}

TEST_CASE("aggregator: one-line errors for wrong windows, borders, channels and settings", "[data]") {
  AggregationSettings s;
  s.border = {1, 1, 1};
  WindowAggregator agg({10, 10, 10}, 2, s, "sub-3");
  const PatchLocation at{0, {0, 0, 0}, {8, 8, 8}};
  // Output 4^3 for an 8^3 window minus a border of 1: needs 6^3, so the border must be at least 2.
  CHECK_THROWS_WITH(agg.add(Tensor::zeros({1, 2, 4, 4, 4}), {at}),
                    Contains("subject 'sub-3'") && Contains("border to at least 2"));
  CHECK_THROWS_WITH(agg.add(Tensor::zeros({1, 3, 6, 6, 6}), {at}), Contains("3 channels") && Contains("2"));
  CHECK_THROWS_WITH(agg.add(Tensor::zeros({2, 2, 6, 6, 6}), {at}), Contains("2 network output windows came with 1"));
  Tensor logits = Tensor::zeros({1, 2, 6, 6, 6});
  logits.data<float>()[5] = 3.5f;
  CHECK_THROWS_WITH(agg.add(logits, {at}), Contains("[0, 1]") && Contains("raw"));
  CHECK(agg.windows_added() == 0);

  AggregationSettings argmax;
  argmax.output = AggregatedOutput::Argmax;
  argmax.fill_constant = 0.5;
  CHECK_THROWS_WITH(WindowAggregator({4, 4, 4}, 2, argmax), Contains("fill_constant = 0.5") && Contains("whole"));
  AggregationSettings gauss;
  gauss.weighting = Weighting::Gaussian;
  gauss.gaussian_sigma = 0;
  CHECK_THROWS_AS(WindowAggregator({4, 4, 4}, 2, gauss), voxtrain::Error);
}

TEST_CASE("aggregator: uncovered voxels of an argmax map hold the whole-number fill_constant", "[data]") {
  const TilingPlan plan = make_tiling_plan({6, 1, 1}, {4, 1, 1}, {1, 0, 0});
  AggregationSettings s;
  s.border = {1, 0, 0};
  s.fill_constant = -1;
  s.output = AggregatedOutput::Argmax;
  WindowAggregator agg(plan.image_size, 2, s);
  Tensor w = Tensor::zeros({plan.size(), 2, 1, 1, 4});  // class 1 wins in window 0, ties (-> 0) in the others
  for (int i = 0; i < 4; ++i) w.data<float>()[4 + i] = 0.5f;
  agg.add(w, plan.locations());
  const Tensor labels = agg.finish();
  const std::vector<std::int32_t> got(labels.data<std::int32_t>(), labels.data<std::int32_t>() + 6);
  // Starts [0, 2, 1]: cropped windows cover [1, 3), [3, 5) and [2, 4); voxel 2 averages class 1
  // to 0.25 > 0, voxel 3 ties at 0 -> class 0.
  CHECK(got == std::vector<std::int32_t>{-1, 1, 1, 0, 0, -1});
}

TEST_CASE("aggregator: window_seg_<subject>__niftynet_out.nii.gz with the input's geometry, and inferred.csv", "[data][io]") {
  const ScratchDir scratch("infer");
  const fs::path dir = scratch.path() / "out";
  voxtrain::NiftiImage geometry;
  geometry.data = Tensor::zeros({1, 3, 4, 5});
  geometry.affine = {{{0, 0, -2.5, 10}, {1.5, 0, 0, -20}, {0, 2, 0, 30}, {0, 0, 0, 1}}};
  geometry.qform_code = 1;
  geometry.sform_code = 2;

  Tensor probs = Tensor::empty({2, 3, 4, 5});
  for (std::int64_t e = 0; e < probs.numel(); ++e) probs.data<float>()[e] = static_cast<float>(e) / 120.0f;
  const std::string path = voxtrain::write_inference_output(dir.string(), "sub-001", probs, geometry);
  CHECK(path == (dir / "window_seg_sub-001__niftynet_out.nii.gz").string());
  const voxtrain::NiftiImage back = voxtrain::read_nifti(path);
  CHECK(same_bytes(back.data, probs));
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) CHECK(back.affine[r][c] == Approx(geometry.affine[r][c]).margin(1e-6));
  CHECK(back.sform_code == 2);

  Tensor labels = Tensor::zeros({1, 3, 4, 5}, voxtrain::DType::Int32);
  labels.data<std::int32_t>()[7] = 3;
  const std::string label_path = voxtrain::write_inference_output(dir.string(), "sub,2", labels, geometry, "_seg");
  CHECK(fs::path(label_path).filename() == "window_seg_sub,2__seg.nii.gz");
  CHECK(same_bytes(voxtrain::read_nifti(label_path, voxtrain::NiftiRead::Label).data, labels));
  // Writing sub-001 again replaces its row rather than adding one.
  voxtrain::write_inference_output(dir.string(), "sub-001", probs, geometry);

  const std::string text = read_text((dir / "inferred.csv").string());
  const std::string abs_dir = fs::absolute(dir).lexically_normal().string();
  CHECK(text == fmt::format("\"sub,2\",\"{0}/window_seg_sub,2__seg.nii.gz\"\n"
                            "sub-001,{0}/window_seg_sub-001__niftynet_out.nii.gz\n",
                            abs_dir));
  std::size_t leftovers = 0;
  for (const auto& entry : fs::directory_iterator(dir)) leftovers += entry.path().filename().string().find(".tmp") != std::string::npos;
  CHECK(leftovers == 0);

  CHECK_THROWS_WITH(voxtrain::write_inference_output(dir.string(), "a/b", probs, geometry), Contains("'a/b'"));
  CHECK_THROWS_WITH(voxtrain::write_inference_output(dir.string(), "sub-4", Tensor::zeros({1, 3, 4, 4}), geometry),
                    Contains("reference image"));
}
