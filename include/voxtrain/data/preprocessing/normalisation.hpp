// normalisation.hpp — intensity normalisation of a subject's image (foreground mask, percentile
// clipping, histogram standardisation, whitening) and its label map, with NiftyNet's settings.
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/data/preprocessing/foreground_mask.hpp"
#include "voxtrain/data/preprocessing/histogram_standardisation.hpp"
#include "voxtrain/data/preprocessing/label_mapping.hpp"

namespace voxtrain {

// percentile_clipping_rescale: where clipped intensities go afterwards.
enum class ClipRescale {
  None,         // keep the clipped intensities
  ZeroOne,      // [p_lo, p_hi] -> [0, 1]
  MinusOneOne,  // [p_lo, p_hi] -> [-1, 1]
};
ClipRescale parse_clip_rescale(std::string_view text);  // "none", "zero_one", "minus_one_one"
std::string_view to_string(ClipRescale rescale);

// The [NETWORK] keys (and [SEGMENTATION] label_normalisation) with NiftyNet's defaults, plus
// voxtrain's percentile clipping (off by default).
struct NormalisationSettings {
  bool whitening = false;
  bool normalise_foreground_only = false;
  ForegroundType foreground_type = ForegroundType::OtsuPlus;
  MultimodForegroundType multimod_foreground_type = MultimodForegroundType::And;
  bool normalisation = false;  // histogram standardisation
  std::string histogram_ref_file = "./histogram_ref_file.txt";
  NormType norm_type = NormType::Percentile;
  Cutoff cutoff{0.01, 0.99};
  bool label_normalisation = false;
  bool percentile_clipping = false;
  std::array<double, 2> clipping_percentiles{0.5, 99.5};  // in percent, like numpy / MONAI
  ClipRescale clipping_rescale = ClipRescale::None;
};

// Throws Error naming the key for a value out of range (cutoff outside [0, 1] or not ascending,
// clipping percentiles outside [0, 100] or not ascending, an empty histogram_ref_file while
// normalisation or label_normalisation is on).
void check_normalisation_settings(const NormalisationSettings& settings);

// What a preprocessed data store depends on, as "normalisation.<key>" -> value. Keys of steps
// that are off are left out (changing them changes nothing); the landmarks and label mapping
// in use are added when given, so retraining them changes the fingerprint.
std::map<std::string, std::string> normalisation_fingerprint(const NormalisationSettings& settings,
                                                             const HistogramLandmarks* landmarks = nullptr,
                                                             const LabelMapping* labels = nullptr);

// ---- the steps, on an image [C, D, H, W] float32 and a mask [C, D, H, W] uint8 (nullptr: all) --
// (x - mean) / max(std, 1e-5) per channel, mean and population std over the mask (in double, in
// a fixed order), applied to every voxel. A channel whose mask is empty is left as it is.
void whiten(Tensor& image, const Tensor* mask);
// Clips each channel to its [p_lo, p_hi] percentiles over the mask (numpy's linear definition),
// then rescales per `rescale` (a channel with p_lo == p_hi goes to the range's lower end).
void clip_to_percentiles(Tensor& image, const Tensor* mask, const std::array<double, 2>& percentiles,
                         ClipRescale rescale);

// ---- one entry point per subject ----------------------------------------------------------------
// Normalises image in place, in NiftyNet's order: the foreground mask from the raw image (when
// normalise_foreground_only), percentile clipping, histogram standardisation, whitening, each
// over that mask. Returns the mask (undefined when every voxel counts). landmarks is required
// when settings.normalisation; modalities names the channels. Throws Error naming the subject for
// a non-finite voxel, a channel count that differs from modalities, an empty foreground in a
// non-zero channel, or missing landmarks.
Tensor normalise_subject_image(Tensor& image, const NormalisationSettings& settings,
                               const HistogramLandmarks* landmarks, const std::vector<std::string>& modalities,
                               std::string_view subject_id);

// label_normalisation: maps label [1, D, H, W] int32 forward with mapping (required then);
// otherwise checks its values lie in 0..num_classes-1.
void normalise_subject_label(Tensor& label, const NormalisationSettings& settings, const LabelMapping* mapping,
                             int num_classes, std::string_view subject_id);

// Histogram training as NiftyNet does it: each channel's own foreground mask (no fusion across
// channels) when normalise_foreground_only, else every voxel; percentile clipping first when on.
struct TrainingImage {
  std::string id;
  const Tensor* image = nullptr;
};
// One training subject's landmarks per modality, with the settings' clipping and masks: the
// half of train_histogram_landmarks that streams (collect these, then average_landmarks).
std::map<std::string, Landmarks> training_image_landmarks(const TrainingImage& subject,
                                                          const std::vector<std::string>& modalities,
                                                          const NormalisationSettings& settings);
HistogramLandmarks train_histogram_landmarks(const std::vector<TrainingImage>& subjects,
                                             const std::vector<std::string>& modalities,
                                             const NormalisationSettings& settings);

}  // namespace voxtrain
