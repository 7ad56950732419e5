// dice_ops.cpp — ComputeDice and DiceMaskedOutput: per (sample, class) counts of predicted, label
// and shared voxels inside the mask, then Dice 2I/(Y+P) or Jaccard I/(Y+P-I) per pair.
#include "voxtrain/metrics/dice_ops.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include "aux_op_support.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

using aux_support::ElementReader;
using aux_support::is_voxel_shaped;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Where sample n, channel c, voxel v lies in a [N, C, V...] or [N, V..., C] tensor.
struct Layout {
  std::int64_t samples = 0, channels = 0, voxels = 0;
  int channel_axis = 1;
  bool channels_last = false;
  std::int64_t index(std::int64_t n, std::int64_t c, std::int64_t v) const {
    return channels_last ? (n * voxels + v) * channels + c : (n * channels + c) * voxels + v;
  }
};

Layout layout_of(const Shape& shape, DataFormat format, const std::string& where) {
  if (shape.rank() < 2)
    throw error(
        "{}: the predictions tensor {} has rank {}: Dice needs [N, C, spatial...] (channels_first) "
        "or [N, spatial..., C] (channels_last)",
        where, shape.to_string(), shape.rank());
  Layout l;
  l.channels_last = format == DataFormat::ChannelsLast;
  l.channel_axis = l.channels_last ? shape.rank() - 1 : 1;
  l.samples = shape[0];
  l.channels = shape[l.channel_axis];
  l.voxels = l.samples == 0 || l.channels == 0 ? 0 : shape.numel() / (l.samples * l.channels);
  return l;
}

std::string voxel_shape_hint(const Layout& l) {
  return l.channels_last ? "[N, spatial..., 1] or [N, spatial...]" : "[N, 1, spatial...] or [N, spatial...]";
}

// Per (sample, class) counts; class k is channel first + k.
struct PairCounts {
  std::int64_t samples = 0, classes = 0;
  std::vector<double> shared, label, predicted;  // I, Y, P at [n * classes + k]
};

void check_label_shape(const Tensor& label, const Shape& p, const Layout& l, const DiceOptions& o,
                       const std::string& where) {
  if (o.is_onehot_targets) {
    if (!(label.shape() == p))
      throw error(
          "{}: the label shape {} differs from the predictions shape {}: with is_onehot_targets = true "
          "the label has one 0/1 channel per class, in the same data_format",
          where, label.shape().to_string(), p.to_string());
  } else if (!is_voxel_shaped(label.shape(), p, l.channel_axis)) {
    throw error(
        "{}: the label shape {} does not fit the predictions shape {}: with is_onehot_targets = false "
        "give class indices as {} (or set is_onehot_targets = true for one-hot labels)",
        where, label.shape().to_string(), p.to_string(), voxel_shape_hint(l));
  }
}

PairCounts count_pairs(const AuxInputs& in, const DiceOptions& o, const std::string& where) {
  aux_support::require_predictions(in.predictions, where);
  const Shape& p_shape = in.predictions.shape();
  const Layout l = layout_of(p_shape, o.data_format, where);
  if (!o.is_independent_predictions && l.channels < 2)
    throw error(
        "{}: the predictions tensor {} has {} channel(s) on its {} axis, but arg-max needs one channel per "
        "class, background included: set is_independent_predictions = true for a sigmoid output, or check "
        "data_format",
        where, p_shape.to_string(), l.channels, l.channels_last ? "last" : "second");
  const std::int64_t first = o.skip_background ? 1 : 0;
  if (l.channels - first < 1)
    throw error("{}: skip_background = true leaves no class: the predictions tensor {} has {} channel(s)", where,
                p_shape.to_string(), l.channels);
  aux_support::require_host(in.label, where, "label");
  check_label_shape(in.label, p_shape, l, o, where);
  const Tensor* mask = nullptr;
  if (!o.mask_tag.empty()) {
    mask = &aux_support::named_tensor(in, o.mask_tag, where, "mask_tag");
    aux_support::require_host(*mask, where, fmt::format("mask '{}'", o.mask_tag));
    if (!is_voxel_shaped(mask->shape(), p_shape, l.channel_axis))
      throw error("{}: the mask '{}' has shape {}, but the predictions {} need one mask value per voxel: {}", where,
                  o.mask_tag, mask->shape().to_string(), p_shape.to_string(), voxel_shape_hint(l));
  }

  PairCounts counts;
  counts.samples = l.samples;
  counts.classes = l.channels - first;
  const auto pairs = static_cast<std::size_t>(counts.samples * counts.classes);
  counts.shared.assign(pairs, 0.0);
  counts.label.assign(pairs, 0.0);
  counts.predicted.assign(pairs, 0.0);

  const float* x = in.predictions.data<float>();
  const ElementReader label(in.label);
  const ElementReader mask_values = mask ? ElementReader(*mask) : ElementReader(in.label);
  const int label_classes = l.channels == 1 ? 2 : static_cast<int>(l.channels);  // 1 channel: 0/1 labels
  std::vector<char> pred(static_cast<std::size_t>(l.channels)), truth(pred.size());
  for (std::int64_t n = 0; n < l.samples; ++n) {
    for (std::int64_t v = 0; v < l.voxels; ++v) {
      if (mask && mask_values[n * l.voxels + v] == 0.0) continue;
      if (o.is_independent_predictions) {
        for (std::int64_t c = 0; c < l.channels; ++c)
          pred[static_cast<std::size_t>(c)] = aux_support::sigmoid(x[l.index(n, c, v)]) >= o.threshold;
      } else {
        std::int64_t best = 0;
        for (std::int64_t c = 1; c < l.channels; ++c)
          if (x[l.index(n, c, v)] > x[l.index(n, best, v)]) best = c;
        for (std::int64_t c = 0; c < l.channels; ++c) pred[static_cast<std::size_t>(c)] = c == best;
      }
      if (o.is_onehot_targets) {
        for (std::int64_t c = 0; c < l.channels; ++c) {
          const std::int64_t e = l.index(n, c, v);
          truth[static_cast<std::size_t>(c)] =
              aux_support::binary_value(label[e], e, where, "label", "one-hot targets (is_onehot_targets = true)");
        }
      } else {
        const std::int64_t e = n * l.voxels + v;
        const int k = aux_support::class_index(label[e], label_classes, e, where, "label");
        for (std::int64_t c = 0; c < l.channels; ++c)
          truth[static_cast<std::size_t>(c)] = l.channels == 1 ? k == 1 : k == c;
      }
      for (std::int64_t c = first; c < l.channels; ++c) {
        const auto pair = static_cast<std::size_t>(n * counts.classes + (c - first));
        const bool p = pred[static_cast<std::size_t>(c)] != 0, t = truth[static_cast<std::size_t>(c)] != 0;
        counts.shared[pair] += p && t ? 1.0 : 0.0;
        counts.label[pair] += t ? 1.0 : 0.0;
        counts.predicted[pair] += p ? 1.0 : 0.0;
      }
    }
  }
  return counts;
}

// Dice 2I/(Y+P) or Jaccard I/(Y+P-I); an empty label and an empty prediction agree fully: 1.
double overlap(double shared, double label, double predicted, bool jaccard) {
  const double denominator = jaccard ? label + predicted - shared : label + predicted;
  if (denominator == 0.0) return 1.0;
  return (jaccard ? 1.0 : 2.0) * shared / denominator;
}

void check_options(const DiceOptions& o, const std::string& where) {
  if (!(o.threshold >= 0.0 && o.threshold <= 1.0))
    throw error("{}: threshold = {} is not a probability: give a value in [0, 1] (0.5 by default)", where, o.threshold);
}

}  // namespace

ComputeDice::ComputeDice(std::string tag, DiceOptions options, AuxFlags flags)
    : AuxOp("ComputeDice", tag, flags), tag_(std::move(tag)), options_(std::move(options)) {
  check_options(options_, where());
}

AuxOutputs ComputeDice::compute(const AuxInputs& inputs) const {
  const PairCounts counts = count_pairs(inputs, options_, where());
  std::vector<double> scores(counts.shared.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    scores[i] = overlap(counts.shared[i], counts.label[i], counts.predicted[i], options_.jaccard);
    sum += scores[i];
  }
  const auto pairs = static_cast<double>(scores.size());
  AuxOutputs out;
  out.scalars.push_back(metric(tag_, pairs > 0 ? sum / pairs : kNaN, pairs));
  out.tensors[tag_] = aux_support::float_tensor({counts.samples, counts.classes}, scores);
  return out;
}

DiceMaskedOutput::DiceMaskedOutput(std::vector<std::string> tags, DiceOptions options, AuxFlags flags)
    : AuxOp("DiceMaskedOutput", tags.empty() ? std::string() : tags.front(), flags),
      tags_(std::move(tags)),
      options_(std::move(options)) {
  if (tags_.empty())
    throw error("{}: tags is empty: give the name of the mean, then optionally one name per class", where());
  check_options(options_, where());
}

AuxOutputs DiceMaskedOutput::compute(const AuxInputs& inputs) const {
  const PairCounts counts = count_pairs(inputs, options_, where());
  const auto classes = static_cast<std::size_t>(counts.classes);
  if (tags_.size() != 1 && tags_.size() != 1 + classes)
    throw error(
        "{}: {} tags were given for {} class(es): give 1 (the mean only) or {} (the mean, then one per "
        "class{})",
        where(), tags_.size(), classes, 1 + classes, options_.skip_background ? ", background skipped" : "");
  std::vector<double> scores(counts.shared.size());
  std::vector<double> class_sum(classes, 0.0), class_count(classes, 0.0);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (counts.label[i] == 0.0) {
      scores[i] = kNaN;  // the class is absent from this sample's ground truth
      continue;
    }
    scores[i] = overlap(counts.shared[i], counts.label[i], counts.predicted[i], options_.jaccard);
    class_sum[i % classes] += scores[i];
    class_count[i % classes] += 1.0;
  }
  double sum = 0.0, count = 0.0;
  for (std::size_t k = 0; k < classes; ++k) {
    sum += class_sum[k];
    count += class_count[k];
  }
  AuxOutputs out;
  out.scalars.push_back(metric(tags_.front(), count > 0 ? sum / count : kNaN, count));
  if (tags_.size() > 1)
    for (std::size_t k = 0; k < classes; ++k)
      out.scalars.push_back(
          metric(tags_[1 + k], class_count[k] > 0 ? class_sum[k] / class_count[k] : kNaN, class_count[k]));
  out.tensors[tags_.front()] = aux_support::float_tensor({counts.samples, counts.classes}, scores);
  return out;
}

}  // namespace voxtrain
