// test_segmentation_metrics.cpp — confusion counts and every ratio metric on a 12-voxel label map
// counted by hand; NaN where a ratio is undefined; counts of random maps against a naive loop;
// aliases; out-of-range labels; distances through label_map_metrics; the NaN-skipping mean.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"

using voxtrain::ConfusionCounts;
using voxtrain::DType;
using voxtrain::Shape;
using voxtrain::Tensor;
using Catch::Matchers::Contains;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor labels(const Shape& shape, const std::vector<std::int32_t>& values) {
  Tensor t = Tensor::empty(shape, DType::Int32);
  REQUIRE(t.numel() == static_cast<std::int64_t>(values.size()));
  std::copy(values.begin(), values.end(), t.data<std::int32_t>());
  return t;
}

// [D, H, W] = [1, 3, 4]; rows are j, columns i.
Tensor hand_ref() { return labels({1, 3, 4}, {0, 0, 1, 1, /**/ 0, 1, 1, 2, /**/ 2, 2, 0, 0}); }
Tensor hand_seg() { return labels({1, 3, 4}, {0, 1, 1, 1, /**/ 0, 1, 2, 2, /**/ 2, 0, 0, 2}); }

void check_value(const std::string& name, double got, double expected) {
  INFO(name);
  if (std::isnan(expected)) {
    CHECK(std::isnan(got));
  } else {
    CHECK(got == Approx(expected).epsilon(1e-12).margin(1e-15));
  }
}

}  // namespace

TEST_CASE("confusion counts of a 12-voxel label map, counted by hand", "[metrics]") {
  // (ref, seg) per voxel: (0,0) (0,1) (1,1) (1,1) | (0,0) (1,1) (1,2) (2,2) | (2,2) (2,0) (0,0) (0,2)
  const std::vector<ConfusionCounts> c = voxtrain::confusion_counts(hand_seg(), hand_ref(), 4);
  REQUIRE(c.size() == 4);
  CHECK((c[0].tp == 3 && c[0].fp == 1 && c[0].tn == 6 && c[0].fn == 2));
  CHECK((c[1].tp == 3 && c[1].fp == 1 && c[1].tn == 7 && c[1].fn == 1));
  CHECK((c[2].tp == 2 && c[2].fp == 2 && c[2].tn == 7 && c[2].fn == 1));
  CHECK((c[3].tp == 0 && c[3].fp == 0 && c[3].tn == 12 && c[3].fn == 0));
}

TEST_CASE("every count metric from the hand counts; NaN where a denominator is zero", "[metrics]") {
  const std::vector<ConfusionCounts> c = voxtrain::confusion_counts(hand_seg(), hand_ref(), 4);
  // Expected values per class, from the hand counts above (tp, fp, tn, fn):
  // class 0 (3, 1, 6, 2), class 1 (3, 1, 7, 1), class 2 (2, 2, 7, 1), class 3 (0, 0, 12, 0).
  const std::map<std::string, std::vector<double>> expected{
      {"dice", {6.0 / 9, 6.0 / 8, 4.0 / 7, kNaN}},
      {"jaccard", {3.0 / 6, 3.0 / 5, 2.0 / 5, kNaN}},
      {"sensitivity", {3.0 / 5, 3.0 / 4, 2.0 / 3, kNaN}},
      {"specificity", {6.0 / 7, 7.0 / 8, 7.0 / 9, 1.0}},
      {"accuracy", {9.0 / 12, 10.0 / 12, 9.0 / 12, 1.0}},
      {"precision", {3.0 / 4, 3.0 / 4, 2.0 / 4, kNaN}},
      {"npv", {6.0 / 8, 7.0 / 8, 7.0 / 8, 1.0}},
      {"fpr", {1.0 / 7, 1.0 / 8, 2.0 / 9, 0.0}},
      {"informedness", {3.0 / 5 + 6.0 / 7 - 1, 3.0 / 4 + 7.0 / 8 - 1, 2.0 / 3 + 7.0 / 9 - 1, kNaN}},
      {"markedness", {3.0 / 4 + 6.0 / 8 - 1, 3.0 / 4 + 7.0 / 8 - 1, 2.0 / 4 + 7.0 / 8 - 1, kNaN}},
      {"tp", {3, 3, 2, 0}},
      {"fp", {1, 1, 2, 0}},
      {"tn", {6, 7, 7, 12}},
      {"fn", {2, 1, 1, 0}},
      {"n_pos_ref", {5, 4, 3, 0}},
      {"n_neg_ref", {7, 8, 9, 12}},
      {"n_pos_seg", {4, 4, 4, 0}},
      {"n_neg_seg", {8, 8, 8, 12}},
      {"n_intersection", {3, 3, 2, 0}},
      {"n_union", {6, 5, 5, 0}},
      {"vol_diff", {(4.0 - 5) / 5, 0.0, (4.0 - 3) / 3, kNaN}},
  };
  std::size_t count_metrics = 0;
  for (const auto& info : voxtrain::segmentation_metric_catalogue()) count_metrics += !info.needs_surfaces;
  REQUIRE(expected.size() == count_metrics);  // every count metric is checked
  for (const auto& [name, values] : expected)
    for (std::size_t k = 0; k < 4; ++k)
      check_value(name + " class " + std::to_string(k), voxtrain::segmentation_metric(name, c[k], nullptr), values[k]);
}

TEST_CASE("confusion counts of random label maps equal a naive loop per class", "[metrics]") {
  const int classes = 5;
  const std::uint64_t key = voxtrain::random_key({17, 0xc0ffeeULL});
  Tensor seg = Tensor::empty({6, 7, 8}, DType::UInt8), ref = Tensor::empty({6, 7, 8}, DType::Int32);
  for (std::int64_t v = 0; v < seg.numel(); ++v) {
    seg.data<std::uint8_t>()[v] = static_cast<std::uint8_t>(voxtrain::uniform01(key, 2 * v) * classes);
    ref.data<std::int32_t>()[v] = static_cast<std::int32_t>(voxtrain::uniform01(key, 2 * v + 1) * classes);
  }
  const std::vector<ConfusionCounts> c = voxtrain::confusion_counts(seg, ref, classes);
  for (int k = 0; k < classes; ++k) {
    ConfusionCounts n;
    for (std::int64_t v = 0; v < seg.numel(); ++v) {
      const bool s = seg.data<std::uint8_t>()[v] == k, r = ref.data<std::int32_t>()[v] == k;
      n.tp += s && r;
      n.fp += s && !r;
      n.tn += !s && !r;
      n.fn += !s && r;
    }
    CHECK((c[k].tp == n.tp && c[k].fp == n.fp && c[k].tn == n.tn && c[k].fn == n.fn));
  }
}

TEST_CASE("metric names: the catalogue, NiftyNet's aliases, unknown names", "[metrics]") {
  CHECK(voxtrain::canonical_metric_name("dice") == "dice");
  CHECK(voxtrain::canonical_metric_name("Dice") == "dice");
  CHECK(voxtrain::canonical_metric_name("IoU") == "jaccard");
  CHECK(voxtrain::canonical_metric_name("positive_predictive_values") == "precision");
  CHECK(voxtrain::canonical_metric_name("negative_predictive_values") == "npv");
  CHECK(voxtrain::canonical_metric_name("hausdorff95_distance") == "hausdorff95_distance");
  CHECK_FALSE(voxtrain::canonical_metric_name("dic").has_value());
  CHECK(voxtrain::segmentation_metric_catalogue().size() == 24);
}

TEST_CASE("labels outside [0, num_classes) are found and refused", "[metrics]") {
  CHECK_FALSE(voxtrain::find_label_outside(hand_seg(), 3).has_value());
  const auto high = voxtrain::find_label_outside(hand_seg(), 2);
  REQUIRE(high.has_value());
  CHECK((high->index == 6 && high->value == 2));
  const auto negative = voxtrain::find_label_outside(labels({1, 1, 3}, {0, -1, 1}), 2);
  REQUIRE(negative.has_value());
  CHECK((negative->index == 1 && negative->value == -1));
  CHECK_THROWS_WITH(voxtrain::confusion_counts(hand_seg(), hand_ref(), 2),
                    Contains("segmentation label map holds label 2") && Contains("outside [0, 2)"));
  CHECK_THROWS_WITH(voxtrain::label_map_metrics(hand_seg(), labels({1, 2, 6}, std::vector<std::int32_t>(12, 0)), 3,
                                                std::vector<int>{1}, std::vector<std::string>{"dice"}, {1, 1, 1}),
                    Contains("differ in shape"));
}

TEST_CASE("label_map_metrics: counts and distances per label of a cube moved one 2.5 mm slice", "[metrics]") {
  // Label 1: a 4^3 cube, moved one voxel along k (2.5 mm); label 2: a single voxel missing from seg.
  Tensor ref = Tensor::zeros({9, 9, 9}, DType::Int32), seg = Tensor::zeros({9, 9, 9}, DType::Int32);
  auto at = [](Tensor& t, int i, int j, int k) -> std::int32_t& { return t.data<std::int32_t>()[(k * 9 + j) * 9 + i]; };
  for (int k = 2; k < 6; ++k)
    for (int j = 2; j < 6; ++j)
      for (int i = 2; i < 6; ++i) {
        at(ref, i, j, k) = 1;
        at(seg, i, j, k + 1) = 1;
      }
  at(ref, 7, 7, 7) = 2;
  const std::vector<std::string> names{"dice", "hausdorff_distance", "hausdorff95_distance", "average_distance", "tp"};
  const std::vector<int> wanted{1, 2};
  const auto m = voxtrain::label_map_metrics(seg, ref, 3, wanted, names, {1.0, 1.0, 2.5});
  REQUIRE(m.size() == 2);
  CHECK(m[0].label == 1);
  check_value("dice 1", m[0].values[0], 2.0 * 48 / 128);  // 3 of the 4 slices overlap
  check_value("hausdorff 1", m[0].values[1], 2.5);
  check_value("hausdorff95 1", m[0].values[2], 2.5);
  check_value("average 1", m[0].values[3], 88.0 / 112);
  check_value("tp 1", m[0].values[4], 48);
  check_value("dice 2", m[1].values[0], 0.0);
  check_value("hausdorff 2", m[1].values[1], kNaN);  // empty in seg: no surface to measure from
  check_value("average 2", m[1].values[3], kNaN);
}

TEST_CASE("mean_skipping_nan leaves NaN out; all NaN gives NaN", "[metrics]") {
  const std::vector<double> some{0.5, kNaN, 1.0};
  CHECK(voxtrain::mean_skipping_nan(some) == Approx(0.75));
  const std::vector<double> none{kNaN, kNaN};
  CHECK(std::isnan(voxtrain::mean_skipping_nan(none)));
  CHECK(std::isnan(voxtrain::mean_skipping_nan(std::vector<double>{})));
}
