// test_grid_sampler.cpp — the grid plan against NiftyNet's published vectors (sampler_grid_v2_test.py,
// issues #80 and #485), border-cropped coverage of random plans, the windows handed out, the memory estimate.
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/inference/grid_sampler.hpp"

using voxtrain::enumerate_step_points;
using voxtrain::make_tiling_plan;
using voxtrain::PatchLocation;
using voxtrain::Tensor;
using voxtrain::TilingPlan;
using Catch::Matchers::Contains;
using I64 = std::vector<std::int64_t>;
using Row = std::array<std::int64_t, 7>;

namespace {

std::vector<Row> rows(const TilingPlan& plan) {
  std::vector<Row> out;
  for (const PatchLocation& p : plan.locations())
    out.push_back({p.subject, p.start[0], p.start[1], p.start[2], p.end[0], p.end[1], p.end[2]});
  return out;
}

// Rows for starts xs, ys, zs and window w, y outermost, x, z innermost (NiftyNet's meshgrid order).
std::vector<Row> meshgrid_rows(std::int64_t subject, const I64& xs, const I64& ys, const I64& zs,
                               std::array<std::int64_t, 3> w) {
  std::vector<Row> out;
  for (std::int64_t y : ys)
    for (std::int64_t x : xs)
      for (std::int64_t z : zs) out.push_back({subject, x, y, z, x + w[0], y + w[1], z + w[2]});
  return out;
}

}  // namespace

TEST_CASE("grid: _enumerate_step_points vectors from NiftyNet's test", "[data]") {
  CHECK(enumerate_step_points(0, 10, 4, 1) == I64{0, 1, 2, 3, 4, 5, 6});
  CHECK(enumerate_step_points(0, 10, 4, 2) == I64{0, 2, 4, 6});
  CHECK(enumerate_step_points(0, 0, 4, 2) == I64{0});
  CHECK(enumerate_step_points(0, 0, 0, -1) == I64{0});
  CHECK(enumerate_step_points(0, 10, 8, 8) == I64{0, 2, 1});
  // Two points with an odd sum: the mean rounds half to even (np.round), 0.5 -> 0 is dropped as a
  // duplicate, 1.5 -> 2, 2.5 -> 2.
  CHECK(enumerate_step_points(0, 64, 63, 59) == I64{0, 1});
  CHECK(enumerate_step_points(0, 67, 64, 64) == I64{0, 3, 2});
  CHECK(enumerate_step_points(0, 9, 4, 5) == I64{0, 5, 2});
  // start > end is swapped, negative values clamp to 0.
  CHECK(enumerate_step_points(10, 0, 4, 2) == I64{0, 2, 4, 6});
  CHECK(enumerate_step_points(-5, 10, 4, 2) == I64{0, 2, 4, 6});
}

TEST_CASE("grid: NiftyNet's 3-D image and label coordinates (12 and 6 rows, in order)", "[data]") {
  const TilingPlan image = make_tiling_plan({64, 64, 64}, {63, 63, 40}, {2, 3, 4}, 1);
  const std::vector<Row> expected_image{
      {1, 0, 0, 0, 63, 63, 40},  {1, 0, 0, 24, 63, 63, 64}, {1, 0, 0, 12, 63, 63, 52},
      {1, 1, 0, 0, 64, 63, 40},  {1, 1, 0, 24, 64, 63, 64}, {1, 1, 0, 12, 64, 63, 52},
      {1, 0, 1, 0, 63, 64, 40},  {1, 0, 1, 24, 63, 64, 64}, {1, 0, 1, 12, 63, 64, 52},
      {1, 1, 1, 0, 64, 64, 40},  {1, 1, 1, 24, 64, 64, 64}, {1, 1, 1, 12, 64, 64, 52}};
  CHECK(image.size() == 12);
  CHECK(rows(image) == expected_image);

  const TilingPlan label = make_tiling_plan({42, 42, 42}, {42, 41, 33}, {2, 3, 4}, 1);
  const std::vector<Row> expected_label{{1, 0, 0, 0, 42, 41, 33}, {1, 0, 0, 9, 42, 41, 42},
                                        {1, 0, 0, 4, 42, 41, 37}, {1, 0, 1, 0, 42, 42, 33},
                                        {1, 0, 1, 9, 42, 42, 42}, {1, 0, 1, 4, 42, 42, 37}};
  CHECK(rows(label) == expected_label);
  CHECK(label.step == std::array<std::int64_t, 3>{38, 35, 25});
}

TEST_CASE("grid: NiftyNet's 2-D coordinates; a border on a one-voxel axis is ignored", "[data]") {
  const TilingPlan image = make_tiling_plan({64, 64, 1}, {63, 63, 1}, {2, 3, 4}, 1);
  CHECK(rows(image) == std::vector<Row>{{1, 0, 0, 0, 63, 63, 1}, {1, 1, 0, 0, 64, 63, 1},
                                        {1, 0, 1, 0, 63, 64, 1}, {1, 1, 1, 0, 64, 64, 1}});
  const TilingPlan label = make_tiling_plan({42, 42, 1}, {30, 32, 1}, {2, 3, 4}, 1);
  CHECK(rows(label) == std::vector<Row>{{1, 0, 0, 0, 30, 32, 1},   {1, 12, 0, 0, 42, 32, 1},
                                        {1, 6, 0, 0, 36, 32, 1},   {1, 0, 10, 0, 30, 42, 1},
                                        {1, 12, 10, 0, 42, 42, 1}, {1, 6, 10, 0, 36, 42, 1},
                                        {1, 0, 5, 0, 30, 37, 1},   {1, 12, 5, 0, 42, 37, 1},
                                        {1, 6, 5, 0, 36, 37, 1}});
  CHECK(label.border == std::array<std::int64_t, 3>{2, 3, 0});
  CHECK(label.covered_begin() == std::array<std::int64_t, 3>{2, 3, 0});
  CHECK(label.covered_end() == std::array<std::int64_t, 3>{40, 39, 1});
}

TEST_CASE("grid: border (-1, -1, -1) gives the border-0 plan (NiftyNet's 27 label rows)", "[data]") {
  const TilingPlan image = make_tiling_plan({64, 64, 64}, {63, 63, 40}, {-1, -1, -1}, 1);
  CHECK(rows(image) == rows(make_tiling_plan({64, 64, 64}, {63, 63, 40}, {0, 0, 0}, 1)));
  CHECK(rows(image) == rows(make_tiling_plan({64, 64, 64}, {63, 63, 40}, {2, 3, 4}, 1)));

  const TilingPlan label = make_tiling_plan({64, 64, 42}, {50, 62, 40}, {-1, -1, -1}, 1);
  CHECK(label.border == std::array<std::int64_t, 3>{0, 0, 0});
  const std::vector<Row> got = rows(label);
  REQUIRE(got.size() == 27);
  CHECK(got == meshgrid_rows(1, {0, 14, 7}, {0, 2, 1}, {0, 2, 1}, {50, 62, 40}));
  CHECK(got[0] == Row{1, 0, 0, 0, 50, 62, 40});
  CHECK(got[1] == Row{1, 0, 0, 2, 50, 62, 42});
  CHECK(got[2] == Row{1, 0, 0, 1, 50, 62, 41});
  CHECK(got[3] == Row{1, 14, 0, 0, 64, 62, 40});
  CHECK(got[26] == Row{1, 7, 1, 1, 57, 63, 41});
  CHECK(got == rows(make_tiling_plan({64, 64, 42}, {50, 62, 40}, {0, 0, 0}, 1)));
}

TEST_CASE("grid: window counts from NiftyNet issues #485 (27) and #80 (1575756, not allocated)", "[data]") {
  const TilingPlan p485 = make_tiling_plan({512, 512, 34}, {256, 256, 32}, {36, 36, 0});
  CHECK(p485.size() == 27);
  CHECK(p485.starts[0] == I64{0, 184, 256});
  CHECK(p485.starts[2] == I64{0, 2, 1});

  const TilingPlan p80 = make_tiling_plan({260, 215, 195}, {105, 105, 105}, {52, 52, 52});
  CHECK(p80.step == std::array<std::int64_t, 3>{1, 1, 1});
  CHECK(p80.size() == 1575756);
  CHECK(p80.location(p80.size() - 1) == PatchLocation{0, {155, 110, 90}, {260, 215, 195}});
}

TEST_CASE("grid: a window larger than the image, or a border that empties it, is a one-line error", "[data]") {
  // NiftyNet asserts for the label window (80, 80, 33) on a 42^3 label.
  CHECK_THROWS_WITH(make_tiling_plan({42, 42, 42}, {80, 80, 33}, {0, 0, 0}, 3, "sub-007"),
                    Contains("subject 'sub-007'") && Contains("spatial_window_size = 80x80x33") &&
                        Contains("42x42x42") && Contains("volume_padding_size"));
  CHECK_THROWS_WITH(make_tiling_plan({42, 42, 42}, {8, 8, 8}, {4, 0, 0}, 3),
                    Contains("subject 3") && Contains("border") && Contains("at most 3"));
  CHECK_THROWS_AS(make_tiling_plan({42, 0, 42}, {8, 8, 8}, {0, 0, 0}), voxtrain::Error);
  CHECK_THROWS_AS(make_tiling_plan({42, 42, 42}, {8, 0, 8}, {0, 0, 0}), voxtrain::Error);
}

TEST_CASE("grid: random plans - border-cropped windows cover exactly [border, size - border)", "[data]") {
  const std::uint64_t key = voxtrain::random_key({20240611, voxtrain::hash_name("grid coverage")});
  std::uint64_t draw = 0;
  auto pick = [&](std::int64_t lo, std::int64_t hi) {  // uniform in [lo, hi]
    return lo + static_cast<std::int64_t>(voxtrain::uniform01(key, draw++) * static_cast<double>(hi - lo + 1));
  };
  int failures = 0;
  for (int c = 0; c < 300; ++c) {
    std::array<std::int64_t, 3> size{}, window{}, border{};
    for (int a = 0; a < 3; ++a) {
      size[a] = pick(1, 13);
      window[a] = pick(1, size[a]);
      border[a] = pick(-1, (window[a] - 1) / 2);
    }
    const TilingPlan plan = make_tiling_plan(size, window, border, c);
    std::vector<int> count(static_cast<std::size_t>(size[0] * size[1] * size[2]), 0);
    std::set<std::array<std::int64_t, 3>> distinct;
    bool inside = true;
    for (const PatchLocation& p : plan.locations()) {
      distinct.insert(p.start);
      for (int a = 0; a < 3; ++a) {
        inside = inside && p.start[a] >= 0 && p.end[a] <= size[a] && p.end[a] - p.start[a] == window[a];
      }
      for (std::int64_t k = p.start[2] + plan.border[2]; k < p.end[2] - plan.border[2]; ++k)
        for (std::int64_t j = p.start[1] + plan.border[1]; j < p.end[1] - plan.border[1]; ++j)
          for (std::int64_t i = p.start[0] + plan.border[0]; i < p.end[0] - plan.border[0]; ++i)
            ++count[static_cast<std::size_t>((k * size[1] + j) * size[0] + i)];
    }
    // Expected: inside [b, n - b) on every axis (b = 0 where the window is one voxel or b < 0).
    bool covered_right = true;
    for (std::int64_t k = 0; k < size[2]; ++k)
      for (std::int64_t j = 0; j < size[1]; ++j)
        for (std::int64_t i = 0; i < size[0]; ++i) {
          const std::array<std::int64_t, 3> v{i, j, k};
          bool want = true;
          for (int a = 0; a < 3; ++a) {
            const std::int64_t b = (window[a] == 1 || border[a] < 0) ? 0 : border[a];
            want = want && v[a] >= b && v[a] < size[a] - b;
          }
          covered_right = covered_right && (count[static_cast<std::size_t>((k * size[1] + j) * size[0] + i)] > 0) == want;
        }
    const bool ok = inside && covered_right && distinct.size() == static_cast<std::size_t>(plan.size());
    if (!ok) {
      ++failures;
      UNSCOPED_INFO("size " << size[0] << "x" << size[1] << "x" << size[2] << " window " << window[0] << "x"
                            << window[1] << "x" << window[2] << " border " << border[0] << "," << border[1]
                            << "," << border[2]);
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("grid: the sampler hands out crop_patch of each location in plan order, last batch short", "[data]") {
  voxtrain::Subject s;
  s.id = "sub-001";
  s.image = Tensor::empty({2, 5, 6, 7});
  for (std::int64_t e = 0; e < s.image.numel(); ++e) s.image.data<float>()[e] = static_cast<float>(e);
  const TilingPlan plan = make_tiling_plan(s.size_ijk(), {4, 4, 3}, {1, 1, 0}, 4, s.id);
  REQUIRE(plan.size() == 3 * 3 * 3);
  voxtrain::GridSampler sampler(s, plan);
  Tensor batch;
  std::vector<PatchLocation> where;
  std::vector<std::int64_t> batch_sizes;
  std::int64_t seen = 0, wrong = 0;
  while (sampler.next(4, batch, where)) {
    batch_sizes.push_back(batch.shape()[0]);
    REQUIRE(batch.shape() == voxtrain::Shape({static_cast<std::int64_t>(where.size()), 2, 3, 4, 4}));
    for (std::size_t b = 0; b < where.size(); ++b, ++seen) {
      CHECK(where[b] == plan.location(seen));
      const Tensor expected = voxtrain::crop_patch(s.image, where[b]);
      for (std::int64_t e = 0; e < expected.numel(); ++e)
        wrong += batch.data<float>()[static_cast<std::int64_t>(b) * expected.numel() + e] != expected.data<float>()[e];
    }
  }
  CHECK(wrong == 0);
  CHECK(seen == 27);
  CHECK(batch_sizes == I64{4, 4, 4, 4, 4, 4, 3});
  CHECK(where.empty());
  CHECK_FALSE(batch.defined());
  CHECK(sampler.remaining() == 0);
}

TEST_CASE("grid: aggregation memory estimate and its human-readable form", "[data]") {
  // 100x80x60 voxels, 4 classes: sums 8*4, weights 8, result 4*4 bytes per voxel; 2 windows of 32^3 x 4.
  const std::size_t voxels = 100 * 80 * 60;
  CHECK(voxtrain::estimate_aggregation_bytes({100, 80, 60}, 4, {32, 32, 32}, 2) ==
        voxels * (32 + 8 + 16) + 2 * 4 * 32768 * 4);
  CHECK(voxtrain::format_bytes(512) == "512 B");
  CHECK(voxtrain::format_bytes(1536) == "1.5 KiB");
  CHECK(voxtrain::format_bytes(std::size_t{3} << 30) == "3.0 GiB");
  const TilingPlan plan = make_tiling_plan({512, 512, 34}, {256, 256, 32}, {36, 36, 0}, 0, "sub-9");
  CHECK_THAT(plan.describe(), Contains("subject 'sub-9': 27 windows of 256x256x32") &&
                                  Contains("step 184x184x32") && Contains("512x512x34") &&
                                  Contains("fill_constant"));
}
