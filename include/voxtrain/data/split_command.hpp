// split_command.hpp — `voxdata split`: find a config's subjects and write (or check) the
// dataset split file, with the config lookups (split file path, fractions) training shares.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/data/dataset_split.hpp"
#include "voxtrain/io/ini_file.hpp"

namespace voxtrain {

// [SYSTEM] model_dir, resolved as NiftyNet does: default <config dir>/model; a relative path
// starts at the config's directory.
std::string model_dir(const IniFile& ini);
// [SYSTEM] dataset_split_file (default ./dataset_split.csv); a relative path starts at model_dir.
std::string dataset_split_path(const IniFile& ini);
// [TRAINING] exclude_fraction_for_validation and exclude_fraction_for_inference (default 0),
// each checked to lie in [0, 1].
SplitFractions split_fractions(const IniFile& ini);

struct SplitOptions {
  std::string config;  // -c / --config FILE
  std::string out;     // --out FILE; empty: the config's dataset_split_file
  std::uint64_t seed = 0;
  std::optional<double> validation_fraction;  // overrides the config
  std::optional<double> inference_fraction;
  bool force = false;  // make a new split even when the file exists
  // The form without a config: one directory, one image section per keyword, an optional label.
  std::vector<std::string> images;          // --images DIR[,DIR...]
  std::vector<std::string> image_contains;  // --image-contains T1,T2
  std::string label_contains;               // --label-contains Label
  bool help = false;
};

std::string split_usage();
// Parses the arguments after `split` (flags as `--flag value` or `--flag=value`); a bad or
// missing argument throws Error with one line naming the flag.
SplitOptions parse_split_args(const std::vector<std::string>& args);

struct SplitOutcome {
  std::string path;  // the split file written or read
  LoadedSplit loaded;
};
// Discovers and matches the subjects, then makes and writes the split (when the file is absent
// or force is set) or reads and checks the existing one.
SplitOutcome run_split(const SplitOptions& options);
// The subcommand: parse, print usage or run and print the counts per phase.
int run_split_command(const std::vector<std::string>& args);

}  // namespace voxtrain
