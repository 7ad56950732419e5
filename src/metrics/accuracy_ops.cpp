// accuracy_ops.cpp — ComputeAccuracy, ComputeBinaryPreds, ComputeMulticlassPreds and
// ComputeMulticlassAccuracy: binary / arg-max decisions, sigmoid and per-head softmax.
#include "voxtrain/metrics/accuracy_ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "aux_op_support.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

using aux_support::ElementReader;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Predictions [N] or [N, C] of a classifier, as (rows, columns).
struct Matrix {
  std::int64_t rows = 0, cols = 0;
};

Matrix classifier_shape(const Tensor& predictions, const std::string& where) {
  const Shape& s = predictions.shape();
  if (s.rank() == 1) return {s[0], 1};
  if (s.rank() == 2) return {s[0], s[1]};
  throw error("{}: the predictions tensor {} has rank {}: a classifier's output is [N, C] (or [N])", where,
              s.to_string(), s.rank());
}

// A [rows, cols] label, also accepted as [rows] when cols == 1.
void check_matrix_label(const Tensor& label, Matrix m, const std::string& where, std::string_view expected) {
  const Shape& s = label.shape();
  const bool fits =
      (s.rank() == 2 && s[0] == m.rows && s[1] == m.cols) || (s.rank() == 1 && s[0] == m.rows && m.cols == 1);
  if (!fits)
    throw error("{}: the label shape {} does not fit the predictions: expected {} = [{}, {}]{}", where, s.to_string(),
                expected, m.rows, m.cols, m.cols == 1 ? fmt::format(" or [{}]", m.rows) : "");
}

// Where each head's channels start, for heads of the given widths.
std::vector<std::int64_t> head_offsets(const std::vector<int>& widths) {
  std::vector<std::int64_t> offsets(widths.size(), 0);
  for (std::size_t h = 1; h < widths.size(); ++h) offsets[h] = offsets[h - 1] + widths[h - 1];
  return offsets;
}

std::vector<int> heads_of(const MulticlassOptions& o, std::int64_t channels, const std::string& where) {
  if (o.label_format.empty()) return {static_cast<int>(channels)};
  const std::int64_t total = std::accumulate(o.label_format.begin(), o.label_format.end(), std::int64_t{0});
  if (total != channels)
    throw error(
        "{}: label_format gives {} channel(s) in all, but the predictions have {}: list each head's "
        "channel count (1 for a binary head)",
        where, total, channels);
  return o.label_format;
}

void check_label_format(const MulticlassOptions& o, const std::string& where) {
  for (const int width : o.label_format)
    if (width < 1)
      throw error("{}: label_format holds {}: each head has at least one channel (1 = binary, k > 1 = k classes)",
                  where, width);
}

// The predictions with sigmoid on binary heads and softmax over each multi-class head, as chosen.
std::vector<double> process_heads(const float* x, Matrix m, const std::vector<int>& widths,
                                  const MulticlassOptions& o) {
  std::vector<double> out(static_cast<std::size_t>(m.rows * m.cols));
  const std::vector<std::int64_t> offsets = head_offsets(widths);
  for (std::int64_t n = 0; n < m.rows; ++n) {
    for (std::size_t h = 0; h < widths.size(); ++h) {
      const std::int64_t begin = n * m.cols + offsets[h], end = begin + widths[h];
      if (widths[h] == 1) {
        out[static_cast<std::size_t>(begin)] = o.use_sigmoid_for_binary ? aux_support::sigmoid(x[begin]) : x[begin];
      } else if (o.use_softmax_for_multiclass) {
        const double top = *std::max_element(x + begin, x + end);
        double sum = 0.0;
        for (std::int64_t i = begin; i < end; ++i) sum += std::exp(x[i] - top);
        for (std::int64_t i = begin; i < end; ++i) out[static_cast<std::size_t>(i)] = std::exp(x[i] - top) / sum;
      } else {
        for (std::int64_t i = begin; i < end; ++i) out[static_cast<std::size_t>(i)] = x[i];
      }
    }
  }
  return out;
}

// The first channel of x[begin, end) holding the largest value, as an offset from begin.
std::int64_t arg_max(const float* x, std::int64_t begin, std::int64_t end) {
  return std::max_element(x + begin, x + end) - (x + begin);
}

// The checked layout of a multi-head classifier's inputs: predictions [N, C] split into heads,
// and the label [N, heads] (one value per head) that goes with them.
struct HeadLayout {
  Matrix predictions;                 // [N, C]
  std::vector<int> widths;            // channels of each head
  Matrix labels;                      // [N, heads]
  std::vector<std::int64_t> offsets;  // each head's first channel
};

HeadLayout head_layout(const AuxInputs& inputs, const MulticlassOptions& o, const std::string& where) {
  aux_support::require_predictions(inputs.predictions, where);
  aux_support::require_host(inputs.label, where, "label");
  HeadLayout l;
  l.predictions = classifier_shape(inputs.predictions, where);
  l.widths = heads_of(o, l.predictions.cols, where);
  l.labels = {l.predictions.rows, static_cast<std::int64_t>(l.widths.size())};
  check_matrix_label(inputs.label, l.labels, where, "one label per head");
  l.offsets = head_offsets(l.widths);
  return l;
}

}  // namespace

// ---- ComputeAccuracy

ComputeAccuracy::ComputeAccuracy(std::string tag, bool use_sigmoid, AuxFlags flags)
    : AuxOp("ComputeAccuracy", tag, flags), tag_(std::move(tag)), use_sigmoid_(use_sigmoid) {}

AuxOutputs ComputeAccuracy::compute(const AuxInputs& inputs) const {
  aux_support::require_predictions(inputs.predictions, where());
  aux_support::require_host(inputs.label, where(), "label");
  Tensor predictions = inputs.predictions;
  if (predictions.rank() == 1) predictions = predictions.reshaped({predictions.shape()[0], 1});
  const Shape& p = predictions.shape();
  const Shape& t = inputs.label.shape();
  const std::int64_t channels = p[1];
  const bool elementwise = t == p || (channels == 1 && aux_support::is_voxel_shaped(t, p, 1));
  const bool indices = channels >= 2 && aux_support::is_voxel_shaped(t, p, 1);
  if (!elementwise && !indices)
    throw error(
        "{}: the label shape {} does not fit the predictions shape {}: give labels of the same shape "
        "(binary, 0/1) or class indices as [N, 1, ...] / [N, ...] for a multi-channel output",
        where(), t.to_string(), inputs.predictions.shape().to_string());
  const float* x = predictions.data<float>();
  const ElementReader label(inputs.label);
  double correct = 0.0, compared = 0.0;
  if (elementwise) {
    for (std::int64_t e = 0; e < p.numel(); ++e) {
      const double q = use_sigmoid_ ? aux_support::sigmoid(x[e]) : x[e];
      const bool truth = aux_support::binary_value(label[e], e, where(), "label",
                                                   "labels of the predictions' shape (binary accuracy)");
      correct += (q >= 0.5) == truth ? 1.0 : 0.0;
    }
    compared = static_cast<double>(p.numel());
  } else {
    const std::int64_t samples = p[0], voxels = samples == 0 ? 0 : p.numel() / (samples * channels);
    for (std::int64_t n = 0; n < samples; ++n) {
      for (std::int64_t v = 0; v < voxels; ++v) {
        std::int64_t best = 0;
        for (std::int64_t c = 1; c < channels; ++c)
          if (x[(n * channels + c) * voxels + v] > x[(n * channels + best) * voxels + v]) best = c;
        const std::int64_t e = n * voxels + v;
        correct += aux_support::class_index(label[e], static_cast<int>(channels), e, where(), "label") == best;
      }
    }
    compared = static_cast<double>(samples * voxels);
  }
  AuxOutputs out;
  out.scalars.push_back(metric(tag_, compared > 0 ? correct / compared : kNaN, compared));
  return out;
}

// ---- ComputeBinaryPreds

ComputeBinaryPreds::ComputeBinaryPreds(std::string binary_preds_name, std::string binary_labels_name, AuxFlags flags)
    : AuxOp("ComputeBinaryPreds", binary_preds_name, flags),
      preds_name_(std::move(binary_preds_name)),
      labels_name_(std::move(binary_labels_name)) {}

AuxOutputs ComputeBinaryPreds::compute(const AuxInputs& inputs) const {
  aux_support::require_predictions(inputs.predictions, where());
  aux_support::require_host(inputs.label, where(), "label");
  const Matrix m = classifier_shape(inputs.predictions, where());
  check_matrix_label(inputs.label, m, where(), "one 0/1 label per prediction");
  const float* x = inputs.predictions.data<float>();
  const ElementReader label(inputs.label);
  std::vector<double> probabilities(static_cast<std::size_t>(m.rows * m.cols)), labels(probabilities.size());
  for (std::size_t e = 0; e < probabilities.size(); ++e) {
    const auto i = static_cast<std::int64_t>(e);
    probabilities[e] = aux_support::sigmoid(x[i]);
    labels[e] = aux_support::binary_value(label[i], i, where(), "label", "binary labels") ? 1.0 : 0.0;
  }
  AuxOutputs out;
  out.tensors[preds_name_] = aux_support::float_tensor({m.rows, m.cols}, probabilities);
  out.tensors[labels_name_] = aux_support::float_tensor({m.rows, m.cols}, labels);
  return out;
}

// ---- ComputeMulticlassPreds

ComputeMulticlassPreds::ComputeMulticlassPreds(std::string preds_name, std::string labels_name,
                                               MulticlassOptions options, AuxFlags flags)
    : AuxOp("ComputeMulticlassPreds", preds_name, flags),
      preds_name_(std::move(preds_name)),
      labels_name_(std::move(labels_name)),
      options_(std::move(options)) {
  check_label_format(options_, where());
}

AuxOutputs ComputeMulticlassPreds::compute(const AuxInputs& inputs) const {
  const auto [m, widths, heads, offsets] = head_layout(inputs, options_, where());
  const ElementReader label(inputs.label);
  std::vector<double> expanded(static_cast<std::size_t>(m.rows * m.cols), 0.0);
  for (std::int64_t n = 0; n < m.rows; ++n) {
    for (std::size_t h = 0; h < widths.size(); ++h) {
      const std::int64_t e = n * heads.cols + static_cast<std::int64_t>(h), at = n * m.cols + offsets[h];
      if (widths[h] == 1)
        expanded[static_cast<std::size_t>(at)] =
            aux_support::binary_value(label[e], e, where(), "label", "a binary head's labels") ? 1.0 : 0.0;
      else
        expanded[static_cast<std::size_t>(at + aux_support::class_index(label[e], widths[h], e, where(), "label"))] =
            1.0;
    }
  }
  AuxOutputs out;
  out.tensors[preds_name_] =
      aux_support::float_tensor({m.rows, m.cols}, process_heads(inputs.predictions.data<float>(), m, widths, options_));
  out.tensors[labels_name_] = aux_support::float_tensor({m.rows, m.cols}, expanded);
  return out;
}

// ---- ComputeMulticlassAccuracy

ComputeMulticlassAccuracy::ComputeMulticlassAccuracy(std::string tag, MulticlassOptions options,
                                                     bool use_sigmoid_for_accuracy, AuxFlags flags)
    : AuxOp("ComputeMulticlassAccuracy", tag, flags),
      tag_(std::move(tag)),
      options_(std::move(options)),
      use_sigmoid_for_accuracy_(use_sigmoid_for_accuracy) {
  check_label_format(options_, where());
}

AuxOutputs ComputeMulticlassAccuracy::compute(const AuxInputs& inputs) const {
  const auto [m, widths, heads, offsets] = head_layout(inputs, options_, where());
  const float* x = inputs.predictions.data<float>();
  const std::vector<double> processed = process_heads(x, m, widths, options_);
  const ElementReader label(inputs.label);
  double correct = 0.0;
  for (std::int64_t n = 0; n < m.rows; ++n) {
    for (std::size_t h = 0; h < widths.size(); ++h) {
      const std::int64_t e = n * heads.cols + static_cast<std::int64_t>(h), at = n * m.cols + offsets[h];
      if (widths[h] == 1) {
        const double q =
            use_sigmoid_for_accuracy_ ? aux_support::sigmoid(x[at]) : processed[static_cast<std::size_t>(at)];
        const bool truth = aux_support::binary_value(label[e], e, where(), "label", "a binary head's labels");
        correct += (q >= 0.5) == truth ? 1.0 : 0.0;
      } else {
        const int truth = aux_support::class_index(label[e], widths[h], e, where(), "label");
        correct += arg_max(x, at, at + widths[h]) == truth ? 1.0 : 0.0;
      }
    }
  }
  const auto compared = static_cast<double>(heads.rows * heads.cols);
  AuxOutputs out;
  out.scalars.push_back(metric(tag_, compared > 0 ? correct / compared : kNaN, compared));
  return out;
}

}  // namespace voxtrain
