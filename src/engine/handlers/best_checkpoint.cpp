// best_checkpoint.cpp — compares a volume-level value with the best so far and keeps exactly one
// best checkpoint file.
#include "voxtrain/engine/handlers/best_checkpoint.hpp"

#include <cmath>
#include <filesystem>

#include "voxtrain/core/logger.hpp"

namespace voxtrain {

BestCheckpoint::BestCheckpoint(std::string best_dir, BestMetric metric)
    : directory_(std::move(best_dir)), metric_(std::move(metric)) {
  const std::optional<std::int64_t> kept = directory_.latest();
  if (!kept) return;
  const std::string path = directory_.path_for(*kept);
  const CheckpointData data = read_checkpoint(path);
  const auto found = data.metrics.find(metric_.name);
  if (found == data.metrics.end()) {
    log_warning("{} records no {} (best_metric was changed?): the next validation by whole volumes replaces it", path,
                metric_.name);
    return;
  }
  best_ = found->second;
}

bool BestCheckpoint::improves(double value) const {
  if (!std::isfinite(value)) return false;
  if (!best_) return true;
  return metric_.higher_is_better ? value > *best_ : value < *best_;
}

std::string BestCheckpoint::save(CheckpointData data, double value) {
  data.metrics[metric_.name] = value;
  directory_.save(data, 0);
  for (const std::int64_t other : directory_.iterations()) {
    if (other == data.iteration) continue;
    std::error_code ec;
    std::filesystem::remove(directory_.path_for(other), ec);
    if (ec) log_warning("cannot remove the previous best checkpoint {}: {}", directory_.path_for(other), ec.message());
  }
  best_ = value;
  return directory_.path_for(data.iteration);
}

}  // namespace voxtrain
