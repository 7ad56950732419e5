// volume_validation.hpp — validation by whole volumes: per-class volume-level metrics of the
// validation subjects each rank segments, summed over the ranks into means over subjects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/metrics/surface_distance.hpp"

namespace voxtrain {

class Communicator;

// Means over subjects of each metric for each foreground class 1..num_classes-1.
struct VolumeMetricTable {
  std::vector<std::string> metrics;  // catalogue names, e.g. dice
  int num_classes = 2;
  std::int64_t subjects = 0;
  std::vector<double> means;         // [metric][class - 1]; NaN where no subject had a value

  double mean(std::size_t metric, int label) const;
  // The mean over the foreground classes of mean(metric, c), NaN left out (NaN if all are).
  double foreground_mean(std::size_t metric) const;
};

class VolumeMetricAccumulator {
 public:
  VolumeMetricAccumulator(std::vector<std::string> metrics, int num_classes);
  // One subject: seg and ref are int32 label maps [1, D, H, W] on the same grid; spacing in mm
  // along i, j, k (for the distances). A NaN value (a class absent from both) is left out.
  void add(const Tensor& seg, const Tensor& ref, const Spacing& spacing);
  // Collective: every rank calls it; each gets the means over all ranks' subjects.
  VolumeMetricTable reduce(Communicator& communicator) const;

 private:
  std::vector<std::string> metrics_;
  int num_classes_;
  std::vector<double> sums_, counts_;  // [metric][class - 1]
  std::int64_t subjects_ = 0;
};

// Indices of the subjects rank `rank` of `ranks` segments: rank, rank + ranks, ...
std::vector<std::size_t> subjects_of_rank(std::size_t subjects, int rank, int ranks);

}  // namespace voxtrain
