// dice_ops.hpp — ComputeDice and DiceMaskedOutput: Dice (or Jaccard) overlap per (sample, class)
// between binarised predictions and one-hot or index targets, inside an optional mask.
#pragma once

#include <string>
#include <vector>

#include "voxtrain/metrics/aux_op.hpp"

namespace voxtrain {

struct DiceOptions {
  std::string mask_tag = {};                           // named tensor; "" = every voxel counts
  DataFormat data_format = DataFormat::ChannelsFirst;  // [N, C, D, H, W] or [N, D, H, W, C]
  bool skip_background = false;                        // drop channel 0
  bool is_onehot_targets = false;                      // label [N, C, ...] of 0/1, else class indices
  bool is_independent_predictions = false;             // sigmoid >= threshold per channel, else argmax
  bool jaccard = false;                                // I / (Y + P - I) instead of 2 I / (Y + P)
  double threshold = 0.5;                              // on sigmoid(prediction), in [0, 1]
};

// Reports `tag`: the mean score over the batch's (sample, class) pairs, weight = their number.
// A pair with an empty label and an empty prediction scores 1. Also puts the [N, classes] float32
// scores into tensors[tag].
class ComputeDice final : public AuxOp {
 public:
  explicit ComputeDice(std::string tag, DiceOptions options = {}, AuxFlags flags = {});
  AuxOutputs compute(const AuxInputs& inputs) const override;

 private:
  std::string tag_;
  DiceOptions options_;
};

// Reports tags[0]: the mean score over the (sample, class) pairs whose label is not empty, weight =
// their number; then, when tags has one name per class, tags[1 + k]: class k's mean over the
// samples where it is present, weight = that count. A class absent from the label gives NaN (weight
// 0). Also puts the [N, classes] float32 scores (NaN where absent) into tensors[tags[0]].
class DiceMaskedOutput final : public AuxOp {
 public:
  explicit DiceMaskedOutput(std::vector<std::string> tags, DiceOptions options = {}, AuxFlags flags = {});
  AuxOutputs compute(const AuxInputs& inputs) const override;

 private:
  std::vector<std::string> tags_;
  DiceOptions options_;
};

}  // namespace voxtrain
