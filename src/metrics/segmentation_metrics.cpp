// segmentation_metrics.cpp — the metric catalogue and aliases, confusion counts of label maps, each
// metric's formula, and the per-label evaluation of a segmentation against its reference.
#include "voxtrain/metrics/segmentation_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr SegmentationMetricInfo kCatalogue[] = {
    {"dice", "2 tp / (2 tp + fp + fn)", false},
    {"jaccard", "tp / (tp + fp + fn)", false},
    {"sensitivity", "tp / (tp + fn)", false},
    {"specificity", "tn / (tn + fp)", false},
    {"accuracy", "(tp + tn) / (tp + fp + tn + fn)", false},
    {"precision", "tp / (tp + fp)", false},
    {"npv", "tn / (tn + fn)", false},
    {"fpr", "fp / (fp + tn)", false},
    {"informedness", "sensitivity + specificity - 1", false},
    {"markedness", "precision + npv - 1", false},
    {"tp", "voxels with the label in both", false},
    {"fp", "voxels with the label in seg only", false},
    {"tn", "voxels with the label in neither", false},
    {"fn", "voxels with the label in ref only", false},
    {"n_pos_ref", "tp + fn", false},
    {"n_neg_ref", "tn + fp", false},
    {"n_pos_seg", "tp + fp", false},
    {"n_neg_seg", "tn + fn", false},
    {"n_intersection", "tp", false},
    {"n_union", "tp + fp + fn", false},
    {"vol_diff", "(n_pos_seg - n_pos_ref) / n_pos_ref", false},
    {"average_distance", "mean surface distance over both surfaces (mm)", true},
    {"hausdorff_distance", "largest surface distance (mm)", true},
    {"hausdorff95_distance", "larger of the two directed 95th percentiles (mm)", true},
};

constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"Dice", "dice"},
    {"Jaccard", "jaccard"},
    {"IoU", "jaccard"},
    {"intersection_over_union", "jaccard"},
    {"recall", "sensitivity"},
    {"ppv", "precision"},
    {"positive_predictive_values", "precision"},
    {"negative_predictive_values", "npv"},
    {"false_positive_rate", "fpr"},
    {"ave_dist", "average_distance"},
    {"haus_dist", "hausdorff_distance"},
};

double ratio(double numerator, double denominator) { return denominator == 0.0 ? kNaN : numerator / denominator; }

const SegmentationMetricInfo* find_metric(std::string_view name) {
  for (const SegmentationMetricInfo& m : kCatalogue)
    if (m.name == name) return &m;
  return nullptr;
}

double count_metric(std::string_view name, const ConfusionCounts& c) {
  const auto tp = static_cast<double>(c.tp), fp = static_cast<double>(c.fp);
  const auto tn = static_cast<double>(c.tn), fn = static_cast<double>(c.fn);
  if (name == "dice") return ratio(2 * tp, 2 * tp + fp + fn);
  if (name == "jaccard") return ratio(tp, tp + fp + fn);
  if (name == "sensitivity") return ratio(tp, tp + fn);
  if (name == "specificity") return ratio(tn, tn + fp);
  if (name == "accuracy") return ratio(tp + tn, tp + fp + tn + fn);
  if (name == "precision") return ratio(tp, tp + fp);
  if (name == "npv") return ratio(tn, tn + fn);
  if (name == "fpr") return ratio(fp, fp + tn);
  if (name == "informedness") return ratio(tp, tp + fn) + ratio(tn, tn + fp) - 1;
  if (name == "markedness") return ratio(tp, tp + fp) + ratio(tn, tn + fn) - 1;
  if (name == "tp" || name == "n_intersection") return tp;
  if (name == "fp") return fp;
  if (name == "tn") return tn;
  if (name == "fn") return fn;
  if (name == "n_pos_ref") return tp + fn;
  if (name == "n_neg_ref") return tn + fp;
  if (name == "n_pos_seg") return tp + fp;
  if (name == "n_neg_seg") return tn + fn;
  if (name == "n_union") return tp + fp + fn;
  if (name == "vol_diff") return ratio((tp + fp) - (tp + fn), tp + fn);
  VOX_ASSERT_MSG(false, fmt::format("no formula for metric '{}'", name));
  return kNaN;
}

// Reads a uint8 or int32 label map as int64 values.
template <class F>
void for_each_label(const Tensor& t, F&& f) {
  const std::int64_t n = t.numel();
  if (t.dtype() == DType::Int32) {
    const std::int32_t* p = t.data<std::int32_t>();
    for (std::int64_t i = 0; i < n; ++i) f(i, static_cast<std::int64_t>(p[i]));
  } else if (t.dtype() == DType::UInt8) {
    const std::uint8_t* p = t.data<std::uint8_t>();
    for (std::int64_t i = 0; i < n; ++i) f(i, static_cast<std::int64_t>(p[i]));
  } else {
    throw error("a label map must be uint8 or int32, got {}", dtype_name(t.dtype()));
  }
}

std::vector<std::int32_t> labels_of(const Tensor& t) {
  std::vector<std::int32_t> out(static_cast<std::size_t>(t.numel()));
  for_each_label(t, [&](std::int64_t i, std::int64_t v) { out[i] = static_cast<std::int32_t>(v); });
  return out;
}

void check_range(const Tensor& t, int num_classes, const char* what) {
  if (const auto bad = find_label_outside(t, num_classes))
    throw error("{} label map holds label {} (at element {}), outside [0, {}): check num_classes", what, bad->value,
                bad->index, num_classes);
}

Tensor mask_of(const std::vector<std::int32_t>& labels, int label, const Shape& shape) {
  Tensor m = Tensor::empty(shape, DType::UInt8);
  std::uint8_t* p = m.data<std::uint8_t>();
  for (std::size_t i = 0; i < labels.size(); ++i) p[i] = labels[i] == label;
  return m;
}

}  // namespace

std::span<const SegmentationMetricInfo> segmentation_metric_catalogue() { return kCatalogue; }

std::optional<std::string> canonical_metric_name(std::string_view name) {
  if (find_metric(name)) return std::string(name);
  for (const auto& [alias, canonical] : kAliases)
    if (alias == name) return std::string(canonical);
  return std::nullopt;
}

std::optional<bool> metric_higher_is_better(std::string_view name) {
  for (std::string_view better : {"dice", "jaccard", "sensitivity", "specificity", "accuracy", "precision", "npv",
                                  "informedness", "markedness"})
    if (name == better) return true;
  for (std::string_view worse :
       {"fpr", "average_distance", "hausdorff_distance", "hausdorff95_distance"})
    if (name == worse) return false;
  return std::nullopt;
}

std::vector<std::string> accepted_metric_names() {
  std::vector<std::string> names;
  for (const SegmentationMetricInfo& m : kCatalogue) names.emplace_back(m.name);
  for (const auto& alias : kAliases) names.emplace_back(alias.first);
  return names;
}

double segmentation_metric(std::string_view name, const ConfusionCounts& c, const SurfaceDistances* d) {
  const SegmentationMetricInfo* info = find_metric(name);
  VOX_ASSERT_MSG(info != nullptr, fmt::format("unknown metric '{}'", name));
  if (!info->needs_surfaces) return count_metric(name, c);
  VOX_ASSERT_MSG(d != nullptr, fmt::format("metric '{}' needs surface distances", name));
  if (name == "average_distance") return average_surface_distance(*d);
  if (name == "hausdorff_distance") return hausdorff_distance(*d);
  return hausdorff_percentile_distance(*d, 95.0);
}

std::optional<LabelOutside> find_label_outside(const Tensor& labels, int num_classes) {
  std::optional<LabelOutside> found;
  for_each_label(labels, [&](std::int64_t i, std::int64_t v) {
    if (!found && (v < 0 || v >= num_classes)) found = LabelOutside{.index = i, .value = v};
  });
  return found;
}

std::vector<ConfusionCounts> confusion_counts(const Tensor& seg, const Tensor& ref, int num_classes) {
  VOX_ASSERT(num_classes >= 1);
  if (seg.numel() != ref.numel())
    throw error("segmentation {} and reference {} differ in shape", seg.shape().to_string(), ref.shape().to_string());
  check_range(seg, num_classes, "segmentation");
  check_range(ref, num_classes, "reference");
  const std::vector<std::int32_t> s = labels_of(seg), r = labels_of(ref);
  // joint[seg label][ref label]: every count follows from this table.
  const auto k = static_cast<std::size_t>(num_classes);
  std::vector<std::int64_t> joint(k * k, 0);
  for (std::size_t i = 0; i < s.size(); ++i) ++joint[static_cast<std::size_t>(s[i]) * k + static_cast<std::size_t>(r[i])];
  const auto total = static_cast<std::int64_t>(s.size());
  std::vector<ConfusionCounts> out(k);
  for (std::size_t c = 0; c < k; ++c) {
    std::int64_t seg_pos = 0, ref_pos = 0;
    for (std::size_t o = 0; o < k; ++o) {
      seg_pos += joint[c * k + o];
      ref_pos += joint[o * k + c];
    }
    const std::int64_t tp = joint[c * k + c];
    out[c] = ConfusionCounts{.tp = tp, .fp = seg_pos - tp, .tn = total - seg_pos - ref_pos + tp, .fn = ref_pos - tp};
  }
  return out;
}

std::vector<ClassMetrics> label_map_metrics(const Tensor& seg, const Tensor& ref, int num_classes,
                                            std::span<const int> labels, std::span<const std::string> metrics,
                                            const Spacing& spacing) {
  if (!(seg.shape() == ref.shape()))
    throw error("segmentation {} and reference {} differ in shape", seg.shape().to_string(), ref.shape().to_string());
  bool surfaces = false;
  for (const std::string& m : metrics) {
    const SegmentationMetricInfo* info = find_metric(m);
    VOX_ASSERT_MSG(info != nullptr, fmt::format("unknown metric '{}'", m));
    surfaces = surfaces || info->needs_surfaces;
  }
  const std::vector<ConfusionCounts> counts = confusion_counts(seg, ref, num_classes);
  std::vector<std::int32_t> seg_labels, ref_labels;
  if (surfaces) {
    seg_labels = labels_of(seg);
    ref_labels = labels_of(ref);
  }
  std::vector<ClassMetrics> out;
  for (const int label : labels) {
    VOX_ASSERT(label >= 0 && label < num_classes);
    std::optional<SurfaceDistances> d;
    if (surfaces)
      d = surface_distances(mask_of(seg_labels, label, seg.shape()), mask_of(ref_labels, label, ref.shape()), spacing);
    ClassMetrics cm{.label = label, .values = {}};
    for (const std::string& m : metrics)
      cm.values.push_back(segmentation_metric(m, counts[static_cast<std::size_t>(label)], d ? &*d : nullptr));
    out.push_back(std::move(cm));
  }
  return out;
}

double mean_skipping_nan(std::span<const double> values) {
  double sum = 0.0;
  std::size_t n = 0;
  for (const double v : values)
    if (!std::isnan(v)) {
      sum += v;
      ++n;
    }
  return n == 0 ? kNaN : sum / static_cast<double>(n);
}

}  // namespace voxtrain
