// segmentation_metrics.hpp — per-class metrics between a segmentation and a reference label map
// (NiftyNet's evaluation measures): one-vs-rest confusion counts, ratios and surface distances.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/metrics/surface_distance.hpp"

namespace voxtrain {

// One label against the rest: a voxel is positive in seg (ref) when it holds the label there.
struct ConfusionCounts {
  std::int64_t tp = 0;  // positive in both
  std::int64_t fp = 0;  // positive in seg only
  std::int64_t tn = 0;  // negative in both
  std::int64_t fn = 0;  // positive in ref only
};

// A metric this file computes: its name, what it is (docs/EVALUATION.md) and whether it needs the
// surfaces (a distance transform per class) rather than the counts alone.
struct SegmentationMetricInfo {
  std::string_view name;
  std::string_view formula;
  bool needs_surfaces = false;
};

// Every metric, in the order columns are written: dice, jaccard, sensitivity, specificity,
// accuracy, precision, npv, fpr, informedness, markedness, tp, fp, tn, fn, n_pos_ref, n_neg_ref,
// n_pos_seg, n_neg_seg, n_intersection, n_union, vol_diff, average_distance, hausdorff_distance,
// hausdorff95_distance.
std::span<const SegmentationMetricInfo> segmentation_metric_catalogue();

// The catalogue name for a name or one of NiftyNet's aliases (Dice, Jaccard, IoU,
// intersection_over_union, recall, ppv, positive_predictive_values, negative_predictive_values,
// false_positive_rate, ave_dist, haus_dist); nullopt when unknown.
std::optional<std::string> canonical_metric_name(std::string_view name);
// Whether a larger value is a better segmentation: true for the overlap ratios (dice, jaccard,
// sensitivity, specificity, accuracy, precision, npv, informedness, markedness); false for fpr
// and the distances. Counts (tp, n_pos_ref, ...) and the signed vol_diff have no direction:
// nullopt, as for an unknown name.
std::optional<bool> metric_higher_is_better(std::string_view name);
// Every accepted name, catalogue names first (for "did you mean" hints).
std::vector<std::string> accepted_metric_names();

// A metric's value from the counts and, for the distance metrics, the surface distances (mm).
// Ratios with a zero denominator and distances with an empty mask are NaN. name must be a
// catalogue name; d must be given for a metric that needs surfaces.
double segmentation_metric(std::string_view name, const ConfusionCounts& c, const SurfaceDistances* d);

// A voxel whose label is outside [0, num_classes): its flat index in memory order and its value.
struct LabelOutside {
  std::int64_t index = 0;
  std::int64_t value = 0;
};
// The first such voxel of a uint8 or int32 label map, if any.
std::optional<LabelOutside> find_label_outside(const Tensor& labels, int num_classes);

// The counts of every label 0..num_classes-1 over all voxels. seg and ref are uint8 or int32
// label maps with the same element count; a value outside [0, num_classes) throws Error.
std::vector<ConfusionCounts> confusion_counts(const Tensor& seg, const Tensor& ref, int num_classes);

// One label's values, in the order of the metric names asked for.
struct ClassMetrics {
  int label = 0;
  std::vector<double> values;
};
// The metrics (catalogue names) of each label in labels for a pair of [D, H, W] or [1, D, H, W]
// label maps of one shape; distances in mm with the voxel spacing along i, j, k. Surfaces are
// computed only when a metric needs them.
std::vector<ClassMetrics> label_map_metrics(const Tensor& seg, const Tensor& ref, int num_classes,
                                            std::span<const int> labels, std::span<const std::string> metrics,
                                            const Spacing& spacing);

// The mean of the values that are not NaN; NaN when there are none.
double mean_skipping_nan(std::span<const double> values);

}  // namespace voxtrain
