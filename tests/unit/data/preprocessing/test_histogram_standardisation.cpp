// test_histogram_standardisation.cpp — percentiles against a sort-based definition, the Nyúl
// mapping at hand-computed points, training against numpy (tests/data/normalisation), the file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/preprocessing/histogram_standardisation.hpp"

#include "support/fixtures.hpp"
#include "support/test_files.hpp"

using voxtrain::Cutoff;
using voxtrain::HistogramLandmarks;
using voxtrain::kLandmarkCount;
using voxtrain::Landmarks;
using voxtrain::NormType;
using voxtrain::Shape;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

// The q-th quantile by its definition: rank q (n - 1) in the sorted values, linear in between.
double sort_based_quantile(std::vector<float> values, double q) {
  std::sort(values.begin(), values.end());
  const double rank = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (rank - static_cast<double>(lo)) * (static_cast<double>(values[hi]) - values[lo]);
}

Landmarks ramp_landmarks(double scale, double offset) {
  Landmarks l{};
  for (std::size_t k = 0; k < kLandmarkCount; ++k) l[k] = offset + scale * static_cast<double>(k * k + k);
  return l;
}

Tensor mask_tensor(const std::string& name) {
  const Tensor t = read_fixture_labels(name);
  Tensor m = Tensor::zeros(t.shape(), voxtrain::DType::UInt8);
  for (std::int64_t v = 0; v < t.numel(); ++v) m.data<std::uint8_t>()[v] = static_cast<std::uint8_t>(t.data<std::int32_t>()[v]);
  return m;
}

}  // namespace

TEST_CASE("histogram: percentiles follow numpy's linear definition", "[data]") {
  const std::vector<float> four{4, 1, 3, 2};
  std::vector<float> sorted = four;
  std::sort(sorted.begin(), sorted.end());
  CHECK(voxtrain::percentile_of_sorted(sorted, 0.5) == 2.5);
  CHECK(voxtrain::percentile_of_sorted(sorted, 0.01) == Approx(1.03));
  CHECK(voxtrain::percentile_of_sorted(sorted, 1.0) == 4.0);
  CHECK(voxtrain::percentile_of_sorted(sorted, 0.0) == 1.0);

  const std::uint64_t key = voxtrain::random_key({5, 1});
  std::vector<float> values(1001);
  std::vector<std::uint8_t> mask(values.size());
  for (std::size_t n = 0; n < values.size(); ++n) {
    values[n] = static_cast<float>(100 * voxtrain::uniform01(key, n));
    mask[n] = voxtrain::uniform01(key, 5000 + n) < 0.4 ? 1 : 0;
  }
  std::vector<float> masked;
  for (std::size_t n = 0; n < values.size(); ++n)
    if (mask[n]) masked.push_back(values[n]);
  const Cutoff cutoff{0.02, 0.97};
  const Landmarks l = voxtrain::image_landmarks(values, mask, cutoff);
  const Landmarks f = voxtrain::landmark_fractions(cutoff);
  for (std::size_t k = 0; k < kLandmarkCount; ++k) CHECK(l[k] == Approx(sort_based_quantile(masked, f[k])).epsilon(1e-12));
  const Landmarks all = voxtrain::image_landmarks(values, {}, cutoff);
  CHECK(all[6] == Approx(sort_based_quantile(values, 0.5)).epsilon(1e-12));
}

TEST_CASE("histogram: cutoffs are standardised as NiftyNet does", "[data]") {
  CHECK(voxtrain::standardise_cutoff({0.01, 0.99}, NormType::Percentile) == Cutoff{0.01, 0.99});
  CHECK(voxtrain::standardise_cutoff({0.99, 0.01}, NormType::Percentile) == Cutoff{0.01, 0.99});
  CHECK(voxtrain::standardise_cutoff({0.2, 0.8}, NormType::Percentile) == Cutoff{0.09, 0.91});
  CHECK(voxtrain::standardise_cutoff({0.2, 0.8}, NormType::Quartile) == Cutoff{0.2, 0.8});
  CHECK(voxtrain::standardise_cutoff({0.3, 0.7}, NormType::Quartile) == Cutoff{0.24, 0.76});
  CHECK(voxtrain::standardise_cutoff({-0.5, 1.5}, NormType::Median) == Cutoff{0.0, 1.0});
}

TEST_CASE("histogram: the Nyúl map sends the image's landmarks onto the reference, linear in between", "[data]") {
  const Landmarks image = ramp_landmarks(1.0, 10.0);       // 10, 12, 16, 22, ...
  const Landmarks reference = ramp_landmarks(0.5, -3.0);   // -3, -2, 0, 3, ...
  for (NormType type : {NormType::Percentile, NormType::Quartile, NormType::Median}) {
    const voxtrain::PiecewiseLinear map = voxtrain::nyul_mapping(image, reference, type);
    for (std::size_t k : voxtrain::landmarks_used(type)) CHECK(map(image[k]) == Approx(reference[k]).margin(1e-12));
    double previous = map(0.0);
    for (double x = 0.5; x < 250; x += 0.5) {  // monotone, past both ends
      CHECK(map(x) >= previous);
      previous = map(x);
    }
  }
  // Median: landmarks 0, 6, 12. image 10, 52, 166; reference -3, 18, 75.
  const voxtrain::PiecewiseLinear median = voxtrain::nyul_mapping(image, reference, NormType::Median);
  CHECK(median(31.0) == Approx(-3.0 + 21.0 * 21.0 / 42.0));     // halfway up the first segment
  CHECK(median(109.0) == Approx(18.0 + 57.0 * 57.0 / 114.0));   // halfway up the second
  CHECK(median(0.0) == Approx(-3.0 - 10.0 * 21.0 / 42.0));      // below: the first segment extended
  CHECK(median(200.0) == Approx(75.0 + 34.0 * 57.0 / 114.0));   // above: the last segment extended
  // Equal image landmarks: that segment is flat at its left reference landmark.
  Landmarks flat = image;
  flat[6] = flat[0];
  const voxtrain::PiecewiseLinear m = voxtrain::nyul_mapping(flat, reference, NormType::Median);
  CHECK(m.slope[0] == 0.0);
  CHECK(m(flat[0] - 5) == Approx(-3.0));
  CHECK(m(flat[12]) == Approx(75.0));
}

TEST_CASE("histogram: training maps each subject's cutoffs to 0 and 100 and averages", "[data]") {
  // Two subjects whose foregrounds are 0..99 and 2 * (0..99) + 10: both map to the same scale.
  Tensor a = Tensor::zeros(Shape{1, 1, 10, 10});
  Tensor b = Tensor::zeros(Shape{1, 1, 10, 10});
  for (int v = 0; v < 100; ++v) {
    a.data<float>()[v] = static_cast<float>(v);
    b.data<float>()[v] = static_cast<float>(2 * v + 10);
  }
  const Cutoff cutoff{0.01, 0.99};
  const HistogramLandmarks trained = voxtrain::train_landmarks({{.id = "a", .image = &a, .mask = nullptr},
                                                                {.id = "b", .image = &b, .mask = nullptr}},
                                                               {"CT"}, NormType::Percentile, cutoff);
  const Landmarks& l = trained.modalities.at("CT");
  const Landmarks f = voxtrain::landmark_fractions(cutoff);
  for (std::size_t k = 0; k < kLandmarkCount; ++k) {
    // For 0..99 the q-quantile is 99 q: mapped, 100 (99 q - 0.99) / (98.01 - 0.99).
    CHECK(l[k] == Approx(100.0 * (99.0 * f[k] - 0.99) / 97.02).margin(1e-9));
  }
  CHECK(l.front() == Approx(0.0).margin(1e-12));
  CHECK(l.back() == Approx(100.0));
}

TEST_CASE("histogram: landmarks trained on the fixtures match numpy's NiftyNet-style training", "[data]") {
  std::vector<Tensor> images, masks;
  for (int n = 1; n <= 3; ++n) {
    images.push_back(read_fixture_image(fmt::format("normalisation/sub-{}.nii.gz", n)));
    masks.push_back(mask_tensor(fmt::format("normalisation/mask_sub-{}.nii.gz", n)));
  }
  std::vector<voxtrain::LandmarkSubject> subjects;
  for (std::size_t n = 0; n < images.size(); ++n)
    subjects.push_back({.id = fmt::format("sub-{}", n + 1), .image = &images[n], .mask = &masks[n]});
  const HistogramLandmarks trained = voxtrain::train_landmarks(subjects, {"T1", "T2"}, NormType::Percentile, {0.01, 0.99});
  const HistogramLandmarks numpy =
      voxtrain::read_landmarks_file(fixture_path("normalisation/histogram_ref_file.txt"), {"T1", "T2"});
  for (const std::string m : {"T1", "T2"})
    for (std::size_t k = 0; k < kLandmarkCount; ++k) {
      INFO(m << " landmark " << k);
      CHECK(trained.modalities.at(m)[k] == Approx(numpy.modalities.at(m)[k]).epsilon(1e-9).margin(1e-9));
    }
}

TEST_CASE("histogram: the landmarks file round-trips and a NiftyNet-written file reads", "[data]") {
  const ScratchDir dir("hist");
  HistogramLandmarks landmarks;
  landmarks.modalities["T1"] = ramp_landmarks(0.1, 0.0);
  landmarks.modalities["FLAIR"] = ramp_landmarks(1.0 / 3.0, 1e-7);
  const std::string path = dir.file("ref.txt");
  voxtrain::write_landmarks_file(path, landmarks);
  const HistogramLandmarks back = voxtrain::read_landmarks_file(path, {"FLAIR", "T1"});
  CHECK(back.modalities == landmarks.modalities);  // shortest round-trip text: exact
  CHECK(back.source == path);

  // As NiftyNet writes it: str() of float64 values, label lines beside the modalities.
  dir.write("ref.txt",
            "T1 0.0 1.5 2.5 3.0 3.5 4.5 5.5 6.5 7.5 8.0 8.5 9.5 100.0\n"
            "\n"
            "label_label-from 0.0 1.0 4.0\n"
            "label_label-to 0 1 2\n"
            "T2 -1e-05 1 2 3 4 5 6 7 8 9 10 11 12\n");
  const HistogramLandmarks niftynet = voxtrain::read_landmarks_file(path, {"T2", "T1"});
  CHECK(niftynet.modalities.at("T1")[1] == 1.5);
  CHECK(niftynet.modalities.at("T1")[12] == 100.0);
  CHECK(niftynet.modalities.at("T2")[0] == -1e-05);

  // Writing other modalities keeps the lines already there, in place.
  HistogramLandmarks more;
  more.modalities["T2"] = ramp_landmarks(2.0, 0.0);
  more.modalities["PD"] = ramp_landmarks(3.0, 0.0);
  voxtrain::write_landmarks_file(path, more);
  const std::vector<voxtrain::ReferenceLine> lines = voxtrain::read_reference_file(path);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].name == "T1");
  CHECK(lines[1].name == "label_label-from");
  CHECK(lines[3].name == "T2");
  CHECK(lines[3].values[1] == 4.0);
  CHECK(lines[4].name == "PD");
  CHECK(fs::directory_iterator(dir.path()) != fs::directory_iterator());
  for (const auto& entry : fs::directory_iterator(dir.path())) CHECK(entry.path().filename() == "ref.txt");
}

TEST_CASE("histogram: file errors name the file, the line or the modality and say what to do", "[data]") {
  const ScratchDir dir("hist");
  const std::string missing = dir.file("nothing.txt");
  CHECK_THAT(error_or_none([&] { voxtrain::read_landmarks_file(missing, {"T1"}); }),
             Contains(missing) && Contains("does not exist") && Contains("train first") &&
                 Contains("histogram_ref_file"));
  const std::string path = dir.file("ref.txt");
  dir.write("ref.txt", "T1 0 1 2 3 4 5 6 7 8 9 10 11 12\nT2 0 1 two 3\n");
  CHECK_THAT(error_or_none([&] { voxtrain::read_landmarks_file(path, {"T1"}); }),
             Contains(path + ":2:") && Contains("'two' is not a number"));
  dir.write("ref.txt", "T1 0 1 2 3 4 5 6 7 8 9 10 11 12\nT2 0 1 2\n");
  CHECK_THAT(error_or_none([&] { voxtrain::read_landmarks_file(path, {"T1", "T3"}); }),
             Contains("no histogram landmarks for modality 'T3'") && Contains("the file has: T1, T2"));
  CHECK_THAT(error_or_none([&] { voxtrain::read_landmarks_file(path, {"T2"}); }),
             Contains(path + ":2:") && Contains("'T2' has 3 values, expected 13"));
  HistogramLandmarks spaced;
  spaced.modalities["T1 w"] = ramp_landmarks(1, 0);
  CHECK_THAT(error_or_none([&] { voxtrain::write_landmarks_file(dir.file("x.txt"), spaced); }), Contains("spaces"));

  Tensor image = Tensor::zeros(Shape{1, 2, 2, 2});
  image.fill(1.0);
  const HistogramLandmarks t1 = voxtrain::read_landmarks_file(path, {"T1"});
  const Cutoff cutoff{0.01, 0.99};
  auto apply = [&](const std::vector<std::string>& modalities) {
    voxtrain::apply_histogram_standardisation(image, nullptr, t1, modalities, NormType::Percentile, cutoff);
  };
  CHECK_THAT(error_or_none([&] { apply({"FLAIR"}); }),
             Contains(path) && Contains("modality 'FLAIR'") && Contains("it has: T1"));
  CHECK_THAT(error_or_none([&] { apply({"T1", "T2"}); }), Contains("1 channels but 2 modalities"));
  const voxtrain::LandmarkSubject constant{.id = "sub-7", .image = &image, .mask = nullptr};
  CHECK_THAT(error_or_none([&] { voxtrain::train_landmarks({constant}, {"T1"}, NormType::Percentile, cutoff); }),
             Contains("subject 'sub-7' modality 'T1'") && Contains("percentiles are equal"));
  CHECK_THAT(error_or_none([] { voxtrain::parse_norm_type("quartiles"); }), Contains("did you mean 'quartile'"));
}

TEST_CASE("histogram: applying maps a channel so its own landmarks land on the reference", "[data]") {
  // An image whose foreground is 0..999 (mask: the even voxels), background 5000: after mapping
  // the foreground landmarks sit on the reference, and an all-zero channel stays zero.
  Tensor image = Tensor::zeros(Shape{2, 2, 10, 100});
  Tensor mask = Tensor::zeros(Shape{2, 2, 10, 100}, voxtrain::DType::UInt8);
  float* x = image.data<float>();
  for (int v = 0; v < 2000; ++v) {
    x[v] = v % 2 == 0 ? static_cast<float>(v / 2) : 5000.0f;
    mask.data<std::uint8_t>()[v] = v % 2 == 0 ? 1 : 0;
  }
  HistogramLandmarks reference;
  reference.modalities["T1"] = ramp_landmarks(0.5, 0.0);
  reference.modalities["T2"] = ramp_landmarks(1.0, 0.0);
  const Cutoff cutoff{0.01, 0.99};
  const Landmarks before = voxtrain::image_landmarks({x, 2000}, {mask.data<std::uint8_t>(), 2000}, cutoff);
  voxtrain::apply_histogram_standardisation(image, &mask, reference, {"T1", "T2"}, NormType::Quartile, cutoff);
  const voxtrain::PiecewiseLinear map = voxtrain::nyul_mapping(before, reference.modalities.at("T1"), NormType::Quartile);
  CHECK(x[0] == Approx(map(0.0)));
  CHECK(x[1] == Approx(map(5000.0)));  // outside the mask: mapped too
  CHECK(x[2 * 500] == Approx(map(500.0)));
  // By hand: the quartile landmarks of 0..999 are 249.75, 499.5, 749.25 and the reference's 6, 21,
  // 45, so 499 lies on the segment of slope 15 / 249.75 and 500 on that of slope 24 / 249.75.
  CHECK(x[2 * 499] == Approx(21.0 - 0.5 * 15.0 / 249.75).epsilon(1e-6));
  CHECK(x[2 * 500] == Approx(21.0 + 0.5 * 24.0 / 249.75).epsilon(1e-6));
  for (int v = 2000; v < 4000; ++v) REQUIRE(x[v] == 0.0f);
}
