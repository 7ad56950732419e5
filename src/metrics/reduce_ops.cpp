// reduce_ops.cpp — NegLoss and ReduceMeanMasked: the negated loss, and masked means of the
// predictions tensor (with the mask broadcast over axes of extent 1) along one axis or over all.
#include "voxtrain/metrics/reduce_ops.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "aux_op_support.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Index = std::array<std::int64_t, Shape::kMaxRank>;

// The step each axis of `of` takes in `mask`: 0 where the mask has extent 1 (broadcast).
Index broadcast_strides(const Shape& mask, const Shape& of, const std::string& where, const std::string& tag) {
  bool fits = mask.rank() == of.rank();
  for (int a = 0; fits && a < of.rank(); ++a) fits = mask[a] == of[a] || mask[a] == 1;
  if (!fits)
    throw error(
        "{}: the mask '{}' has shape {}, which does not broadcast to the predictions {}: give the same rank "
        "with each extent equal or 1",
        where, tag, mask.to_string(), of.to_string());
  Index steps = mask.strides();
  for (int a = 0; a < of.rank(); ++a)
    if (mask[a] == 1) steps[static_cast<std::size_t>(a)] = 0;
  return steps;
}

// The shape left when `axis` is removed ([1] when nothing is left), and the step each axis of
// `of` takes in it (0 for the removed axis; all 0 without an axis: one output).
std::pair<Shape, Index> reduced(const Shape& of, std::optional<int> axis) {
  Index steps{};
  if (!axis) return {Shape{1}, steps};
  std::vector<std::int64_t> extents;
  for (int a = 0; a < of.rank(); ++a)
    if (a != *axis) extents.push_back(of[a]);
  if (extents.empty()) return {Shape{1}, steps};
  const Shape shape(extents);
  const Index kept = shape.strides();
  for (int a = 0, b = 0; a < of.rank(); ++a)
    if (a != *axis) steps[static_cast<std::size_t>(a)] = kept[static_cast<std::size_t>(b++)];
  return {shape, steps};
}

}  // namespace

// ---- NegLoss

NegLoss::NegLoss(std::string tag, AuxFlags flags) : AuxOp("NegLoss", tag, flags), tag_(std::move(tag)) {}

AuxOutputs NegLoss::compute(const AuxInputs& inputs) const {
  if (!inputs.loss)
    throw error(
        "{}: no loss value was given for this iteration: NegLoss needs the loss (is the op run "
        "before the loss is computed?)",
        where());
  if (!std::isfinite(*inputs.loss))
    throw error(
        "{}: the loss is {}: training diverged (lower the learning rate, check the labels and the "
        "input normalisation)",
        where(), *inputs.loss);
  const Tensor& p = inputs.predictions;
  const double samples = p.defined() && p.rank() >= 1 ? static_cast<double>(p.shape()[0]) : 1.0;
  AuxOutputs out;
  out.scalars.push_back(metric(tag_, -*inputs.loss, samples));
  return out;
}

// ---- ReduceMeanMasked

ReduceMeanMasked::ReduceMeanMasked(std::string tag, std::string mask_tag, std::optional<int> axis, AuxFlags flags)
    : AuxOp("ReduceMeanMasked", tag, flags), tag_(std::move(tag)), mask_tag_(std::move(mask_tag)), axis_(axis) {}

AuxOutputs ReduceMeanMasked::compute(const AuxInputs& inputs) const {
  aux_support::require_float32(inputs.predictions, where(), "predictions");
  const Shape& shape = inputs.predictions.shape();
  std::optional<int> axis = axis_;
  if (axis) {
    const int rank = shape.rank();
    if (*axis < -rank || *axis >= rank)
      throw error("{}: axis = {} is out of range for the predictions {} (rank {}): use -{}..{}", where(), *axis,
                  shape.to_string(), rank, rank, rank - 1);
    if (*axis < 0) *axis += rank;
  }
  const Tensor* mask = nullptr;
  Index mask_steps{};
  if (!mask_tag_.empty()) {
    mask = &aux_support::named_tensor(inputs, mask_tag_, where(), "mask_tag");
    aux_support::require_host(*mask, where(), fmt::format("mask '{}'", mask_tag_));
    mask_steps = broadcast_strides(mask->shape(), shape, where(), mask_tag_);
  }
  const auto [out_shape, out_steps] = reduced(shape, axis);
  std::vector<double> sum(static_cast<std::size_t>(out_shape.numel()), 0.0), count(sum.size(), 0.0);

  const float* x = inputs.predictions.data<float>();
  const aux_support::ElementReader mask_values =
      mask ? aux_support::ElementReader(*mask) : aux_support::ElementReader(inputs.predictions);
  Index coordinate{};
  std::int64_t mask_at = 0, out_at = 0;
  for (std::int64_t e = 0; e < shape.numel(); ++e) {
    if (!mask || mask_values[mask_at] != 0.0) {
      if (std::isnan(x[e]))
        throw error(
            "{}: the predictions tensor {} holds NaN at element {} inside the mask: the network diverged "
            "(lower the learning rate, check the input normalisation)",
            where(), shape.to_string(), e);
      sum[static_cast<std::size_t>(out_at)] += x[e];
      count[static_cast<std::size_t>(out_at)] += 1.0;
    }
    // Step to the next element, row-major (the last axis fastest), keeping the offsets in step.
    for (int a = shape.rank() - 1; a >= 0; --a) {
      const auto i = static_cast<std::size_t>(a);
      mask_at += mask_steps[i];
      out_at += out_steps[i];
      if (++coordinate[i] < shape[a]) break;
      mask_at -= mask_steps[i] * shape[a];
      out_at -= out_steps[i] * shape[a];
      coordinate[i] = 0;
    }
  }
  std::vector<double> mean(sum.size());
  for (std::size_t i = 0; i < sum.size(); ++i) mean[i] = count[i] > 0 ? sum[i] / count[i] : kNaN;

  AuxOutputs out;
  if (mean.size() == 1) out.scalars.push_back(metric(tag_, mean[0], count[0]));
  out.tensors[tag_] = aux_support::float_tensor(out_shape, mean);
  out.tensors[tag_ + "_count"] = aux_support::float_tensor(out_shape, count);
  return out;
}

}  // namespace voxtrain
