// checkpoint.hpp — a training checkpoint in HDF5 (parameters, buffers, optimizer state, iteration,
// counters, config text; docs/CHECKPOINT_FORMAT.md) and the models directory that holds them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/nn/optimizer.hpp"

namespace voxtrain {

// The layout version written to the root attribute voxtrain_format_version; newer files are refused.
inline constexpr std::int64_t kCheckpointFormatVersion = 1;

struct CheckpointData {
  std::int64_t iteration = 0;
  NamedTensors params;     // Parameter name -> float32 host tensor
  NamedTensors buffers;    // running statistics etc. (float32, int32, int64 or uint8)
  NamedTensors optimizer;  // Optimizer::state()
  std::map<std::string, std::int64_t> counters;  // rng seed, data stream position, ...
  // Volume-level validation values of this model (the best checkpoint records its best_metric).
  std::map<std::string, double> metrics;
  std::string config_text;  // the effective config (INI text)
  std::string network;      // e.g. "unet"
  std::int64_t world_size = 1;
  // Read back from the file: "voxtrain <version>" of the build that wrote it. Ignored by
  // write_checkpoint, which always records the running build (core/build_info).
  std::string voxtrain_version;
};

// Writes the checkpoint to `path` (the directory must exist): built under a temporary name beside it
// and renamed over `path` when complete, so a reader sees the old file or the whole new one; on any
// error the temporary file is removed. Call it on one rank only (rank 0). Throws Error naming the
// path, or the tensor, for a tensor that is not a plain host tensor of rank 1 to 5 (params:
// float32), a negative iteration or a world size below 1.
void write_checkpoint(const std::string& path, const CheckpointData& data);

// Reads a whole checkpoint. Throws one line naming the file for a missing, non-HDF5, truncated or
// damaged file (checksums), an HDF5 file that is not a checkpoint, a format newer than this build
// reads, and names voxtrain would not have written.
CheckpointData read_checkpoint(const std::string& path);

// model_dir/models/: model.ckpt-<iteration>.h5 files (NiftyNet's names with .h5).
class CheckpointDirectory {
 public:
  explicit CheckpointDirectory(std::string models_dir);

  const std::string& models_dir() const { return models_dir_; }
  std::string path_for(std::int64_t iteration) const;
  // Sorted, from the files present (temporary files and other names ignored); empty when the
  // directory does not exist.
  std::vector<std::int64_t> iterations() const;
  std::optional<std::int64_t> latest() const;

  // Resolves [TRAINING] starting_iter (key names it in messages): -1 the latest checkpoint (none: an
  // Error saying to train first or set the key to 0), 0 none (training from scratch), n > 0 that
  // file (missing: an Error listing the iterations present).
  std::optional<std::string> resolve(std::int64_t iteration, std::string_view key) const;
  // Resolves [INFERENCE] inference_iter, which always needs a file: -1 the latest, n >= 0 that
  // iteration's file (0: the initial weights, saved by a run with max_iter = 0).
  std::string resolve_required(std::int64_t iteration, std::string_view key) const;

  // Writes data at path_for(data.iteration) (creating the directory), then deletes the checkpoints
  // of the lowest iterations, never the one just written, until at most max_checkpoints remain
  // (<= 0: keep all). A file that cannot be deleted is a warning in the log, not an error.
  void save(const CheckpointData& data, std::int64_t max_checkpoints) const;

 private:
  std::string models_dir_;
};

}  // namespace voxtrain
