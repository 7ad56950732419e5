// dataset_config.hpp — the config lookups a data set's files share: model_dir, the dataset split
// file and the exclude fractions, resolved as NiftyNet resolves them.
#pragma once

#include <string>

#include "voxtrain/data/inputs/dataset_split.hpp"
#include "voxtrain/io/config/ini_file.hpp"

namespace voxtrain {

// [SYSTEM] model_dir, resolved as NiftyNet does: default <config dir>/model; a relative path
// starts at the config's directory.
std::string model_dir(const IniFile& ini);
// A path NiftyNet resolves against model_dir (save_seg_dir, save_csv_dir, dataset_split_file):
// an absolute path as it is, a relative one under model_dir; normalised lexically.
std::string path_in_model_dir(const IniFile& ini, const std::string& path);
// [SYSTEM] dataset_split_file (default ./dataset_split.csv); a relative path starts at model_dir.
std::string dataset_split_path(const IniFile& ini);
// [TRAINING] exclude_fraction_for_validation and exclude_fraction_for_inference (default 0),
// each checked to lie in [0, 1].
SplitFractions split_fractions(const IniFile& ini);

}  // namespace voxtrain
