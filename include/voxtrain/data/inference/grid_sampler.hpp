// grid_sampler.hpp — inference windows on a regular grid, NiftyNet's GridSampler: where the windows
// of one subject lie (a TilingPlan), what aggregating them costs in memory, and the windows in batches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/data/sampling/patch_location.hpp"
#include "voxtrain/data/subject.hpp"

namespace voxtrain {

// NiftyNet's _enumerate_step_points: window starts along one axis of [start, end): start, +step
// while start + window <= end, then end - window (at least 0); sorted and unique; when exactly two
// points remain their mean (rounded half to even) is appended, giving [first, last, middle].
// start, end are clamped to >= 0 (and swapped if end < start), window and step to >= 1.
std::vector<std::int64_t> enumerate_step_points(std::int64_t start, std::int64_t end,
                                                std::int64_t window, std::int64_t step);

// The border the grid and the aggregator use along one axis: a negative border counts as 0, and so
// does any border on an axis whose window is one voxel thick (2-D and 2.5-D windows).
std::int64_t effective_border(std::int64_t window, std::int64_t border);

// Every window of one subject, on NiftyNet's grid: per axis the starts of
// enumerate_step_points(0, image, window, max(window - 2 * border, 1)), combined with y outermost,
// x in the middle and z innermost (NumPy's meshgrid order). Windows are cropped by `border` on
// every face before they are written, so the output covers [border, image - border) per axis.
struct TilingPlan {
  std::int64_t subject = 0;                 // PatchLocation::subject of every window
  std::string subject_id;                   // for messages
  std::array<std::int64_t, 3> image_size{};  // i, j, k
  std::array<std::int64_t, 3> window{};      // the network's input window, i, j, k
  std::array<std::int64_t, 3> border{};      // effective_border per axis
  std::array<std::int64_t, 3> step{};        // max(window - 2 * border, 1)
  std::array<std::vector<std::int64_t>, 3> starts{};  // window starts along i, j, k

  // The number of windows (computed, nothing is allocated).
  std::int64_t size() const;
  // Window n in [0, size()), in NiftyNet's order.
  PatchLocation location(std::int64_t n) const;
  // All size() windows (allocates size() locations).
  std::vector<PatchLocation> locations() const;
  // The voxels the aggregated output defines: [covered_begin, covered_end) per axis (i, j, k).
  // Every other voxel (within border[a] of a face) is fill_constant.
  std::array<std::int64_t, 3> covered_begin() const { return border; }
  std::array<std::int64_t, 3> covered_end() const;
  // One line: subject, window count, window, step, border, image size and the filled margin.
  std::string describe() const;
};

// The grid for one subject. Throws voxtrain::Error naming the subject when a size is not positive,
// when the window is larger than the image along an axis (pad the image, or choose a smaller
// [INFERENCE] spatial_window_size), or when 2 * border >= window on an axis wider than one voxel
// (the cropped window would be empty).
TilingPlan make_tiling_plan(const std::array<std::int64_t, 3>& image_size,
                            const std::array<std::int64_t, 3>& window,
                            const std::array<std::int64_t, 3>& border, std::int64_t subject = 0,
                            std::string_view subject_id = {});

// Bytes that aggregating one subject holds at once: the double sums (C per voxel), the double
// weight sums (1 per voxel), the float32 result (C per voxel) and a batch of float32 output windows
// [batch_size, C, window]. The network and its input batch are not counted.
std::size_t estimate_aggregation_bytes(const std::array<std::int64_t, 3>& image_size,
                                       std::int64_t n_channels,
                                       const std::array<std::int64_t, 3>& output_window,
                                       std::int64_t batch_size);

// "512 B", "1.5 KiB", "12.0 MiB", "3.2 GiB" (powers of 1024).
std::string format_bytes(std::size_t bytes);

// Hands out a subject's image windows in plan order, in batches; the last batch holds only what is
// left (NiftyNet repeats windows to fill it; voxtrain does not). Keeps a reference to the subject.
class GridSampler {
 public:
  GridSampler(const Subject& subject, TilingPlan plan);

  // Fills windows [n, C, d, h, w] float32 and where (n locations) with the next n = min(batch_size,
  // remaining()) windows; returns false, leaving both empty, when none are left.
  bool next(std::int64_t batch_size, Tensor& windows, std::vector<PatchLocation>& where);
  std::int64_t remaining() const { return plan_.size() - next_; }
  const TilingPlan& plan() const { return plan_; }

 private:
  const Subject& subject_;
  TilingPlan plan_;
  std::int64_t next_ = 0;
};

}  // namespace voxtrain
