// test_metric_accumulator.cpp — MetricAccumulator against hand-computed weighted means: NaN and
// zero-weight skipping, per-target resets, name order, size-1 tensors, errors, the 3-rank merge.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/metrics/metric_accumulator.hpp"

using voxtrain::DType;
using voxtrain::MetricAccumulator;
using voxtrain::MetricKind;
using voxtrain::MetricSums;
using voxtrain::MetricTarget;
using voxtrain::MetricValue;
using voxtrain::ReportedMetric;
using voxtrain::Shape;
using voxtrain::Tensor;
using Catch::Matchers::Contains;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

MetricValue mv(std::string name, double value, double weight = 1.0, bool do_summary = true,
               bool do_print = true) {
  return {.name = std::move(name), .value = value, .weight = weight, .do_summary = do_summary,
          .do_print = do_print};
}

std::vector<std::string> names_of(const std::vector<ReportedMetric>& r) {
  std::vector<std::string> names;
  for (const ReportedMetric& m : r) names.push_back(m.name);
  return names;
}

const ReportedMetric& find(const std::vector<ReportedMetric>& r, const std::string& name) {
  for (const ReportedMetric& m : r)
    if (m.name == name) return m;
  FAIL("no metric " << name);
  return r.front();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const voxtrain::Error& e) {
    return e.what();
  }
  return "(no error)";
}

template <class T> Tensor scalar_tensor(const Shape& shape, DType dtype, T value) {
  Tensor t = Tensor::zeros(shape, dtype);
  *t.data<T>() = value;
  return t;
}

std::vector<double> elementwise_sum(const std::vector<std::vector<double>>& packed) {
  std::vector<double> out(packed.front().size(), 0.0);
  for (const auto& p : packed) {
    REQUIRE(p.size() == out.size());
    for (std::size_t i = 0; i < p.size(); ++i) out[i] += p[i];
  }
  return out;
}

}  // namespace

TEST_CASE("metric accumulator: plain mean when every weight is 1", "[metrics]") {
  MetricAccumulator acc;
  acc.add(mv("loss", 0.5));
  acc.add(mv("loss", 0.25));
  acc.add(mv("loss", 1.0));
  const auto r = acc.report(MetricTarget::Console);
  REQUIRE(r.size() == 1);
  CHECK(r[0].name == "loss");
  CHECK(r[0].mean == Approx(1.75 / 3.0).epsilon(1e-15));
  CHECK(r[0].weight_sum == 3.0);
  CHECK(r[0].count == 3);
  CHECK(r[0].nan_count == 0);
  CHECK(r[0].kind == MetricKind::Mean);
}

TEST_CASE("metric accumulator: weighted mean, NaN skipped and counted, zero weight ignored",
          "[metrics]") {
  MetricAccumulator acc;
  acc.add({mv("dice", 0.5, 2.0), mv("dice", 0.8, 3.0), mv("dice", 0.2, 5.0)});
  acc.add(mv("dice", kNaN, 4.0));    // skipped, counted as NaN
  acc.add(mv("dice", 100.0, 0.0));   // zero weight: nothing
  acc.add(mv("dice", kNaN, 0.0));    // zero weight: nothing, not even a NaN
  const auto r = acc.report(MetricTarget::Summary);
  REQUIRE(r.size() == 1);
  // (0.5*2 + 0.8*3 + 0.2*5) / (2 + 3 + 5) = 4.4 / 10
  CHECK(r[0].mean == Approx(0.44).epsilon(1e-15));
  CHECK(r[0].weight_sum == 10.0);
  CHECK(r[0].count == 3);
  CHECK(r[0].nan_count == 1);
}

TEST_CASE("metric accumulator: an all-NaN or all-zero-weight metric reports NaN with count 0",
          "[metrics]") {
  MetricAccumulator acc;
  acc.add(mv("dice_class_3", kNaN));
  acc.add(mv("dice_class_3", kNaN, 2.0));
  acc.add(mv("empty", 0.7, 0.0));
  const auto r = acc.report(MetricTarget::Console);
  REQUIRE(names_of(r) == std::vector<std::string>{"dice_class_3", "empty"});
  CHECK(std::isnan(r[0].mean));
  CHECK(r[0].count == 0);
  CHECK(r[0].nan_count == 2);
  CHECK(r[0].weight_sum == 0.0);
  CHECK(std::isnan(r[1].mean));
  CHECK(r[1].count == 0);
  CHECK(r[1].nan_count == 0);
}

TEST_CASE("metric accumulator: console and summary keep their own sums and reset independently",
          "[metrics]") {
  MetricAccumulator acc;
  acc.add(mv("loss", 1.0, 1.0, /*do_summary=*/false, /*do_print=*/true));
  acc.add(mv("dice", 0.5));
  acc.add(mv("dice", 0.75, 3.0));
  acc.add(mv("lr", 0.01, 1.0, /*do_summary=*/true, /*do_print=*/false));
  acc.add(mv("hidden", 3.0, 1.0, /*do_summary=*/false, /*do_print=*/false));  // goes nowhere

  // Console reports every iteration here: loss and dice so far, then starts again.
  const auto console1 = acc.report(MetricTarget::Console);
  REQUIRE(names_of(console1) == std::vector<std::string>{"loss", "dice"});
  CHECK(console1[0].mean == 1.0);
  CHECK(console1[1].mean == Approx((0.5 + 0.75 * 3.0) / 4.0).epsilon(1e-15));
  CHECK(acc.empty(MetricTarget::Console));
  CHECK_FALSE(acc.empty(MetricTarget::Summary));

  acc.add(mv("loss", 3.0, 1.0, false, true));
  acc.add(mv("dice", 0.25, 4.0));
  const auto console2 = acc.report(MetricTarget::Console);
  REQUIRE(names_of(console2) == std::vector<std::string>{"loss", "dice"});
  CHECK(console2[0].mean == 3.0);
  CHECK(console2[0].count == 1);
  CHECK(console2[1].mean == 0.25);
  CHECK(console2[1].count == 1);

  // Summary has seen both intervals: dice (0.5*1 + 0.75*3 + 0.25*4) / 8, and lr; no loss.
  const auto summary = acc.report(MetricTarget::Summary);
  REQUIRE(names_of(summary) == std::vector<std::string>{"dice", "lr"});
  CHECK(summary[0].mean == Approx(3.75 / 8.0).epsilon(1e-15));
  CHECK(summary[0].weight_sum == 8.0);
  CHECK(summary[0].count == 3);
  CHECK(summary[1].mean == 0.01);
  CHECK(acc.empty(MetricTarget::Summary));
  CHECK(acc.report(MetricTarget::Summary).empty());

  acc.add(mv("lr", 0.02));
  acc.reset(MetricTarget::Summary);
  CHECK(acc.empty(MetricTarget::Summary));
  CHECK(find(acc.report(MetricTarget::Console), "lr").mean == 0.02);
}

TEST_CASE("metric accumulator: reports in the order names were first added, per target",
          "[metrics]") {
  MetricAccumulator acc;
  acc.add(mv("zeta", 1.0, 1.0, /*do_summary=*/true, /*do_print=*/false));
  acc.add(mv("beta", 1.0));
  acc.add(mv("alpha", 1.0));
  acc.add(mv("zeta", 2.0));  // first console add of zeta
  acc.add(mv("beta", 3.0));
  CHECK(names_of(acc.report(MetricTarget::Console)) == std::vector<std::string>{"beta", "alpha", "zeta"});
  CHECK(names_of(acc.report(MetricTarget::Summary)) == std::vector<std::string>{"zeta", "beta", "alpha"});
  // After the reset the order is that of the new interval.
  acc.add(mv("alpha", 1.0));
  acc.add(mv("beta", 1.0));
  CHECK(names_of(acc.report(MetricTarget::Console)) == std::vector<std::string>{"alpha", "beta"});
}

TEST_CASE("metric accumulator: scalar and size-1 tensors of every dtype", "[metrics]") {
  MetricAccumulator acc;
  acc.add("dice", scalar_tensor<float>(Shape{1}, DType::Float32, 0.25f), 2.0);
  acc.add("dice", scalar_tensor<float>(Shape{1, 1, 1, 1, 1}, DType::Float32, 0.75f), 6.0);
  acc.add("hits", scalar_tensor<std::int32_t>(Shape{1, 1}, DType::Int32, 7));
  acc.add("hits", scalar_tensor<std::int32_t>(Shape{}, DType::Int32, -3));  // rank 0
  acc.add("voxels", scalar_tensor<std::int64_t>(Shape{1}, DType::Int64, std::int64_t{1} << 40));
  acc.add("flag", scalar_tensor<std::uint8_t>(Shape{1}, DType::UInt8, std::uint8_t{255}), 1.0,
          /*do_summary=*/true, /*do_print=*/false);
  acc.add("nan", scalar_tensor<float>(Shape{1}, DType::Float32, std::numeric_limits<float>::quiet_NaN()));

  const auto r = acc.report(MetricTarget::Console);
  REQUIRE(names_of(r) == std::vector<std::string>{"dice", "hits", "voxels", "nan"});
  CHECK(r[0].mean == (0.25 * 2.0 + 0.75 * 6.0) / 8.0);  // 0.625, exact
  CHECK(r[0].weight_sum == 8.0);
  CHECK(r[1].mean == 2.0);
  CHECK(r[2].mean == 1099511627776.0);
  CHECK(std::isnan(r[3].mean));
  CHECK(r[3].nan_count == 1);
  const auto s = acc.report(MetricTarget::Summary);
  CHECK(find(s, "flag").mean == 255.0);
}

TEST_CASE("metric accumulator: a ratio entry reports the ratio of sums, not the mean of ratios",
          "[metrics]") {
  // Global Dice over two batches: 2|A∩B| / (|A| + |B|) summed over voxels of both.
  MetricAccumulator acc;
  acc.add_ratio("global_dice", 6.0, 10.0);  // batch Dice 0.6
  acc.add_ratio("global_dice", 2.0, 2.0);   // batch Dice 1.0
  acc.add_ratio("global_dice", 0.0, 0.0);   // class absent everywhere: nothing
  acc.add_ratio("global_dice", kNaN, 4.0);  // skipped
  const auto r = acc.report(MetricTarget::Console);
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == MetricKind::Ratio);
  CHECK(r[0].mean == Approx(8.0 / 12.0).epsilon(1e-15));  // not (0.6 + 1.0) / 2 = 0.8
  CHECK(r[0].weight_sum == 12.0);
  CHECK(r[0].count == 2);
  CHECK(r[0].nan_count == 1);

  // The same through MetricValues: value = numerator / denominator, weight = denominator.
  MetricAccumulator by_weight;
  by_weight.add(mv("global_dice", 6.0 / 10.0, 10.0));
  by_weight.add(mv("global_dice", 2.0 / 2.0, 2.0));
  CHECK(by_weight.report(MetricTarget::Console)[0].mean == Approx(8.0 / 12.0).epsilon(1e-15));
}

TEST_CASE("metric accumulator: user errors name the metric and what to do", "[metrics]") {
  MetricAccumulator acc;
  const std::string shape_error =
      error_of([&] { acc.add("dice_per_class", Tensor::zeros(Shape{2, 3}), 1.0); });
  CHECK_THAT(shape_error, Contains("metric 'dice_per_class'") && Contains("[2, 3]") &&
                              Contains("only scalars and size-1 tensors"));
  CHECK(shape_error.find('\n') == std::string::npos);
  CHECK_THAT(error_of([&] { acc.add("none", Tensor::zeros(Shape{0}), 1.0); }),
             Contains("metric 'none'") && Contains("[0]"));
  CHECK_THAT(error_of([&] { acc.add("undef", Tensor{}, 1.0); }), Contains("metric 'undef'"));
  float on_device = 0.5f;
  CHECK_THAT(error_of([&] {
               acc.add("gpu", Tensor::borrow(&on_device, Shape{1}, DType::Float32,
                                             voxtrain::Device::cuda(1)));
             }),
             Contains("metric 'gpu'") && Contains("cuda:1"));
  CHECK_THAT(error_of([&] { acc.add(mv("dice", 0.5, -1.0)); }),
             Contains("metric 'dice'") && Contains("weight -1"));
  CHECK_THAT(error_of([&] { acc.add(mv("dice", 0.5, kNaN)); }), Contains("metric 'dice'"));
  CHECK_THAT(error_of([&] { acc.add(mv("dice", 0.5, std::numeric_limits<double>::infinity())); }),
             Contains("metric 'dice'"));
  CHECK_THAT(error_of([&] { acc.add(mv("", 0.5)); }), Contains("empty name"));
  CHECK_THAT(error_of([&] { acc.add_ratio("g", 1.0, -2.0); }),
             Contains("metric 'g'") && Contains("denominator -2"));
  // Nothing above was recorded.
  CHECK(acc.empty(MetricTarget::Console));
  CHECK(acc.empty(MetricTarget::Summary));

  acc.add(mv("dice", 0.5));
  CHECK_THAT(error_of([&] { acc.add_ratio("dice", 1.0, 2.0); }),
             Contains("metric 'dice'") && Contains("as a mean and as a ratio"));
  // The rejected ratio left the summary target untouched too.
  CHECK(acc.report(MetricTarget::Summary)[0].count == 1);
}

namespace {

// What one rank sees over two iterations: loss (weight = batch size), per-sample Dice (weight =
// valid samples), a class absent on rank 1 (NaN), and a global Dice as a ratio. Dyadic values,
// so every sum is exact and the merged report must equal the single one bit for bit.
void add_rank_values(MetricAccumulator& acc, int rank) {
  switch (rank) {
    case 0:
      acc.add({mv("loss", 0.5, 2.0), mv("dice", 0.75, 2.0), mv("dice_class_2", 0.5, 1.0)});
      acc.add_ratio("global_dice", 12.0, 16.0);
      acc.add({mv("loss", 0.25, 2.0), mv("dice", kNaN, 2.0), mv("dice_class_2", 0.25, 2.0)});
      acc.add_ratio("global_dice", 3.0, 8.0);
      break;
    case 1:
      acc.add({mv("loss", 1.0, 4.0), mv("dice", 0.5, 3.0), mv("dice_class_2", kNaN, 1.0)});
      acc.add_ratio("global_dice", 0.0, 0.0);
      acc.add({mv("loss", 0.125, 4.0), mv("dice", 0.625, 4.0), mv("dice_class_2", kNaN, 3.0)});
      acc.add_ratio("global_dice", 5.0, 8.0);
      break;
    default:
      acc.add({mv("loss", 2.0, 1.0), mv("dice", 1.0, 1.0), mv("dice_class_2", 0.0, 0.0)});
      acc.add_ratio("global_dice", 4.0, 4.0);
      acc.add({mv("loss", 0.5, 1.0), mv("dice", 0.25, 1.0), mv("dice_class_2", 0.75, 1.0)});
      acc.add_ratio("global_dice", kNaN, 2.0);
      break;
  }
}

void check_same_report(const std::vector<ReportedMetric>& a, const std::vector<ReportedMetric>& b) {
  REQUIRE(names_of(a) == names_of(b));
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].name);
    CHECK(a[i].mean == b[i].mean);
    CHECK(a[i].weight_sum == b[i].weight_sum);
    CHECK(a[i].count == b[i].count);
    CHECK(a[i].nan_count == b[i].nan_count);
    CHECK(a[i].kind == b[i].kind);
  }
}

}  // namespace

TEST_CASE("metric accumulator: 3 ranks' packed sums, summed, report the global-batch value",
          "[metrics]") {
  std::vector<MetricAccumulator> ranks(3);
  MetricAccumulator all;  // one accumulator that sees every rank's values
  for (int r = 0; r < 3; ++r) {
    add_rank_values(ranks[static_cast<std::size_t>(r)], r);
    add_rank_values(all, r);
  }
  for (MetricTarget target : {MetricTarget::Console, MetricTarget::Summary}) {
    std::vector<std::vector<double>> packed;
    for (const MetricAccumulator& a : ranks) packed.push_back(a.pack(target));
    const std::vector<double> summed = elementwise_sum(packed);

    MetricAccumulator rank0 = ranks[0];
    rank0.load_reduced(target, summed);
    const auto merged = rank0.report(target);
    check_same_report(merged, all.report(target));

    // combine() of the MetricSums gives the same as the packed reduction.
    const MetricSums combined =
        voxtrain::combine(voxtrain::combine(ranks[0].sums(target), ranks[1].sums(target)),
                          ranks[2].sums(target));
    check_same_report(voxtrain::reported_metrics(combined), merged);

    // By hand, over the global batch.
    REQUIRE(names_of(merged) ==
            std::vector<std::string>{"loss", "dice", "dice_class_2", "global_dice"});
    // loss: (0.5*2 + 0.25*2 + 1*4 + 0.125*4 + 2*1 + 0.5*1) / (2+2+4+4+1+1) = 8.5 / 14
    CHECK(merged[0].mean == 8.5 / 14.0);
    CHECK(merged[0].count == 6);
    // dice: (0.75*2 + 0.5*3 + 0.625*4 + 1*1 + 0.25*1) / (2+3+4+1+1) = 6.75 / 11; one NaN
    CHECK(merged[1].mean == 6.75 / 11.0);
    CHECK(merged[1].weight_sum == 11.0);
    CHECK(merged[1].count == 5);
    CHECK(merged[1].nan_count == 1);
    // dice_class_2: absent on rank 1 (2 NaN), zero weight once on rank 2:
    // (0.5*1 + 0.25*2 + 0.75*1) / 4 = 1.75 / 4
    CHECK(merged[2].mean == 1.75 / 4.0);
    CHECK(merged[2].count == 3);
    CHECK(merged[2].nan_count == 2);
    // global_dice: (12 + 3 + 5 + 4) / (16 + 8 + 8 + 4) = 24 / 36; one NaN, one 0/0
    CHECK(merged[3].mean == 24.0 / 36.0);
    CHECK(merged[3].count == 4);
    CHECK(merged[3].nan_count == 1);
  }
}

TEST_CASE("metric accumulator: merged random values match a naive weighted mean over all ranks",
          "[metrics]") {
  const std::uint64_t key = voxtrain::random_key({2024, voxtrain::hash_name("metric_accumulator")});
  std::vector<MetricAccumulator> ranks(3);
  double naive_sum = 0.0, naive_weight = 0.0;
  std::int64_t naive_count = 0, naive_nan = 0;
  std::uint64_t draw = 0;
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    for (int iteration = 0; iteration < 50; ++iteration) {
      const double u = voxtrain::uniform01(key, draw++);
      const double value = u < 0.1 ? kNaN : voxtrain::uniform01(key, draw++);
      const double weight = std::floor(voxtrain::uniform01(key, draw++) * 5.0);  // 0..4 samples
      ranks[r].add(mv("dice", value, weight));
      if (weight == 0.0) continue;
      if (std::isnan(value)) {
        ++naive_nan;
        continue;
      }
      naive_sum += value * weight;
      naive_weight += weight;
      ++naive_count;
    }
  }
  REQUIRE(naive_nan > 0);
  std::vector<std::vector<double>> packed;
  for (const MetricAccumulator& a : ranks) packed.push_back(a.pack(MetricTarget::Console));
  MetricAccumulator rank0 = ranks[0];
  rank0.load_reduced(MetricTarget::Console, elementwise_sum(packed));
  const auto r = rank0.report(MetricTarget::Console);
  REQUIRE(r.size() == 1);
  CHECK(r[0].mean == Approx(naive_sum / naive_weight).epsilon(1e-12));
  CHECK(r[0].weight_sum == naive_weight);  // whole numbers: exact
  CHECK(r[0].count == naive_count);
  CHECK(r[0].nan_count == naive_nan);
}

TEST_CASE("metric accumulator: ranks with different metric lists are caught when merging",
          "[metrics]") {
  auto packed_sum = [](const std::vector<MetricAccumulator>& accs, MetricTarget t) {
    std::vector<std::vector<double>> packed;
    for (const MetricAccumulator& a : accs) packed.push_back(a.pack(t));
    return elementwise_sum(packed);
  };
  std::vector<MetricAccumulator> accs(3);
  for (MetricAccumulator& a : accs) a.add({mv("loss", 1.0), mv("dice", 0.5)});

  SECTION("the same lists merge") {
    CHECK_NOTHROW(accs[0].load_reduced(MetricTarget::Console, packed_sum(accs, MetricTarget::Console)));
  }
  SECTION("another order on one rank") {
    accs[2] = MetricAccumulator{};
    accs[2].add({mv("dice", 0.5), mv("loss", 1.0)});
    const std::string e = error_of(
        [&] { accs[0].load_reduced(MetricTarget::Console, packed_sum(accs, MetricTarget::Console)); });
    CHECK_THAT(e, Contains("metric sums (console)") && Contains("[loss, dice]") &&
                      Contains("same order"));
    CHECK(e.find('\n') == std::string::npos);
    CHECK_THAT(error_of([&] { voxtrain::combine(accs[0].sums(MetricTarget::Console),
                                                accs[2].sums(MetricTarget::Console)); }),
               Contains("entry 0 is 'loss'") && Contains("'dice'"));
  }
  SECTION("another name on two of three ranks (same length)") {
    for (std::size_t i : {1u, 2u}) {
      accs[i] = MetricAccumulator{};
      accs[i].add({mv("loss", 1.0), mv("dice_class_1", 0.5)});
    }
    CHECK_THAT(error_of([&] {
                 accs[0].load_reduced(MetricTarget::Console, packed_sum(accs, MetricTarget::Console));
               }),
               Contains("rank count 3"));
  }
  SECTION("one more metric on one rank") {
    accs[1].add(mv("extra", 1.0));
    // The packed vectors differ in length; whatever sum the reduction made of them cannot match.
    CHECK_THAT(error_of([&] {
                 accs[0].load_reduced(MetricTarget::Console, accs[1].pack(MetricTarget::Console));
               }),
               Contains("(22 values, rank count 1) do not match this rank's 2 metrics [loss, dice]"));
    CHECK_THAT(error_of([&] { voxtrain::combine(accs[0].sums(MetricTarget::Console),
                                                accs[1].sums(MetricTarget::Console)); }),
               Contains("2 metrics [loss, dice]") && Contains("3 [loss, dice, extra]"));
  }
  SECTION("a mean on one rank, a ratio of the same name on another") {
    accs[1] = MetricAccumulator{};
    accs[1].add(mv("loss", 1.0));
    accs[1].add_ratio("dice", 1.0, 2.0);
    CHECK_THAT(error_of([&] {
                 accs[0].load_reduced(MetricTarget::Console, packed_sum(accs, MetricTarget::Console));
               }),
               Contains("do not match"));
  }
  SECTION("fingerprints that differ but sum to ours are caught by the sum of squares") {
    // Two ranks whose fingerprint limb is ours + 1 and ours - 1 (with matching squares): the
    // plain sums agree with 3 ranks of our list, the sums of squares do not.
    const std::vector<double> ours = accs[0].pack(MetricTarget::Console);
    std::size_t limb = 2;
    while (limb < 6 && ours[limb] == 0.0) ++limb;
    REQUIRE(limb < 6);
    std::vector<double> up = ours, down = ours;
    up[limb] += 1.0;
    up[limb + 4] = up[limb] * up[limb];
    down[limb] -= 1.0;
    down[limb + 4] = down[limb] * down[limb];
    const std::vector<double> summed = elementwise_sum({ours, up, down});
    CHECK(summed[limb] == 3.0 * ours[limb]);
    CHECK_THAT(error_of([&] { accs[0].load_reduced(MetricTarget::Console, summed); }),
               Contains("do not match"));
    CHECK_NOTHROW(accs[0].load_reduced(MetricTarget::Console, elementwise_sum({ours, ours, ours})));
  }
  SECTION("averaged instead of summed") {
    accs[0].add(mv("loss", 1.0));
    accs[1].add(mv("loss", 1.0));  // counts 2, 2, 1: their mean is not a whole number
    std::vector<double> mean = packed_sum(accs, MetricTarget::Console);
    for (double& x : mean) x /= 3.0;
    CHECK_THAT(error_of([&] { accs[0].load_reduced(MetricTarget::Console, mean); }),
               Contains("metric 'loss'") && Contains("not averaged"));
  }
}
