// accuracy_ops.hpp — the classification aux ops: accuracy of binary or arg-max predictions, and the
// processed predictions / labels of binary and multi-head (binary + multi-class) classifiers.
#pragma once

#include <string>
#include <vector>

#include "voxtrain/metrics/aux_op.hpp"

namespace voxtrain {

// Reports `tag`: the fraction of correct elements, weight = the number compared. Predictions and
// label of the same shape (or [N, 1, ...] against [N, ...]): element-wise, positive when
// (use_sigmoid ? sigmoid(x) : x) >= 0.5, label 0 or 1. Otherwise predictions [N, C >= 2, ...]
// (channels first) against class indices [N, 1, ...] or [N, ...]: arg-max over C.
class ComputeAccuracy final : public AuxOp {
 public:
  explicit ComputeAccuracy(std::string tag, bool use_sigmoid = false, AuxFlags flags = {});
  AuxOutputs compute(const AuxInputs& inputs) const override;

 private:
  std::string tag_;
  bool use_sigmoid_;
};

// Predictions [N] or [N, K] of binary heads (logits) and labels of the same shape (0 or 1): puts
// sigmoid(predictions) as float32 [N, K] into tensors[binary_preds_name] and the labels as float32
// [N, K] into tensors[binary_labels_name]. Reports no scalar.
class ComputeBinaryPreds final : public AuxOp {
 public:
  explicit ComputeBinaryPreds(std::string binary_preds_name = "binary_preds",
                              std::string binary_labels_name = "binary_labels", AuxFlags flags = {});
  AuxOutputs compute(const AuxInputs& inputs) const override;

 private:
  std::string preds_name_, labels_name_;
};

// The heads of a multi-head classifier: the prediction channels are the heads' channels one after
// the other; a head of 1 channel is binary (label 0 or 1), of k > 1 channels multi-class (label
// 0..k-1). Labels are [N, heads] (or [N] for one head).
struct MulticlassOptions {
  bool use_sigmoid_for_binary = true;      // binary heads: sigmoid(x), else x as it is
  bool use_softmax_for_multiclass = true;  // multi-class heads: softmax over the head, else x
  std::vector<int> label_format = {};      // channels per head; empty = one head of all C channels
};

// Puts the processed predictions (float32 [N, C]) into tensors[preds_name] and the labels expanded
// to the same channels (binary heads: the label, multi-class heads: its one-hot) into
// tensors[labels_name]. Reports no scalar.
class ComputeMulticlassPreds final : public AuxOp {
 public:
  explicit ComputeMulticlassPreds(std::string preds_name = "preds", std::string labels_name = "labels",
                                  MulticlassOptions options = {}, AuxFlags flags = {});
  AuxOutputs compute(const AuxInputs& inputs) const override;

 private:
  std::string preds_name_, labels_name_;
  MulticlassOptions options_;
};

// Reports `tag`: the fraction of correct (sample, head) pairs, weight = N x heads. A multi-class
// head predicts its arg-max. A binary head predicts 1 when q >= 0.5 with q = sigmoid(x) if
// use_sigmoid_for_accuracy (the raw output read as a logit, whatever use_sigmoid_for_binary says),
// else q = the processed prediction (sigmoid(x) if use_sigmoid_for_binary, else x).
class ComputeMulticlassAccuracy final : public AuxOp {
 public:
  explicit ComputeMulticlassAccuracy(std::string tag, MulticlassOptions options = {},
                                     bool use_sigmoid_for_accuracy = false, AuxFlags flags = {});
  AuxOutputs compute(const AuxInputs& inputs) const override;

 private:
  std::string tag_;
  MulticlassOptions options_;
  bool use_sigmoid_for_accuracy_;
};

}  // namespace voxtrain
