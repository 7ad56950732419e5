// store_conversion.hpp — the work of `voxdata convert`: a NiftyNet-style data set (config or explicit
// inputs) preprocessed once (orientation, spacing, normalisation, labels) into an HDF5 patch store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/data/preprocessing/preprocessing.hpp"

namespace voxtrain {

class IniFile;

struct ConvertOptions {
  std::string config;                       // a config; or the explicit form below
  std::vector<std::string> images;          // directories to search
  std::vector<std::string> image_contains;  // one image channel per keyword
  std::string label_contains;               // the label files' keyword
  std::vector<std::string> extra_network;   // key=value lines (explicit form): input, [NETWORK] or [SEGMENTATION] keys
  std::string out;                          // the store to write
  std::string phase = "all";                // all|training|validation|inference
  std::string compression = "none";         // none|gzip|gzip-N
  bool data_checksums = true;               // fletcher32 on the stored volumes (PatchStoreOptions)
};

// The configuration the explicit form stands for: one input section per keyword, [SEGMENTATION]
// grouping them, each --set line in the section that holds its key (pixdim/axcodes in every input
// section, normalisation keys in [NETWORK], label_normalisation/num_classes in [SEGMENTATION]; an
// unknown key is refused); parsed as if it were a file in the current directory.
IniFile explicit_convert_config(const ConvertOptions& options);

struct ConvertSummary {
  std::int64_t subjects = 0;
  std::string trained_landmarks;  // the histogram_ref_file written ("" when none was trained)
  std::string trained_labels;     // the file the label mapping was written to ("" when none)
};

using ConvertProgress = std::function<void(const std::string& stage, std::int64_t total)>;

// Discovers the subjects, trains (or reads) histogram landmarks and the label mapping over the
// training subjects, preprocesses every subject of the phase and writes the store atomically.
// advance(subject id) is called after each subject written.
ConvertSummary run_convert(const ConvertOptions& options, const std::function<void(const std::string&)>& advance = {},
                           const ConvertProgress& stage = {});

// The fingerprint a store converted from this config has: its preprocessing settings with the
// trained landmarks and label mapping read from histogram_ref_file (Error when a needed one is
// missing: run `voxdata convert` first).
std::map<std::string, std::string> config_store_fingerprint(const IniFile& ini);
// Training from a store: refuses (one line naming the store and every differing setting) a store
// whose preprocessing differs from what the config asks for.
void check_store_against_config(const std::string& store, const IniFile& ini);

}  // namespace voxtrain
