// reduce_ops.hpp — NegLoss (the negated loss, for "higher is better" logs) and ReduceMeanMasked
// (the mean of the predictions tensor over the elements inside a mask, whole or along one axis).
#pragma once

#include <optional>
#include <string>

#include "voxtrain/metrics/aux_op.hpp"

namespace voxtrain {

// Reports `tag` = -loss, weight = N (the loss is a batch mean over the N samples of predictions;
// weight 1 when no predictions are given).
class NegLoss final : public AuxOp {
 public:
  explicit NegLoss(std::string tag, AuxFlags flags = {});
  AuxOutputs compute(const AuxInputs& inputs) const override;

 private:
  std::string tag_;
};

// x = predictions (float32), m = tensors[mask_tag] (any dtype, same rank, each extent equal or 1:
// broadcast; no mask_tag = all ones). An element counts where m != 0. Puts into tensors[tag] the
// mean of the counted elements (along `axis`, which is removed from the shape; over everything
// without axis: shape [1]) and into tensors[tag + "_count"] how many were counted. When the result
// has one element it also reports `tag`, weight = the count (NaN, weight 0, when nothing counted).
class ReduceMeanMasked final : public AuxOp {
 public:
  explicit ReduceMeanMasked(std::string tag, std::string mask_tag = {}, std::optional<int> axis = {},
                            AuxFlags flags = {});
  AuxOutputs compute(const AuxInputs& inputs) const override;

 private:
  std::string tag_, mask_tag_;
  std::optional<int> axis_;
};

}  // namespace voxtrain
