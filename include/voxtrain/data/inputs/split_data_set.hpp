// split_data_set.hpp — the work of `voxdata split`: find a config's subjects (or those of one
// directory and its keywords) and write, or read and check, the dataset split file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/data/inputs/dataset_split.hpp"

namespace voxtrain {

struct SplitOptions {
  std::string config;  // the config; or the explicit form below
  std::string out;     // the split file; empty: the config's dataset_split_file
  std::uint64_t seed = 0;
  std::optional<double> validation_fraction;  // overrides the config
  std::optional<double> inference_fraction;
  bool force = false;  // make a new split even when the file exists
  // The form without a config: one directory, one image section per keyword, an optional label.
  std::vector<std::string> images;          // directories to search
  std::vector<std::string> image_contains;  // one image channel per keyword, e.g. T1,T2
  std::string label_contains;               // the label files' keyword, e.g. Label
};

struct SplitOutcome {
  std::string path;  // the split file written or read
  LoadedSplit loaded;
};
// Discovers and matches the subjects, then makes and writes the split (when the file is absent
// or force is set) or reads and checks the existing one.
SplitOutcome run_split(const SplitOptions& options);

}  // namespace voxtrain
