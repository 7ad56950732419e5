// grid_inference.hpp — inference on one subject: its preprocessed image cut into grid windows,
// the network run on batches of them, the outputs aggregated and brought back onto the original grid.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "voxtrain/data/preprocessing/preprocessing.hpp"
#include "voxtrain/data/sampling/sampler.hpp"
#include "voxtrain/data/inference/window_aggregator.hpp"

namespace voxtrain {

struct GridInferenceSpec {
  WindowSize window{64, 64, 64};          // [INFERENCE] spatial_window_size (i, j, k)
  std::int64_t batch_size = 1;            // windows per network call
  AggregationSettings aggregation;        // border, fill_constant, weighting, output (argmax / probabilities)
  std::int64_t output_channels = 2;       // K of the network output
};

// Windows [N, C, d, h, w] float32 in, network outputs [N, K, d', h', w'] float32 out (d' <= d: an
// output smaller than its window lands at the window's centre).
using WindowNetwork = std::function<Tensor(const Tensor& windows)>;

// One line for the log before a subject's inference starts: its windows and the aggregation's
// memory, e.g. "sub-001: 27 windows of 64x64x64 (border 8x8x8), aggregation needs 54.0 MiB".
std::string describe_grid_inference(const Subject& preprocessed, const GridInferenceSpec& spec);

// Logs describe_grid_inference first (the memory it will need), then runs the network over the
// subject's grid windows and returns the aggregated output on the
// ORIGINAL grid: int32 labels [1, D, H, W] (Argmax: argmax first, then nearest-neighbour back) or
// float32 [K, D, H, W] (Probabilities/Raw: linear back). The result does not depend on batch_size.
Tensor infer_subject(const Subject& preprocessed, const OriginalGrid& grid, const WindowNetwork& network,
                     const GridInferenceSpec& spec);

// Writes an inference output (on the original grid) with NiftyNet's name in save_dir, with the
// original affine, and records it in inferred.csv; returns the path.
std::string write_subject_output(const std::string& save_dir, const std::string& subject_id, const Tensor& output,
                                 const OriginalGrid& grid, const std::string& postfix = "_niftynet_out");

}  // namespace voxtrain
