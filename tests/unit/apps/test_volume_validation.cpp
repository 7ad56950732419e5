// test_volume_validation.cpp — whole-volume validation values: per-class means over subjects
// checked against Dice counted by a naive loop, NaN classes left out, the sharding of subjects
// over ranks, and the same means from two ranks (one subject each) as from one rank with both.
#include <catch2/catch.hpp>

#include <cmath>
#include <mutex>
#include <vector>

#include "voxtrain/apps/segmentation/volume_validation.hpp"
#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/metrics/metric_level.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"

#include "support/doubles/local_group.hpp"

using namespace voxtrain;

namespace {

Tensor label_map(const std::vector<std::int32_t>& values) {
  Tensor t = Tensor::empty({1, 1, 2, static_cast<std::int64_t>(values.size()) / 2}, DType::Int32);
  std::copy(values.begin(), values.end(), t.data<std::int32_t>());
  return t;
}

// 2 |S ∩ R| / (|S| + |R|) for one label, by counting.
double naive_dice(const std::vector<std::int32_t>& seg, const std::vector<std::int32_t>& ref, int label) {
  double both = 0, s = 0, r = 0;
  for (std::size_t i = 0; i < seg.size(); ++i) {
    both += seg[i] == label && ref[i] == label;
    s += seg[i] == label;
    r += ref[i] == label;
  }
  return s + r == 0 ? std::nan("") : 2 * both / (s + r);
}

const std::vector<std::int32_t> kSegA{0, 1, 1, 2, 2, 2, 0, 1}, kRefA{0, 1, 2, 2, 2, 0, 0, 1};
const std::vector<std::int32_t> kSegB{1, 1, 0, 0, 0, 0, 1, 0}, kRefB{1, 0, 0, 0, 0, 0, 1, 1};  // no class 2

}  // namespace

TEST_CASE("volume validation: per-class means over subjects match a naive Dice, NaN left out", "[apps]") {
  VolumeMetricAccumulator acc({"dice", "jaccard"}, 3);
  acc.add(label_map(kSegA), label_map(kRefA), {1, 1, 1});
  acc.add(label_map(kSegB), label_map(kRefB), {1, 1, 1});
  SingleProcessCommunicator one;
  const VolumeMetricTable t = acc.reduce(one);
  CHECK(t.subjects == 2);
  const double dice1 = (naive_dice(kSegA, kRefA, 1) + naive_dice(kSegB, kRefB, 1)) / 2;
  const double dice2 = naive_dice(kSegA, kRefA, 2);  // subject B has no class 2 anywhere: left out
  CHECK(std::isnan(naive_dice(kSegB, kRefB, 2)));
  CHECK(t.mean(0, 1) == Approx(dice1).epsilon(1e-12));
  CHECK(t.mean(0, 2) == Approx(dice2).epsilon(1e-12));
  CHECK(t.foreground_mean(0) == Approx((dice1 + dice2) / 2).epsilon(1e-12));
  // jaccard = dice / (2 - dice) per subject
  const double ja = naive_dice(kSegA, kRefA, 1) / (2 - naive_dice(kSegA, kRefA, 1));
  const double jb = naive_dice(kSegB, kRefB, 1) / (2 - naive_dice(kSegB, kRefB, 1));
  CHECK(t.mean(1, 1) == Approx((ja + jb) / 2).epsilon(1e-12));
  CHECK(volume_metric_name("dice") == "volume_dice");
  CHECK(patch_metric_name("dice") == "patch_dice");
  CHECK(volume_metric_base("volume_hausdorff95_distance") == "hausdorff95_distance");
  CHECK(volume_metric_base("patch_dice").empty());
  CHECK(volume_metric_base("volume_").empty());
}

TEST_CASE("volume validation: two ranks with one subject each give the one-rank means", "[apps]") {
  CHECK(subjects_of_rank(5, 0, 2) == std::vector<std::size_t>{0, 2, 4});
  CHECK(subjects_of_rank(5, 1, 2) == std::vector<std::size_t>{1, 3});
  CHECK(subjects_of_rank(1, 1, 2).empty());
  VolumeMetricAccumulator both({"dice"}, 3);
  both.add(label_map(kSegA), label_map(kRefA), {1, 1, 1});
  both.add(label_map(kSegB), label_map(kRefB), {1, 1, 1});
  SingleProcessCommunicator one;
  const VolumeMetricTable expected = both.reduce(one);
  std::mutex m;
  std::vector<VolumeMetricTable> got;
  testing::LocalGroup group(2);
  group.run([&](Communicator& c) {
    VolumeMetricAccumulator mine({"dice"}, 3);
    if (c.rank() == 0) mine.add(label_map(kSegA), label_map(kRefA), {1, 1, 1});
    else mine.add(label_map(kSegB), label_map(kRefB), {1, 1, 1});
    const VolumeMetricTable t = mine.reduce(c);
    std::lock_guard<std::mutex> lock(m);
    got.push_back(t);
  });
  REQUIRE(got.size() == 2);
  for (const VolumeMetricTable& t : got) {
    CHECK(t.subjects == 2);
    CHECK(t.mean(0, 1) == expected.mean(0, 1));
    CHECK(t.mean(0, 2) == expected.mean(0, 2));
  }
}

TEST_CASE("metric directions: overlaps higher is better, distances lower, counts none", "[metrics]") {
  CHECK(metric_higher_is_better("dice") == std::optional<bool>(true));
  CHECK(metric_higher_is_better("specificity") == std::optional<bool>(true));
  CHECK(metric_higher_is_better("hausdorff95_distance") == std::optional<bool>(false));
  CHECK(metric_higher_is_better("fpr") == std::optional<bool>(false));
  CHECK_FALSE(metric_higher_is_better("tp"));
  CHECK_FALSE(metric_higher_is_better("vol_diff"));
  CHECK_FALSE(metric_higher_is_better("nonsense"));
}
