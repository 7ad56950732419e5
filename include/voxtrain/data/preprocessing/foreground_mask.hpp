// foreground_mask.hpp — NiftyNet's automatic foreground masks: a per-channel threshold (Otsu,
// zero, mean), two 6-neighbour dilations and hole filling, fused across channels (and/or/multi).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

// [NETWORK] foreground_type: which voxels of one channel seed its foreground.
enum class ForegroundType {
  OtsuPlus,        // value > Otsu threshold
  OtsuMinus,       // value < Otsu threshold
  ThresholdPlus,   // value > 0
  ThresholdMinus,  // value < 0
  MeanPlus,        // value > the channel's mean
};

// [NETWORK] multimod_foreground_type: how the channels' masks combine.
enum class MultimodForegroundType {
  And,    // a voxel is foreground where every non-empty channel says so
  Or,     // ... where any non-empty channel says so
  Multi,  // each channel keeps its own mask
};

// Parse the config spellings (case-insensitive); an unknown one throws Error naming key and choices.
ForegroundType parse_foreground_type(std::string_view text);
MultimodForegroundType parse_multimod_foreground_type(std::string_view text);
std::string_view to_string(ForegroundType type);
std::string_view to_string(MultimodForegroundType type);

// Equal-width bins between the smallest and largest value, as numpy.histogram(values, bins)
// computes them (computed in double; a constant input gets the range [v - 0.5, v + 0.5]).
struct Histogram {
  std::vector<double> counts;
  double low = 0;    // left edge of bin 0
  double high = 0;   // right edge of the last bin
  double bin_centre(std::size_t bin) const;
};
// Throws Error when values is empty or holds a NaN or an infinity.
Histogram equal_width_histogram(std::span<const float> values, int bins);

// NiftyNet's Otsu threshold: the centre of the first bin b maximising
// w1(b) * w2(b) * (mean1(b) - mean2(b))^2, class 1 = bins 0..b, class 2 = bins b+1..; the
// centre of bin 0 when no split separates anything. otsu_threshold(values) uses 256 bins.
double otsu_threshold(const Histogram& histogram);
double otsu_threshold(std::span<const float> values, int bins = 256);

// The value one channel's voxels are compared with: Otsu, 0 or the mean (in double). An all-zero
// channel gets 0 (NiftyNet skips Otsu there).
double foreground_threshold(std::span<const float> channel, ForegroundType type);

// One channel [D, H, W] (contiguous, i fastest) to a 0/1 mask: compare with the threshold,
// dilate twice with the 6-neighbourhood (outside the volume is background), fill the holes
// (background not 6-connected to the volume's faces). Independent of the OpenMP thread count.
std::vector<std::uint8_t> channel_foreground_mask(std::span<const float> channel, std::int64_t depth,
                                                  std::int64_t height, std::int64_t width,
                                                  ForegroundType type);

// The mask of an image [C, D, H, W] float32 as uint8 [C, D, H, W] (1 = foreground). A channel that
// is all zero (a missing modality) gets an empty mask and takes no part in the fusion; with and/or
// every other channel gets the fused mask. Throws Error naming subject and channel when a
// non-zero channel's own mask is empty (choose another foreground_type).
Tensor foreground_mask(const Tensor& image, ForegroundType type, MultimodForegroundType fusion,
                       std::string_view subject_id = "");

}  // namespace voxtrain
