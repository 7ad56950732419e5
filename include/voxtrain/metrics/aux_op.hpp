// aux_op.hpp — an aux op (Clara Train's AuxiliaryOperation): a metric or a derived tensor computed
// from one iteration's predictions, label, loss and named tensors, returned as AuxOutputs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/metrics/metric_value.hpp"

namespace voxtrain {

// What an aux op reads. All tensors are plain row-major host tensors.
struct AuxInputs {
  // float32 logits or probabilities: [N, C, spatial...] (channels_first) or [N, spatial..., C]
  // (channels_last) for segmentation ops, [N, C] (or [N]) for classification ops.
  Tensor predictions;
  // float32, int32, int64 or uint8: class indices, binary values or one-hot maps (see each op).
  Tensor label;
  // The iteration's loss value (the batch mean of the per-sample losses), for NegLoss.
  std::optional<double> loss;
  // Named tensors of the iteration: masks (looked up by mask_tag) and outputs of earlier ops.
  std::map<std::string, Tensor> tensors;
};

// do_summary / do_print of every op: copied into each MetricValue it reports.
struct AuxFlags {
  bool do_summary = true;  // aggregated for TensorBoard
  bool do_print = true;    // aggregated for the console
};

// Data layout of segmentation predictions and labels.
enum class DataFormat { ChannelsFirst, ChannelsLast };

class AuxOp {
 public:
  virtual ~AuxOp() = default;
  AuxOp(const AuxOp&) = delete;
  AuxOp& operator=(const AuxOp&) = delete;

  // Throws Error (one line naming the op and the tensor) for inputs it cannot use.
  virtual AuxOutputs compute(const AuxInputs& inputs) const = 0;

  const std::string& type() const { return type_; }    // Clara's class name, "ComputeDice"
  const std::string& where() const { return where_; }  // "ComputeDice 'val_dice'", for messages
  bool do_summary() const { return flags_.do_summary; }
  bool do_print() const { return flags_.do_print; }

 protected:
  AuxOp(std::string type, std::string_view output_name, AuxFlags flags);
  MetricValue metric(std::string name, double value, double weight) const;

 private:
  std::string type_;
  std::string where_;
  AuxFlags flags_;
};

}  // namespace voxtrain
