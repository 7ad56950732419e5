// test_foreground_mask.cpp — Otsu against a brute-force search on the same histogram and against
// numpy; masks against scipy's dilation and hole filling (tests/data/normalisation); fusion; errors.
#include <catch2/catch.hpp>

#include <omp.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/preprocessing/foreground_mask.hpp"

#include "support/fixtures.hpp"

using voxtrain::ForegroundType;
using voxtrain::MultimodForegroundType;
using voxtrain::Shape;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace {

Tensor read_image(const std::string& name) { return read_fixture_image("normalisation/" + name); }

std::vector<std::uint8_t> read_mask(const std::string& name) {
  const Tensor t = read_fixture_labels("normalisation/" + name);
  const auto* p = t.data<std::int32_t>();
  return std::vector<std::uint8_t>(p, p + t.numel());
}

std::span<const float> channel(const Tensor& image, std::int64_t c) {
  const auto n = static_cast<std::size_t>(image.numel() / image.shape()[0]);
  return {image.data<float>() + static_cast<std::size_t>(c) * n, n};
}

// The Otsu split by brute force: for every split, the between-class variance from direct sums.
double brute_force_otsu(const voxtrain::Histogram& h) {
  const std::size_t bins = h.counts.size();
  const double width = (h.high - h.low) / static_cast<double>(bins);
  double best = -1, threshold = h.low + 0.5 * width;
  for (std::size_t split = 0; split + 1 < bins; ++split) {
    double w1 = 0, s1 = 0, w2 = 0, s2 = 0;
    for (std::size_t b = 0; b < bins; ++b) {
      const double centre = h.low + (static_cast<double>(b) + 0.5) * width;
      (b <= split ? w1 : w2) += h.counts[b];
      (b <= split ? s1 : s2) += h.counts[b] * centre;
    }
    if (w1 == 0 || w2 == 0) continue;
    const double total = w1 + w2;
    const double between = (w1 / total) * (w2 / total) * std::pow(s1 / w1 - s2 / w2, 2);
    if (between > best * (1 + 1e-12)) {
      best = between;
      threshold = h.low + (static_cast<double>(split) + 0.5) * width;
    }
  }
  return threshold;
}

std::vector<float> two_populations(std::uint64_t seed, double gap) {
  const std::uint64_t key = voxtrain::random_key({seed, 17});
  std::vector<float> v(3000);
  for (std::size_t n = 0; n < v.size(); ++n) {
    const double z = voxtrain::standard_normal(key, n);
    v[n] = static_cast<float>(n % 3 == 0 ? 10 + 2 * z : 10 + gap + 5 * z);
  }
  return v;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

}  // namespace

TEST_CASE("foreground: the histogram puts every value in the bin whose edges hold it", "[data]") {
  const std::vector<float> v = two_populations(3, 20);
  const voxtrain::Histogram h = voxtrain::equal_width_histogram(v, 64);
  REQUIRE(h.counts.size() == 64);
  std::vector<double> naive(64, 0.0);
  const double width = (h.high - h.low) / 64;
  for (float x : v) {
    auto b = static_cast<std::size_t>(std::floor((x - h.low) / width));
    naive[std::min<std::size_t>(b, 63)] += 1;
  }
  CHECK(h.counts == naive);
  CHECK(h.low == *std::min_element(v.begin(), v.end()));
  CHECK(h.high == *std::max_element(v.begin(), v.end()));
  // A constant input spans [v - 0.5, v + 0.5], as numpy does.
  const std::vector<float> constant(10, 4.0f);
  const voxtrain::Histogram c = voxtrain::equal_width_histogram(constant, 4);
  CHECK(c.low == 3.5);
  CHECK(c.high == 4.5);
  CHECK(c.counts == std::vector<double>{0, 0, 10, 0});
}

TEST_CASE("foreground: Otsu's threshold is the brute-force best split of the same histogram", "[data]") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    for (int bins : {16, 256}) {
      const std::vector<float> v = two_populations(seed, 5.0 * static_cast<double>(seed));
      const voxtrain::Histogram h = voxtrain::equal_width_histogram(v, bins);
      INFO("seed " << seed << " bins " << bins);
      CHECK(voxtrain::otsu_threshold(h) == Approx(brute_force_otsu(h)).epsilon(1e-12));
    }
  }
  // Two values: the split falls in the lower value's bin.
  const std::vector<float> two{0, 0, 0, 8, 8};
  CHECK(voxtrain::otsu_threshold(two, 4) == Approx(1.0));
}

TEST_CASE("foreground: Otsu thresholds of the fixtures match numpy's histogram and NiftyNet's rule", "[data]") {
  std::ifstream in(fixture_path("normalisation/expected.txt"));
  REQUIRE(in);
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string kind, subject;
    int c = 0;
    double expected = 0;
    words >> kind >> subject >> c >> expected;
    if (kind != "otsu") continue;
    const Tensor image = read_image(subject + ".nii.gz");
    INFO(subject << " channel " << c);
    CHECK(voxtrain::otsu_threshold(channel(image, c)) == Approx(expected).epsilon(1e-12));
    ++checked;
  }
  CHECK(checked == 5);
}

TEST_CASE("foreground: otsu_plus masks match scipy's binary_dilation(iterations=2) + binary_fill_holes", "[data]") {
  for (int n = 1; n <= 3; ++n) {
    const std::string subject = fmt::format("sub-{}", n);
    const Tensor image = read_image(subject + ".nii.gz");
    const std::vector<std::uint8_t> expected = read_mask(fmt::format("mask_sub-{}.nii.gz", n));
    const Tensor multi = voxtrain::foreground_mask(image, ForegroundType::OtsuPlus, MultimodForegroundType::Multi, subject);
    REQUIRE(multi.shape() == image.shape());
    const auto* got = multi.data<std::uint8_t>();
    INFO(subject);
    CHECK(std::equal(expected.begin(), expected.end(), got));

    // and / or: the voxelwise and / or of the non-empty channels' scipy masks.
    const std::size_t voxels = expected.size() / 2;
    const bool second_present = n != 3;  // sub-3's channel 1 is all zero
    const Tensor both = voxtrain::foreground_mask(image, ForegroundType::OtsuPlus, MultimodForegroundType::And, subject);
    const Tensor either = voxtrain::foreground_mask(image, ForegroundType::OtsuPlus, MultimodForegroundType::Or, subject);
    std::size_t mismatches = 0;
    for (std::size_t v = 0; v < voxels; ++v) {
      const bool a = expected[v] != 0, b = expected[voxels + v] != 0;
      const bool want_and = second_present ? (a && b) : a;
      const bool want_or = second_present ? (a || b) : a;
      for (std::size_t c = 0; c < 2; ++c) {
        const bool present = c == 0 || second_present;
        mismatches += (both.data<std::uint8_t>()[c * voxels + v] != 0) != (present && want_and);
        mismatches += (either.data<std::uint8_t>()[c * voxels + v] != 0) != (present && want_or);
      }
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("foreground: one voxel dilates to the 25-voxel diamond; an enclosed hole is filled", "[data]") {
  const std::int64_t s = 9;
  std::vector<float> img(static_cast<std::size_t>(s * s * s), 0.0f);
  auto at = [s](std::int64_t k, std::int64_t j, std::int64_t i) { return static_cast<std::size_t>((k * s + j) * s + i); };
  img[at(4, 4, 4)] = 5.0f;
  auto mask = voxtrain::channel_foreground_mask(img, s, s, s, ForegroundType::ThresholdPlus);
  std::size_t count = 0;
  for (std::int64_t k = 0; k < s; ++k)
    for (std::int64_t j = 0; j < s; ++j)
      for (std::int64_t i = 0; i < s; ++i) {
        const bool inside = std::abs(k - 4) + std::abs(j - 4) + std::abs(i - 4) <= 2;
        CHECK((mask[at(k, j, i)] != 0) == inside);
        count += mask[at(k, j, i)];
      }
  CHECK(count == 25);

  // A cube shell (radius 3 around the centre) seeds a mask whose inside is filled; the outside is not.
  std::fill(img.begin(), img.end(), -1.0f);
  for (std::int64_t k = 1; k < 8; ++k)
    for (std::int64_t j = 1; j < 8; ++j)
      for (std::int64_t i = 1; i < 8; ++i)
        if (std::max({std::abs(k - 4), std::abs(j - 4), std::abs(i - 4)}) == 3) img[at(k, j, i)] = 1.0f;
  mask = voxtrain::channel_foreground_mask(img, s, s, s, ForegroundType::ThresholdPlus);
  CHECK(mask[at(4, 4, 4)] == 1);
  CHECK(mask[at(0, 0, 0)] == 0);  // L1 distance 3 from the shell's corner (1, 1, 1)
  CHECK(mask[at(0, 4, 4)] == 1);  // one step from the shell

  // threshold_minus takes the negative voxels; mean_plus those above the mean.
  std::vector<float> ramp(static_cast<std::size_t>(s * s * s));
  for (std::size_t v = 0; v < ramp.size(); ++v) ramp[v] = static_cast<float>(v % 2 == 0 ? -1.0 : 3.0);
  CHECK(voxtrain::foreground_threshold(ramp, ForegroundType::MeanPlus) == Approx((365 * -1.0 + 364 * 3.0) / 729));
  CHECK(voxtrain::foreground_threshold(ramp, ForegroundType::ThresholdMinus) == 0.0);
}

TEST_CASE("foreground: masks do not depend on the OpenMP thread count", "[data]") {
  const Tensor image = read_image("sub-2.nii.gz");
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Tensor one = voxtrain::foreground_mask(image, ForegroundType::MeanPlus, MultimodForegroundType::Or);
  omp_set_num_threads(2);
  const Tensor two = voxtrain::foreground_mask(image, ForegroundType::MeanPlus, MultimodForegroundType::Or);
  omp_set_num_threads(threads);
  CHECK(same_bytes(one, two));
}

TEST_CASE("foreground: names parse case-insensitively; unknown names and empty foregrounds are errors", "[data]") {
  CHECK(voxtrain::parse_foreground_type("Otsu_Minus") == ForegroundType::OtsuMinus);
  CHECK(voxtrain::parse_multimod_foreground_type("MULTI") == MultimodForegroundType::Multi);
  CHECK(voxtrain::to_string(ForegroundType::MeanPlus) == "mean_plus");
  CHECK_THROWS_WITH(voxtrain::parse_foreground_type("otsu_plsu"),
                    Contains("foreground_type = 'otsu_plsu'") && Contains("did you mean 'otsu_plus'"));
  CHECK_THROWS_WITH(voxtrain::parse_multimod_foreground_type("xor"), Contains("and, or, multi"));

  Tensor negative = Tensor::zeros(Shape{1, 4, 4, 4});
  negative.fill(-2.0);
  CHECK_THROWS_WITH(voxtrain::foreground_mask(negative, ForegroundType::ThresholdPlus, MultimodForegroundType::And, "sub-9"),
                    Contains("subject 'sub-9' channel 0") && Contains("threshold_plus leaves no foreground"));
  std::vector<float> nan_values{1.0f, std::nanf("")};
  CHECK_THROWS_WITH(voxtrain::otsu_threshold(nan_values), Contains("NaN"));
}
