// metric_value.hpp — what a metric reports: a named scalar with the weight it averages over, so
// values from iterations and ranks combine as a weighted mean (NaN values are skipped).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

struct MetricValue {
  std::string name;         // e.g. "dice", "dice_class_1"
  double value = 0.0;       // NaN when undefined (a class absent from the ground truth, ...)
  double weight = 1.0;      // what the value averages over (samples, voxels); >= 0
  bool do_summary = true;   // aggregated for TensorBoard
  bool do_print = true;     // aggregated for the console
};

// What an aux op returns: its scalar metrics, and tensors other ops (or handlers) may use, by name.
struct AuxOutputs {
  std::vector<MetricValue> scalars;
  std::map<std::string, Tensor> tensors;
};

}  // namespace voxtrain
