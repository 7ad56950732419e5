// best_checkpoint.hpp — the best model so far by one volume-level validation metric: one checkpoint
// in models/best/ that records the metric's value, so a resumed run keeps comparing against it.
#pragma once

#include <optional>
#include <string>

#include "voxtrain/io/checkpoint/checkpoint.hpp"

namespace voxtrain {

struct BestMetric {
  std::string name;              // a volume-level console name, e.g. "volume_dice"
  bool higher_is_better = true;  // false for distances
};

class BestCheckpoint {
 public:
  // Reads the value recorded in the checkpoint already in best_dir, if any; one recorded for
  // another metric (best_metric was changed) is dropped with a warning, and the next value wins.
  BestCheckpoint(std::string best_dir, BestMetric metric);

  const BestMetric& metric() const { return metric_; }
  std::optional<double> best() const { return best_; }
  // A finite value better than the best so far (any finite value when there is none).
  bool improves(double value) const;
  // Writes data (with the metric's value recorded) as best_dir/model.ckpt-<iteration>.h5, then
  // removes every other checkpoint there.
  std::string save(CheckpointData data, double value);

 private:
  CheckpointDirectory directory_;
  BestMetric metric_;
  std::optional<double> best_;
};

}  // namespace voxtrain
