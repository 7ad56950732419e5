// sampler.hpp — training window samplers (NiftyNet's uniform, weighted and balanced): one patch
// location per (subject, key), from a per-subject SamplerIndex built once and drawn from many times.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/data/sampling/patch_location.hpp"
#include "voxtrain/data/subject.hpp"

namespace voxtrain {

// [NETWORK] window_sampling: how a training window's position is drawn.
enum class SamplerKind {
  Uniform,   // every position that keeps the window inside the image, equally likely
  Weighted,  // window centre drawn with probability proportional to the sampling map
  Balanced,  // a class of the sampling map (or label) uniformly, then a voxel of that class
};

// "uniform", "weighted", "balanced".
std::string_view sampler_kind_name(SamplerKind kind);
// The kind named by text (case-insensitive); throws Error naming `where` and the valid names.
SamplerKind parse_sampler_kind(std::string_view text, std::string_view where);

using WindowSize = std::array<std::int64_t, 3>;  // spatial window size in NIfTI order (i, j, k)

// What a sampler sees of one subject.
struct SamplerInput {
  std::int64_t subject = 0;        // index of the subject in its data set (PatchLocation::subject)
  std::string subject_id;          // its id, for messages
  WindowSize size_ijk{};           // the image's spatial size (nx, ny, nz)
  Tensor map;                      // [1, D, H, W] float32 or int32: weights (weighted) or classes
                                   // (balanced); undefined for uniform
};

// The input `kind` needs from a loaded subject: uniform its size only; weighted its sampling
// map; balanced its sampling map, else its label. Throws Error naming the subject when the map
// is missing or not [1, D, H, W] on the image's grid.
SamplerInput sampler_input(SamplerKind kind, const Subject& subject, std::int64_t subject_index);

// Everything a sampler precomputes for one subject and window size: the region where window
// centres may lie, the cumulative weights (weighted) or the voxels of each class (balanced).
// Built once per subject (milliseconds for 96^3), then draw() is O(log n) and thread-safe.
//
// Along an axis where the window fits (w <= n), centres lie in NiftyNet's crop_sampling_map
// range [floor(w/2), n - w + floor(w/2 + 0.6)) (one voxel when that is empty), so a window
// starting at centre - floor(w/2) stays inside. Along an axis where the window is larger than
// the image (NiftyNet asserts), the window is centred on the image: start = -floor((w - n)/2),
// and the part outside is padding (crop_patch fills it); every voxel of that axis is a
// candidate, so weighted and balanced still see the whole map.
class SamplerIndex {
 public:
  // Throws Error naming the subject when a window size is < 1, the map is missing, mis-shaped
  // or holds a non-finite value.
  SamplerIndex(SamplerKind kind, const SamplerInput& input, WindowSize window);

  // One window location for this key; the same key gives the same location on any thread, rank
  // or run. Draws use uniform01(key, 0..2).
  PatchLocation draw(std::uint64_t key) const;

  SamplerKind kind() const { return kind_; }
  const WindowSize& window() const { return window_; }
  const WindowSize& image_size() const { return size_; }
  // Distinct locations a draw can give: uniform, the valid starts; weighted, the candidate
  // voxels with weight > 0 (all candidates when every weight is 0); balanced, all candidates.
  std::int64_t candidates() const;
  // Balanced: the distinct map values in the candidate region, ascending (empty otherwise).
  std::span<const double> classes() const { return classes_; }
  // Host memory this index holds.
  std::size_t bytes() const;

 private:
  void build_weighted(const SamplerInput& input);
  void build_balanced(const SamplerInput& input);
  PatchLocation location_of(std::int64_t region_offset) const;
  std::int64_t uniform_start(int axis, double u) const;

  SamplerKind kind_;
  std::int64_t subject_;
  WindowSize size_;
  WindowSize window_;
  WindowSize region_lo_{};     // candidate centres: [lo, lo + extent) per axis
  WindowSize region_extent_{};
  std::int64_t region_voxels_ = 0;
  // Weighted: region offsets with weight > 0 and the running sum of their weights.
  std::vector<std::uint32_t> offsets_;
  std::vector<double> cumulative_;
  // Balanced: region offsets grouped by class; class c owns [class_begin_[c], class_begin_[c+1]).
  std::vector<double> classes_;
  std::vector<std::int64_t> class_begin_;
};

// Builds the index and draws once: for single draws and tests (build a SamplerIndex to draw many).
PatchLocation draw_location(SamplerKind kind, const SamplerInput& input, WindowSize window,
                            std::uint64_t key);

// NiftyNet's concentric windows: the location of a window of size `window` sharing the centre
// start + floor(size/2) of `at` (draw with the largest window over fields, then place each
// field's own window with this).
PatchLocation concentric_location(const PatchLocation& at, WindowSize window);

}  // namespace voxtrain
