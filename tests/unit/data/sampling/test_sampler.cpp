// test_sampler.cpp — the uniform, weighted and balanced samplers against NiftyNet's test vectors
// (reference section 5.3), hand-derived crop ranges, enumerated start sets and frequency counts.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/sampling/sampler.hpp"

using voxtrain::PatchLocation;
using voxtrain::SamplerIndex;
using voxtrain::SamplerInput;
using voxtrain::SamplerKind;
using voxtrain::Tensor;
using voxtrain::WindowSize;
using Catch::Matchers::Contains;

namespace {

using Ijk = std::array<std::int64_t, 3>;

// A subject of size (nx, ny, nz) with a zero float map [1, nz, ny, nx].
SamplerInput input_of(Ijk size, voxtrain::DType dtype = voxtrain::DType::Float32) {
  SamplerInput in;
  in.subject = 4;
  in.subject_id = "sub-004";
  in.size_ijk = size;
  in.map = Tensor::zeros({1, size[2], size[1], size[0]}, dtype);
  return in;
}

// Map element at voxel (i, j, k), spelled as NiftyNet's map[i, j, k].
float& at(SamplerInput& in, Ijk v) {
  const auto& n = in.size_ijk;
  return in.map.data<float>()[(v[2] * n[1] + v[1]) * n[0] + v[0]];
}

std::uint64_t key_of(std::uint64_t n) { return voxtrain::random_key({2024, n}); }

// NiftyNet's sampler output: the window centre, start + floor(w/2).
Ijk centre_of(const PatchLocation& p) {
  const auto w = p.size();
  return {p.start[0] + w[0] / 2, p.start[1] + w[1] / 2, p.start[2] + w[2] / 2};
}

bool inside(const PatchLocation& p, Ijk size) {
  for (int a = 0; a < 3; ++a)
    if (p.start[a] < 0 || p.end[a] > size[a]) return false;
  return true;
}

}  // namespace

TEST_CASE("uniform: NiftyNet's rand_spatial_coordinates vectors, centres in [floor(w/2), n - floor(w/2)]", "[data]") {
  const std::vector<std::pair<Ijk, WindowSize>> cases{
      {{8, 9, 10}, {7, 9, 4}}, {{8, 9, 1}, {8, 8, 1}}, {{4, 1, 1}, {2, 1, 1}}};
  for (const auto& [size, window] : cases) {
    SamplerInput in;
    in.subject = 4;
    in.size_ijk = size;
    const SamplerIndex index(SamplerKind::Uniform, in, window);
    for (std::uint64_t n = 0; n < 500; ++n) {
      const PatchLocation p = index.draw(key_of(n));
      INFO(p.to_string());
      CHECK(p.subject == 4);
      CHECK(p.size() == window);
      CHECK(inside(p, size));
      const Ijk c = centre_of(p);
      for (int a = 0; a < 3; ++a) {
        CHECK(c[a] >= window[a] / 2);
        CHECK(c[a] <= size[a] - window[a] / 2);
      }
    }
  }
}

TEST_CASE("uniform: every valid start is reached, with near-equal frequencies", "[data]") {
  const Ijk size{5, 4, 3};
  const WindowSize window{2, 2, 2};
  SamplerInput in;
  in.size_ijk = size;
  const SamplerIndex index(SamplerKind::Uniform, in, window);
  // The valid starts, enumerated independently: 4 x 3 x 2 = 24.
  std::map<Ijk, int> count;
  for (std::int64_t k = 0; k + 2 <= 3; ++k)
    for (std::int64_t j = 0; j + 2 <= 4; ++j)
      for (std::int64_t i = 0; i + 2 <= 5; ++i) count[{i, j, k}] = 0;
  REQUIRE(count.size() == 24);
  CHECK(index.candidates() == 24);
  const int draws = 24000;
  for (int n = 0; n < draws; ++n) {
    const PatchLocation p = index.draw(key_of(static_cast<std::uint64_t>(n)));
    const auto it = count.find(p.start);
    REQUIRE(it != count.end());
    ++it->second;
  }
  double chi2 = 0;
  for (const auto& [start, c] : count) {
    CHECK(c > 0);
    chi2 += (c - 1000.0) * (c - 1000.0) / 1000.0;
  }
  CHECK(chi2 < 60.0);  // 23 degrees of freedom: P(chi2 > 60) < 1e-4
}

TEST_CASE("uniform: NiftyNet's concentric windows (image (4,10,3), label (7,12,2))", "[data]") {
  SamplerInput in;
  in.size_ijk = {32, 32, 16};
  const WindowSize image_window{4, 10, 3}, label_window{7, 12, 2};
  const WindowSize largest{7, 12, 3};
  const SamplerIndex index(SamplerKind::Uniform, in, largest);
  for (std::uint64_t n = 0; n < 20; ++n) {
    const PatchLocation drawn = index.draw(key_of(n));
    const PatchLocation img = voxtrain::concentric_location(drawn, image_window);
    const PatchLocation seg = voxtrain::concentric_location(drawn, label_window);
    CHECK(img.subject == seg.subject);
    CHECK(img.start[0] - seg.start[0] == 1);
    CHECK(img.start[1] - seg.start[1] == 1);
    CHECK(img.start[2] - seg.start[2] == 0);
    CHECK(img.end[0] - seg.end[0] == -2);
    CHECK(img.end[1] - seg.end[1] == -1);
    CHECK(img.end[2] - seg.end[2] == 1);
    CHECK(img.size() == image_window);
    CHECK(seg.size() == label_window);
  }
}

TEST_CASE("weighted: NiftyNet's spike maps draw every window at the spike", "[data]") {
  struct Case {
    Ijk size;
    WindowSize window;
    Ijk spike;
    float value;
  };
  const std::vector<Case> cases{
      {{32, 16, 17}, {10, 16, 15}, {10, 8, 7}, 1.0f},  // 3-D
      {{32, 17, 1}, {31, 3, 1}, {15, 1, 0}, 1.0f},     // 2-D
      {{32, 1, 1}, {15, 1, 1}, {20, 0, 0}, 0.1f},      // 1-D
  };
  for (const auto& c : cases) {
    SamplerInput in = input_of(c.size);
    at(in, c.spike) = c.value;
    const SamplerIndex index(SamplerKind::Weighted, in, c.window);
    CHECK(index.candidates() == 1);
    for (std::uint64_t n = 0; n < 32; ++n) {
      const PatchLocation p = index.draw(key_of(n));
      CHECK(centre_of(p) == c.spike);
      CHECK(inside(p, c.size));
    }
  }
}

TEST_CASE("weighted: two spikes draw only those, about equally often", "[data]") {
  SamplerInput in = input_of({32, 1, 1});
  at(in, {20, 0, 0}) = 0.1f;
  at(in, {9, 0, 0}) = 0.1f;
  const SamplerIndex index(SamplerKind::Weighted, in, {15, 1, 1});
  int at9 = 0, at20 = 0;
  for (std::uint64_t n = 0; n < 2000; ++n) {
    const Ijk c = centre_of(index.draw(key_of(n)));
    at9 += c == Ijk{9, 0, 0};
    at20 += c == Ijk{20, 0, 0};
  }
  CHECK(at9 + at20 == 2000);
  CHECK(std::abs(at9 - 1000) < 100);  // 4.5 sigma
}

TEST_CASE("weighted: frequencies follow the weights; negative maps are shifted by their minimum", "[data]") {
  SamplerInput in = input_of({3, 3, 1});
  // A 3x3 map, window 1: every voxel is a candidate. Weights 1, 2, 3 on three voxels.
  at(in, {0, 0, 0}) = 1;
  at(in, {2, 1, 0}) = 2;
  at(in, {1, 2, 0}) = 3;
  const SamplerIndex index(SamplerKind::Weighted, in, {1, 1, 1});
  std::map<Ijk, int> count;
  const int draws = 60000;
  for (int n = 0; n < draws; ++n) ++count[centre_of(index.draw(key_of(static_cast<std::uint64_t>(n))))];
  CHECK(count.size() == 3);
  CHECK(std::abs(count[{0, 0, 0}] - draws / 6) < 450);  // ~5 sigma
  CHECK(std::abs(count[{2, 1, 0}] - draws / 3) < 600);
  CHECK(std::abs(count[{1, 2, 0}] - draws / 2) < 650);

  // Everything -1 but one voxel at +1: after the shift only that voxel has weight (2).
  SamplerInput neg = input_of({6, 5, 4});
  for (std::int64_t e = 0; e < neg.map.numel(); ++e) neg.map.data<float>()[e] = -1;
  at(neg, {3, 2, 1}) = 1;
  const SamplerIndex shifted(SamplerKind::Weighted, neg, {3, 3, 3});
  for (std::uint64_t n = 0; n < 50; ++n) CHECK(centre_of(shifted.draw(key_of(n))) == Ijk{3, 2, 1});
}

TEST_CASE("weighted: the candidate region is NiftyNet's crop_sampling_map", "[data]") {
  // n = 10. crop_sampling_map: start int(w/2), end n - w + int(w/2 + 0.6).
  //   w = 4: [2, 8) -> starts 0..5 (start n - w = 6 is never drawn: NiftyNet's even-window crop)
  //   w = 5: [2, 8) -> starts 0..5 = every valid start
  //   w = 10: [5, 5) -> widened to [5, 6) -> start 0
  const std::vector<std::pair<std::int64_t, std::set<std::int64_t>>> cases{
      {4, {0, 1, 2, 3, 4, 5}}, {5, {0, 1, 2, 3, 4, 5}}, {10, {0}}};
  for (const auto& [w, expected] : cases) {
    SamplerInput ones = input_of({10, 1, 1});
    for (std::int64_t e = 0; e < 10; ++e) ones.map.data<float>()[e] = 1;
    SamplerInput zeros = input_of({10, 1, 1});  // all-zero map: uniform over the same region
    for (const SamplerInput* in : {&ones, &zeros}) {
      const SamplerIndex index(SamplerKind::Weighted, *in, {w, 1, 1});
      std::set<std::int64_t> starts;
      for (std::uint64_t n = 0; n < 600; ++n) starts.insert(index.draw(key_of(n)).start[0]);
      INFO("w = " << w);
      CHECK(starts == expected);
    }
  }
}

TEST_CASE("weighted: an all-zero map gives valid uniform coordinates (NiftyNet's zero-map vector)", "[data]") {
  const Ijk size{32, 16, 17};
  const SamplerIndex index(SamplerKind::Weighted, input_of(size), {10, 16, 15});
  std::set<Ijk> seen;
  for (std::uint64_t n = 0; n < 300; ++n) {
    const PatchLocation p = index.draw(key_of(n));
    CHECK(inside(p, size));
    seen.insert(p.start);
  }
  // x starts 0..21, y 0, z 0..1 (crop): 44 possible; 300 draws reach most of them.
  CHECK(seen.size() > 35);
}

TEST_CASE("balanced: NiftyNet's single-spike vectors draw the spike about half the time", "[data]") {
  struct Case {
    Ijk size;
    WindowSize window;
    Ijk spike;
  };
  const std::vector<Case> cases{
      {{64, 15, 21}, {32, 13, 1}, {17, 7, 0}},
      {{23, 42, 1}, {22, 10, 1}, {11, 8, 0}},
      {{21, 1, 1}, {15, 1, 1}, {9, 0, 0}},
  };
  for (const auto& c : cases) {
    SamplerInput in = input_of(c.size);
    at(in, c.spike) = 1;
    const SamplerIndex index(SamplerKind::Balanced, in, c.window);
    REQUIRE(index.classes().size() == 2);
    int hits = 0;
    for (std::uint64_t n = 0; n < 500; ++n) {
      const PatchLocation p = index.draw(key_of(n));
      CHECK(inside(p, c.size));
      hits += centre_of(p) == c.spike;
    }
    CHECK(hits >= 200);  // NiftyNet's bound; 250 expected
    CHECK(hits <= 300);
  }
}

TEST_CASE("balanced: NiftyNet's class balance case gives each of 3 classes 1/3 of 30000 draws, within 1%", "[data]") {
  SamplerInput in = input_of({50, 25, 10});
  for (std::int64_t z = 2; z < 10; ++z) at(in, {6, 5, z}) = 1;    // map[6, 5, 2:] = 1
  for (std::int64_t y = 13; y < 25; ++y) at(in, {11, y, 3}) = 2;  // map[11, 13:, 3] = 2
  const SamplerIndex index(SamplerKind::Balanced, in, {8, 7, 2});
  REQUIRE(index.classes().size() == 3);
  CHECK(index.classes()[0] == 0.0);
  CHECK(index.classes()[2] == 2.0);
  std::array<int, 3> count{};
  std::map<std::int64_t, int> class1_z;
  const int draws = 30000;  // the binomial standard deviation of a frequency is then 0.27 %
  for (int n = 0; n < draws; ++n) {
    const Ijk c = centre_of(index.draw(key_of(static_cast<std::uint64_t>(n))));
    const float v = at(in, c);
    ++count[static_cast<std::size_t>(v)];
    if (v == 1) ++class1_z[c[2]];
  }
  for (int c = 0; c < 3; ++c) {
    INFO("class " << c << ": " << count[static_cast<std::size_t>(c)]);
    // Within 1 % absolute (the bound; NiftyNet's test allowed 1e-2 + 1e-2 / 3).
    CHECK(std::abs(count[static_cast<std::size_t>(c)] / double(draws) - 1.0 / 3) <= 1e-2);
  }
  // Within class 1 the voxel is uniform among those the crop keeps: z = 2..8 (z crop [1, 9)).
  CHECK(class1_z.size() == 7);
  CHECK(class1_z.begin()->first == 2);
  CHECK(class1_z.rbegin()->first == 8);
}

TEST_CASE("balanced: classes come from the label when the subject has no sampling map", "[data]") {
  voxtrain::Subject s;
  s.id = "sub-009";
  s.image = Tensor::zeros({1, 4, 5, 6});
  s.label = Tensor::zeros({1, 4, 5, 6}, voxtrain::DType::Int32);
  s.label.data<std::int32_t>()[(2 * 5 + 2) * 6 + 3] = 7;  // voxel (3, 2, 2)
  const SamplerInput in = voxtrain::sampler_input(SamplerKind::Balanced, s, 11);
  CHECK(in.size_ijk == Ijk{6, 5, 4});
  const SamplerIndex index(SamplerKind::Balanced, in, {3, 3, 3});
  CHECK(std::vector<double>(index.classes().begin(), index.classes().end()) == std::vector<double>{0, 7});
  int hits = 0;
  for (std::uint64_t n = 0; n < 400; ++n) {
    const PatchLocation p = index.draw(key_of(n));
    CHECK(p.subject == 11);
    hits += centre_of(p) == Ijk{3, 2, 2};
  }
  CHECK(std::abs(hits - 200) < 50);
}

TEST_CASE("samplers: windows larger than the image are centred on it (padding)", "[data]") {
  // x: window 8 over 5 voxels -> start -floor(3/2) = -1, end 7; y, z fit.
  SamplerInput in = input_of({5, 6, 7});
  at(in, {0, 3, 5}) = 1;  // y = 3 is the one y centre a 6-wide window on 6 voxels has
  for (SamplerKind kind : {SamplerKind::Uniform, SamplerKind::Weighted, SamplerKind::Balanced}) {
    const SamplerIndex index(kind, in, {8, 6, 3});
    for (std::uint64_t n = 0; n < 100; ++n) {
      const PatchLocation p = index.draw(key_of(n));
      CHECK(p.start[0] == -1);
      CHECK(p.end[0] == 7);
      CHECK(p.start[1] == 0);
      CHECK(p.start[2] >= 0);
      CHECK(p.end[2] <= 7);
      if (kind == SamplerKind::Weighted) CHECK(p.start[2] == 4);  // the spike's z is the centre
    }
  }
}

TEST_CASE("samplers: the same key gives the same location on any thread", "[data]") {
  SamplerInput in = input_of({20, 18, 16});
  for (std::int64_t e = 0; e < in.map.numel(); ++e) in.map.data<float>()[e] = static_cast<float>(e % 7);
  for (SamplerKind kind : {SamplerKind::Uniform, SamplerKind::Weighted, SamplerKind::Balanced}) {
    const SamplerIndex index(kind, in, {6, 5, 4});
    std::vector<PatchLocation> serial(400), threaded(400);
    for (std::size_t n = 0; n < serial.size(); ++n) serial[n] = index.draw(key_of(n));
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < 4; ++t)
      pool.emplace_back([&, t] {
        for (std::size_t n = t; n < threaded.size(); n += 4) threaded[n] = index.draw(key_of(n));
      });
    for (auto& th : pool) th.join();
    CHECK(serial == threaded);
    CHECK(voxtrain::draw_location(kind, in, {6, 5, 4}, key_of(3)) == serial[3]);
    std::set<Ijk> distinct;
    for (const auto& p : serial) distinct.insert(p.start);
    CHECK(distinct.size() > 50);  // the key matters
  }
}

TEST_CASE("samplers: errors name the subject and what to do", "[data]") {
  voxtrain::Subject s;
  s.id = "sub-002";
  s.image = Tensor::zeros({1, 4, 5, 6});
  CHECK_THROWS_WITH(voxtrain::sampler_input(SamplerKind::Weighted, s, 0),
                    Contains("sub-002") && Contains("weighted") && Contains("sampler"));
  CHECK_THROWS_WITH(voxtrain::sampler_input(SamplerKind::Balanced, s, 0), Contains("sub-002"));
  s.sampling_map = Tensor::zeros({1, 4, 5, 7});
  CHECK_THROWS_WITH(voxtrain::sampler_input(SamplerKind::Weighted, s, 0),
                    Contains("sub-002") && Contains("[1, 4, 5, 7]"));
  SamplerInput in = input_of({6, 5, 4});
  at(in, {1, 2, 3}) = std::nanf("");
  CHECK_THROWS_WITH(SamplerIndex(SamplerKind::Weighted, in, {1, 1, 1}),
                    Contains("sub-004") && Contains("(1, 2, 3)"));
  CHECK_THROWS_WITH(SamplerIndex(SamplerKind::Uniform, input_of({6, 5, 4}), {0, 1, 1}),
                    Contains("spatial_window_size"));
  CHECK_THROWS_WITH(voxtrain::parse_sampler_kind("weigthed", "config.ini:7"),
                    Contains("config.ini:7") && Contains("did you mean 'weighted'"));
  CHECK(voxtrain::parse_sampler_kind("Balanced", "x") == SamplerKind::Balanced);
}
