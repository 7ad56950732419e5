// volume_validation.cpp — sums of per-subject, per-class metric values and their means over the
// subjects of every rank.
#include "voxtrain/apps/segmentation/volume_validation.hpp"

#include <cmath>
#include <limits>
#include <numeric>

#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"

namespace voxtrain {

double VolumeMetricTable::mean(std::size_t metric, int label) const {
  return means.at(metric * static_cast<std::size_t>(num_classes - 1) + static_cast<std::size_t>(label - 1));
}

double VolumeMetricTable::foreground_mean(std::size_t metric) const {
  std::vector<double> per_class;
  for (int c = 1; c < num_classes; ++c) per_class.push_back(mean(metric, c));
  return mean_skipping_nan(per_class);
}

VolumeMetricAccumulator::VolumeMetricAccumulator(std::vector<std::string> metrics, int num_classes)
    : metrics_(std::move(metrics)), num_classes_(num_classes) {
  if (num_classes_ < 2) throw InternalError("volume validation needs at least two classes");
  const std::size_t n = metrics_.size() * static_cast<std::size_t>(num_classes_ - 1);
  sums_.assign(n, 0.0);
  counts_.assign(n, 0.0);
}

void VolumeMetricAccumulator::add(const Tensor& seg, const Tensor& ref, const Spacing& spacing) {
  std::vector<int> labels(static_cast<std::size_t>(num_classes_ - 1));
  std::iota(labels.begin(), labels.end(), 1);
  const std::vector<ClassMetrics> values = label_map_metrics(seg, ref, num_classes_, labels, metrics_, spacing);
  for (const ClassMetrics& c : values)
    for (std::size_t m = 0; m < metrics_.size(); ++m) {
      const double v = c.values[m];
      if (std::isnan(v)) continue;
      const std::size_t at = m * labels.size() + static_cast<std::size_t>(c.label - 1);
      sums_[at] += v;
      counts_[at] += 1;
    }
  ++subjects_;
}

VolumeMetricTable VolumeMetricAccumulator::reduce(Communicator& communicator) const {
  std::vector<double> mine = sums_;
  mine.insert(mine.end(), counts_.begin(), counts_.end());
  mine.push_back(static_cast<double>(subjects_));
  std::vector<double> total(mine.size(), 0.0);
  for (const std::vector<double>& rank : communicator.gather_to_root(mine))
    for (std::size_t i = 0; i < total.size(); ++i) total[i] += rank.at(i);
  communicator.broadcast(total, 0);
  VolumeMetricTable table{.metrics = metrics_, .num_classes = num_classes_, .subjects = 0, .means = {}};
  const std::size_t n = sums_.size();
  for (std::size_t i = 0; i < n; ++i)
    table.means.push_back(total[n + i] > 0 ? total[i] / total[n + i] : std::numeric_limits<double>::quiet_NaN());
  table.subjects = static_cast<std::int64_t>(total[2 * n]);
  return table;
}

std::vector<std::size_t> subjects_of_rank(std::size_t subjects, int rank, int ranks) {
  std::vector<std::size_t> mine;
  for (std::size_t i = static_cast<std::size_t>(rank); i < subjects; i += static_cast<std::size_t>(ranks)) mine.push_back(i);
  return mine;
}

}  // namespace voxtrain
