// metric_accumulator.hpp — MetricAccumulator: the weighted mean (NaN skipped) of each scalar metric
// between two reports, kept apart for the console and TensorBoard, packable for a cross-rank sum.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/metrics/metric_value.hpp"

namespace voxtrain {

// Who reads a report: the console logger (MetricValue::do_print) or TensorBoard (do_summary).
enum class MetricTarget : std::uint8_t { Console, Summary };

std::string_view metric_target_name(MetricTarget target);  // "console", "summary"

// How an entry's sums become its reported value. Both report sum / weight:
//   Mean:  sum = Σ w·v, weight = Σ w over the non-NaN values with w > 0 (a weighted mean);
//   Ratio: sum = Σ numerator, weight = Σ denominator (a ratio of sums, e.g. a global Dice).
enum class MetricKind : std::uint8_t { Mean, Ratio };

// One metric of a report.
struct ReportedMetric {
  std::string name;
  double mean = std::numeric_limits<double>::quiet_NaN();  // sum / weight_sum; NaN when count == 0
  double weight_sum = 0.0;    // Σ weights (Mean) or Σ denominators (Ratio) of the counted values
  std::int64_t count = 0;     // values counted (not NaN, weight or denominator > 0)
  std::int64_t nan_count = 0; // NaN values skipped
  MetricKind kind = MetricKind::Mean;
};

// The state of one target: parallel vectors, one element per metric, in the order of first add.
// Sums of several ranks combine by adding elementwise (combine, or pack + an all-reduce sum).
struct MetricSums {
  std::vector<std::string> names;
  std::vector<MetricKind> kinds;
  std::vector<double> sums;
  std::vector<double> weights;
  std::vector<std::int64_t> counts;
  std::vector<std::int64_t> nan_counts;

  std::size_t size() const { return names.size(); }
  bool empty() const { return names.empty(); }
};

// a + b elementwise; throws Error when their names or kinds differ (ranks must add the same
// metric names, in the same order, between two reports).
MetricSums combine(const MetricSums& a, const MetricSums& b);

// The report of a state: one ReportedMetric per entry, in the state's order.
std::vector<ReportedMetric> reported_metrics(const MetricSums& sums);

// Length of pack()'s vector for n metrics: a header of kPackHeader doubles, then 4 per metric.
constexpr std::size_t kPackHeader = 10;
constexpr std::size_t packed_size(std::size_t metrics) { return kPackHeader + 4 * metrics; }

class MetricAccumulator {
 public:
  using Target = MetricTarget;

  // Adds one value to the targets it asks for (do_print: console, do_summary: summary). A NaN
  // value is skipped and counted in nan_count; a zero weight contributes nothing (the name is
  // still listed); a negative or non-finite weight, or an empty name, throws Error.
  void add(const MetricValue& value);
  void add(const std::vector<MetricValue>& values);
  // A scalar or size-1 host tensor (float32, int32, int64, uint8); more elements throw Error.
  void add(std::string name, const Tensor& size_one_tensor, double weight = 1.0,
           bool do_summary = true, bool do_print = true);
  // A ratio-of-sums entry: reports Σ numerator / Σ denominator. A zero denominator contributes
  // nothing; a NaN numerator or denominator is skipped; a negative denominator throws Error.
  void add_ratio(std::string name, double numerator, double denominator, bool do_summary = true,
                 bool do_print = true);

  // The target's metrics since its last report (in the order their names were first added),
  // then that target is reset; the other target is untouched.
  std::vector<ReportedMetric> report(Target target);
  void reset(Target target);
  bool empty(Target target) const { return state(target).empty(); }
  const MetricSums& sums(Target target) const { return state(target); }

  // Cross-rank reduction: every rank calls pack(target); the vectors are summed elementwise
  // (an all-reduce or reduce with MPI_SUM); load_reduced(target, summed) then replaces this
  // rank's sums for that target with the global ones, and report(target) gives the value over
  // the global batch. load_reduced throws Error when the ranks' metric lists differ.
  std::vector<double> pack(Target target) const;
  void load_reduced(Target target, std::span<const double> summed);

 private:
  MetricSums& state(Target target) { return target == Target::Console ? console_ : summary_; }
  const MetricSums& state(Target target) const {
    return target == Target::Console ? console_ : summary_;
  }
  void add_to(Target target, const std::string& name, MetricKind kind, double sum, double weight,
              bool is_nan);
  void add_entry(const std::string& name, MetricKind kind, double sum, double weight, bool is_nan,
                 bool do_summary, bool do_print);

  MetricSums console_;
  MetricSums summary_;
};

}  // namespace voxtrain
