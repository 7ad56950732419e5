// histogram_standardisation.hpp — Nyúl & Udupa histogram standardisation as NiftyNet does it:
// percentile landmarks, their average on the [0, 100] scale, the histogram_ref_file, the mapping.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

// [NETWORK] norm_type: which landmarks the piecewise-linear mapping uses.
enum class NormType {
  Percentile,  // cutoff, 10, 20, 30, 40, 50, 60, 70, 80, 90 %, cutoff (11 points)
  Quartile,    // cutoff, 25, 50, 75 %, cutoff (5 points)
  Median,      // cutoff, 50 %, cutoff (3 points)
};
NormType parse_norm_type(std::string_view text);  // case-insensitive; Error naming the choices
std::string_view to_string(NormType type);

// The landmarks of one modality: the intensities at the fractions
// cutoff[0], .1, .2, .25, .3, .4, .5, .6, .7, .75, .8, .9, cutoff[1] (NiftyNet stores all 13).
inline constexpr std::size_t kLandmarkCount = 13;
using Landmarks = std::array<double, kLandmarkCount>;
using Cutoff = std::array<double, 2>;  // fractions in [0, 1], e.g. {0.01, 0.99}

// The standard scale the averaged landmarks span (NiftyNet's create_standard_range).
inline constexpr double kStandardScaleMin = 0.0;
inline constexpr double kStandardScaleMax = 100.0;

// NiftyNet's __standardise_cutoff: order the pair, clamp to [0, 1], then lower <= 0.09 and
// upper >= 0.91 (quartile: 0.24 / 0.76) so the cutoffs stay outside the inner landmarks.
Cutoff standardise_cutoff(Cutoff cutoff, NormType type);
// The 13 fractions for a (standardised) cutoff.
Landmarks landmark_fractions(const Cutoff& cutoff);
// Indices into Landmarks that norm_type uses, ascending.
std::vector<std::size_t> landmarks_used(NormType type);

// numpy.percentile's default ('linear'): position q * (n - 1) in the sorted values, linearly
// interpolated between its neighbours (in double). sorted must be ascending and non-empty; q in [0, 1].
double percentile_of_sorted(std::span<const float> sorted, double q);
// The values of channel where mask != 0 (every value when mask is empty), sorted ascending.
std::vector<float> sorted_foreground(std::span<const float> channel, std::span<const std::uint8_t> mask);
// The 13 landmarks of one channel over its mask (an empty span means every voxel).
Landmarks image_landmarks(std::span<const float> channel, std::span<const std::uint8_t> mask,
                          const Cutoff& cutoff);

// The reference landmarks per modality name, with the file they came from (for messages).
struct HistogramLandmarks {
  std::map<std::string, Landmarks> modalities;
  std::string source;  // the histogram_ref_file read, or "" when trained in memory
};

// One subject's image [C, D, H, W] float32 and its mask [C, D, H, W] uint8 (nullptr: every voxel).
struct LandmarkSubject {
  std::string id;
  const Tensor* image = nullptr;
  const Tensor* mask = nullptr;
};
// Training: every subject's landmarks per channel (channel c is modalities[c]), each mapped
// linearly so its cutoff landmarks land on [0, 100], then averaged over subjects (NiftyNet's
// __averaged_mapping). All-zero channels (missing modalities) are skipped. Throws Error naming the
// subject and modality when the channel count differs from modalities or a channel's foreground
// is empty or has equal cutoff landmarks (a constant image), and naming the modality when no
// subject has it. The two halves below do the same one subject at a time.
HistogramLandmarks train_landmarks(const std::vector<LandmarkSubject>& subjects,
                                   const std::vector<std::string>& modalities, NormType type,
                                   const Cutoff& cutoff);
// One subject's landmarks per modality (all-zero channels are absent), cutoff standardised for type.
std::map<std::string, Landmarks> subject_landmarks(const LandmarkSubject& subject,
                                                   const std::vector<std::string>& modalities, NormType type,
                                                   const Cutoff& cutoff);
// The average on the standard scale of every modality's per-subject landmarks.
HistogramLandmarks average_landmarks(const std::map<std::string, std::vector<Landmarks>>& per_subject,
                                     const std::vector<std::string>& modalities);

// The piecewise-linear map from one image's landmarks to the reference ones. Between landmarks
// it interpolates; below the second / above the second-to-last landmark it extends the first /
// last segment (NiftyNet's extrapolation). A segment whose two image landmarks are equal has
// slope 0 and maps to the reference landmark at its left.
struct PiecewiseLinear {
  std::vector<double> breaks;     // the image's landmarks used, ascending
  std::vector<double> slope;      // per segment (breaks.size() - 1)
  std::vector<double> intercept;  // per segment
  double operator()(double x) const;
};
PiecewiseLinear nyul_mapping(const Landmarks& image, const Landmarks& reference, NormType type);

// Maps each channel of image [C, D, H, W] float32 in place: its landmarks over mask (uint8
// [C, D, H, W]; nullptr: every voxel) onto the reference of modalities[c]. Every voxel is mapped,
// inside the mask or not; all-zero channels are left alone. Throws Error naming a modality the
// landmarks lack (and their file), or a channel count that differs from modalities.
void apply_histogram_standardisation(Tensor& image, const Tensor* mask, const HistogramLandmarks& landmarks,
                                     const std::vector<std::string>& modalities, NormType type,
                                     const Cutoff& cutoff);

// ---- histogram_ref_file: lines "<name> <v1> <v2> ...", one per modality or label key ----------
struct ReferenceLine {
  std::string name;
  std::vector<double> values;
  int line = 0;  // 1-based line in the file it was read from (0 when made in memory)
};
// Reads every line with a name and at least one value (blank lines and lone names are skipped,
// as NiftyNet does). Throws Error for a missing file ("train first or set histogram_ref_file")
// and for a value that is not a number (file:line).
std::vector<ReferenceLine> read_reference_file(const std::string& path);
// Writes lines in order (values in shortest round-trip form) under a temporary name beside path,
// then renames it over path, so readers see the old file or the new one, never half of one.
void write_reference_file(const std::string& path, const std::vector<ReferenceLine>& lines);
// Reads path when it exists, replaces the lines whose names `lines` has, appends the others,
// and writes it back (how NiftyNet keeps modalities and label mappings in one file).
void update_reference_file(const std::string& path, const std::vector<ReferenceLine>& lines);

// The landmarks of `modalities` from a histogram_ref_file. Throws Error for a missing file, a
// modality the file lacks (naming it and the ones it has), or a line with other than 13 values.
HistogramLandmarks read_landmarks_file(const std::string& path, const std::vector<std::string>& modalities);
// Adds or replaces the modalities' lines in path, keeping its other lines (labels, other modalities).
void write_landmarks_file(const std::string& path, const HistogramLandmarks& landmarks);

}  // namespace voxtrain
