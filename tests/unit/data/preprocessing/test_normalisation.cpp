// test_normalisation.cpp — whitening and percentile clipping against naive loops and sorting,
// the NiftyNet pipeline against numpy (tests/data/normalisation), thread independence, settings.
#include <catch2/catch.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/preprocessing/normalisation.hpp"

#include "support/fixtures.hpp"
#include "support/test_files.hpp"

using voxtrain::ClipRescale;
using voxtrain::NormalisationSettings;
using voxtrain::Shape;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace {

Tensor random_image(std::int64_t channels, std::int64_t d, std::int64_t h, std::int64_t w, std::uint64_t seed) {
  Tensor t = Tensor::empty(Shape{channels, d, h, w});
  const std::uint64_t key = voxtrain::random_key({seed, 99});
  for (std::int64_t v = 0; v < t.numel(); ++v) {
    const auto n = static_cast<std::uint64_t>(v);
    const double fg = voxtrain::uniform01(key, 3 * n) < 0.5 ? 0.0 : 50.0 + 7.0 * static_cast<double>(v / (d * h * w));
    t.data<float>()[v] = static_cast<float>(fg + 10.0 * voxtrain::standard_normal(key, 3 * n + 1));
  }
  return t;
}

Tensor random_mask(const Shape& shape, std::uint64_t seed) {
  Tensor m = Tensor::zeros(shape, voxtrain::DType::UInt8);
  const std::uint64_t key = voxtrain::random_key({seed, 7});
  for (std::int64_t v = 0; v < m.numel(); ++v)
    m.data<std::uint8_t>()[v] = voxtrain::uniform01(key, static_cast<std::uint64_t>(v)) < 0.3;
  return m;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

double sorted_percentile(std::vector<double> v, double percent) {
  std::sort(v.begin(), v.end());
  const double rank = percent / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (rank - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

NormalisationSettings pipeline_settings() {
  NormalisationSettings s;
  s.whitening = true;
  s.normalise_foreground_only = true;
  s.normalisation = true;
  return s;  // otsu_plus, and, percentile, cutoff (0.01, 0.99): NiftyNet's defaults
}

}  // namespace

TEST_CASE("normalisation: whitening gives each channel mean 0 and std 1 over its mask", "[data]") {
  const Tensor original = random_image(2, 5, 6, 7, 1);
  const std::int64_t n = 5 * 6 * 7;
  for (bool masked : {false, true}) {
    Tensor image = original.clone();
    const Tensor mask = random_mask(image.shape(), 2);
    voxtrain::whiten(image, masked ? &mask : nullptr);
    for (std::int64_t c = 0; c < 2; ++c) {
      double sum = 0, count = 0;
      for (std::int64_t v = 0; v < n; ++v)
        if (!masked || mask.data<std::uint8_t>()[c * n + v]) {
          sum += original.data<float>()[c * n + v];
          count += 1;
        }
      const double mean = sum / count;
      double squares = 0;
      for (std::int64_t v = 0; v < n; ++v)
        if (!masked || mask.data<std::uint8_t>()[c * n + v]) squares += std::pow(original.data<float>()[c * n + v] - mean, 2);
      const double std_dev = std::sqrt(squares / count);
      double out_sum = 0, out_squares = 0;
      for (std::int64_t v = 0; v < n; ++v) {
        const double y = image.data<float>()[c * n + v];
        REQUIRE(y == Approx((original.data<float>()[c * n + v] - mean) / std_dev).margin(1e-5));
        if (!masked || mask.data<std::uint8_t>()[c * n + v]) {
          out_sum += y;
          out_squares += y * y;
        }
      }
      CHECK(out_sum / count == Approx(0.0).margin(1e-6));
      CHECK(out_squares / count == Approx(1.0).epsilon(1e-5));
    }
  }
  // A constant channel: std 0 is floored at 1e-5, so it becomes 0; an empty mask leaves a channel alone.
  Tensor constant = Tensor::zeros(Shape{2, 2, 2, 2});
  constant.fill(7.0);
  Tensor mask = Tensor::zeros(Shape{2, 2, 2, 2}, voxtrain::DType::UInt8);
  std::fill(mask.data<std::uint8_t>(), mask.data<std::uint8_t>() + 8, 1);
  voxtrain::whiten(constant, &mask);
  CHECK(constant.data<float>()[0] == 0.0f);
  CHECK(constant.data<float>()[8] == 7.0f);
}

TEST_CASE("normalisation: percentile clipping clips to sorted-value percentiles and rescales", "[data]") {
  const Tensor original = random_image(2, 4, 5, 6, 3);
  const Tensor mask = random_mask(original.shape(), 4);
  const std::int64_t n = 4 * 5 * 6;
  for (ClipRescale rescale : {ClipRescale::None, ClipRescale::ZeroOne, ClipRescale::MinusOneOne}) {
    Tensor image = original.clone();
    voxtrain::clip_to_percentiles(image, &mask, {2.5, 90.0}, rescale);
    for (std::int64_t c = 0; c < 2; ++c) {
      std::vector<double> fg;
      for (std::int64_t v = 0; v < n; ++v)
        if (mask.data<std::uint8_t>()[c * n + v]) fg.push_back(original.data<float>()[c * n + v]);
      const double lo = sorted_percentile(fg, 2.5), hi = sorted_percentile(fg, 90.0);
      for (std::int64_t v = 0; v < n; ++v) {
        const double x = std::clamp(static_cast<double>(original.data<float>()[c * n + v]), lo, hi);
        double want = x;
        if (rescale == ClipRescale::ZeroOne) want = (x - lo) / (hi - lo);
        if (rescale == ClipRescale::MinusOneOne) want = 2 * (x - lo) / (hi - lo) - 1;
        REQUIRE(image.data<float>()[c * n + v] == Approx(want).margin(1e-5));
      }
    }
  }
  Tensor flat = Tensor::zeros(Shape{1, 1, 2, 2});
  flat.fill(3.0);
  voxtrain::clip_to_percentiles(flat, nullptr, {1, 99}, ClipRescale::MinusOneOne);
  CHECK(flat.data<float>()[3] == -1.0f);
}

TEST_CASE("normalisation: the NiftyNet pipeline on a fixture matches numpy and scipy", "[data]") {
  Tensor image = read_fixture_image("normalisation/sub-1.nii.gz");
  const Tensor expected = read_fixture_image("normalisation/normalised_sub-1.nii.gz");
  const voxtrain::HistogramLandmarks landmarks =
      voxtrain::read_landmarks_file(fixture_path("normalisation/histogram_ref_file.txt"), {"T1", "T2"});
  const Tensor mask = voxtrain::normalise_subject_image(image, pipeline_settings(), &landmarks, {"T1", "T2"}, "sub-1");
  REQUIRE(mask.defined());
  REQUIRE(image.shape() == expected.shape());
  double worst = 0;
  for (std::int64_t v = 0; v < image.numel(); ++v)
    worst = std::max(worst, std::abs(static_cast<double>(image.data<float>()[v]) - expected.data<float>()[v]));
  CHECK(worst < 1e-4);
}

TEST_CASE("normalisation: training landmarks through the settings uses each channel's own mask", "[data]") {
  std::vector<Tensor> images;
  for (int n = 1; n <= 3; ++n)
    images.push_back(read_fixture_image(fmt::format("normalisation/sub-{}.nii.gz", n)));
  const voxtrain::HistogramLandmarks trained = voxtrain::train_histogram_landmarks(
      {{.id = "sub-1", .image = &images[0]}, {.id = "sub-2", .image = &images[1]}, {.id = "sub-3", .image = &images[2]}},
      {"T1", "T2"}, pipeline_settings());
  const voxtrain::HistogramLandmarks numpy =
      voxtrain::read_landmarks_file(fixture_path("normalisation/histogram_ref_file.txt"), {"T1", "T2"});
  for (const std::string m : {"T1", "T2"})
    for (std::size_t k = 0; k < voxtrain::kLandmarkCount; ++k)
      CHECK(trained.modalities.at(m)[k] == Approx(numpy.modalities.at(m)[k]).epsilon(1e-9).margin(1e-9));
}

TEST_CASE("normalisation: results do not depend on the OpenMP thread count", "[data]") {
  const Tensor original = random_image(2, 12, 11, 10, 5);
  NormalisationSettings s = pipeline_settings();
  s.normalisation = false;
  s.percentile_clipping = true;
  s.multimod_foreground_type = voxtrain::MultimodForegroundType::Or;
  const int threads = omp_get_max_threads();
  Tensor one = original.clone(), two = original.clone();
  omp_set_num_threads(1);
  const Tensor mask_one = voxtrain::normalise_subject_image(one, s, nullptr, {}, "a");
  omp_set_num_threads(2);
  const Tensor mask_two = voxtrain::normalise_subject_image(two, s, nullptr, {}, "a");
  omp_set_num_threads(threads);
  CHECK(same_bytes(one, two));
  CHECK(same_bytes(mask_one, mask_two));
  CHECK_FALSE(same_bytes(one, original));
}

TEST_CASE("normalisation: the fingerprint lists the settings that change the output", "[data]") {
  NormalisationSettings s;
  auto f = voxtrain::normalisation_fingerprint(s);
  CHECK(f == std::map<std::string, std::string>{{"normalisation.whitening", "false"},
                                                {"normalisation.normalisation", "false"},
                                                {"normalisation.percentile_clipping", "false"},
                                                {"normalisation.label_normalisation", "false"}});
  s = pipeline_settings();
  s.label_normalisation = true;
  voxtrain::HistogramLandmarks landmarks;
  landmarks.modalities["T1"] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100};
  const voxtrain::LabelMapping labels{.from = {0, 4}, .to = {0, 1}, .source = ""};
  f = voxtrain::normalisation_fingerprint(s, &landmarks, &labels);
  CHECK(f.at("normalisation.whitening") == "true");
  CHECK(f.at("normalisation.normalise_foreground_only") == "true");
  CHECK(f.at("normalisation.foreground_type") == "otsu_plus");
  CHECK(f.at("normalisation.multimod_foreground_type") == "and");
  CHECK(f.at("normalisation.norm_type") == "percentile");
  CHECK(f.at("normalisation.cutoff") == "0.01 0.99");
  CHECK(f.at("normalisation.landmarks.T1") == "0 1 2 3 4 5 6 7 8 9 10 11 100");
  CHECK(f.at("normalisation.label_mapping.from") == "0 4");
  CHECK(f.count("normalisation.clipping_percentiles") == 0);
  s.cutoff = {0.02, 0.98};
  CHECK(voxtrain::normalisation_fingerprint(s).at("normalisation.cutoff") == "0.02 0.98");
}

TEST_CASE("normalisation: settings and subjects that cannot be normalised are one-line errors", "[data]") {
  NormalisationSettings s;
  s.cutoff = {0.9, 0.1};
  CHECK_THAT(error_or_none([&] { voxtrain::check_normalisation_settings(s); }), Contains("[NETWORK] cutoff = (0.9, 0.1)"));
  s = {};
  s.clipping_percentiles = {1, 101};
  CHECK_THAT(error_or_none([&] { voxtrain::check_normalisation_settings(s); }), Contains("clipping_percentiles"));
  s = {};
  s.normalisation = true;
  s.histogram_ref_file = "";
  CHECK_THAT(error_or_none([&] { voxtrain::check_normalisation_settings(s); }), Contains("histogram_ref_file is empty"));
  CHECK(voxtrain::parse_clip_rescale("Zero_One") == ClipRescale::ZeroOne);
  CHECK_THAT(error_or_none([] { voxtrain::parse_clip_rescale("unit"); }), Contains("none, zero_one, minus_one_one"));

  Tensor image = random_image(2, 3, 3, 3, 8);
  CHECK_THAT(error_or_none([&] { voxtrain::normalise_subject_image(image, pipeline_settings(), nullptr, {"T1", "T2"}, "sub-4"); }),
             Contains("subject 'sub-4'") && Contains("train first"));
  CHECK_THAT(error_or_none([&] { voxtrain::normalise_subject_image(image, pipeline_settings(), nullptr, {"T1"}, "sub-4"); }),
             Contains("2 channels but 1 modalities"));
  image.data<float>()[30] = std::nanf("");
  NormalisationSettings whiten_only;
  whiten_only.whitening = true;
  CHECK_THAT(error_or_none([&] { voxtrain::normalise_subject_image(image, whiten_only, nullptr, {"T1", "T2"}, "sub-4"); }),
             Contains("subject 'sub-4' channel 1 ('T2'): 1 voxels are NaN"));

  // Disjoint foregrounds fused with 'and' leave a channel nothing to normalise over.
  Tensor disjoint = Tensor::zeros(Shape{2, 9, 9, 9});
  disjoint.data<float>()[0] = 1.0f;
  disjoint.data<float>()[729 + 728] = 1.0f;
  NormalisationSettings fg = whiten_only;
  fg.normalise_foreground_only = true;
  fg.foreground_type = voxtrain::ForegroundType::ThresholdPlus;
  CHECK_THAT(error_or_none([&] { voxtrain::normalise_subject_image(disjoint, fg, nullptr, {}, "sub-5"); }),
             Contains("subject 'sub-5' channel 0") && Contains("multimod_foreground_type = and"));

  // Labels: mapped with label_normalisation, range-checked without it.
  Tensor label = Tensor::zeros(Shape{1, 1, 1, 3}, voxtrain::DType::Int32);
  label.data<std::int32_t>()[1] = 4;
  NormalisationSettings ln;
  CHECK_THAT(error_or_none([&] { voxtrain::normalise_subject_label(label, ln, nullptr, 2, "sub-6"); }),
             Contains("label values 4 are outside 0..1"));
  ln.label_normalisation = true;
  const voxtrain::LabelMapping mapping{.from = {0, 4}, .to = {0, 1}, .source = ""};
  voxtrain::normalise_subject_label(label, ln, &mapping, 2, "sub-6");
  CHECK(label.data<std::int32_t>()[1] == 1);
}
