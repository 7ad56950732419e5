// preprocessing.hpp — the volume-level preprocessing of one subject in NiftyNet's order
// (reorient, resample, normalise, label check/mapping), its fingerprint, and the way back for outputs.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/data/preprocessing/histogram_standardisation.hpp"
#include "voxtrain/data/preprocessing/label_mapping.hpp"
#include "voxtrain/data/preprocessing/normalisation.hpp"
#include "voxtrain/data/preprocessing/orientation.hpp"
#include "voxtrain/data/subject.hpp"
#include "voxtrain/data/preprocessing/volume_warp.hpp"

namespace voxtrain {

class IniFile;
struct InputGrouping;
struct InputSection;

struct SpatialSettings {
  std::optional<Axcodes> axcodes;               // reorient to these codes when set
  std::optional<std::array<double, 3>> pixdim;  // resample to this spacing (mm, i j k) when set
  Interpolation image_interpolation = Interpolation::Linear;  // labels are always nearest
};

struct PreprocessingSettings {
  SpatialSettings spatial;
  NormalisationSettings normalisation;
  std::vector<std::string> modalities;  // the image sections, one per channel, in order
  std::string label_section;            // "" without labels; names the label mapping's keys
  int num_classes = 0;                  // > 0: label values must be 0..K-1 (after mapping)
};

// What preprocessing did to a subject's voxel grid, so that an output computed on the
// preprocessed grid can be written on the original one.
struct OriginalGrid {
  Affine affine{};                       // the image as read
  std::array<std::int64_t, 3> size{};    // (nx, ny, nz) as read
  Reorientation reorientation;           // original -> reoriented
  Affine reoriented_affine{};            // after reorientation, before resampling
  Affine preprocessed_affine{};          // the grid outputs are computed on
  std::array<std::int64_t, 3> preprocessed_size{};
};

// The trained parts preprocessing needs: histogram landmarks (normalisation = True) and the
// label mapping (label_normalisation = True). Null where not used.
struct TrainedPreprocessing {
  const HistogramLandmarks* landmarks = nullptr;
  const LabelMapping* label_mapping = nullptr;
};

// Reorients, resamples, normalises the image (and maps or checks the label) in place; returns
// the grid record. Errors name the subject.
OriginalGrid preprocess_subject(Subject& subject, const PreprocessingSettings& settings,
                                const TrainedPreprocessing& trained);

// Only the spatial part (what histogram and label-mapping training see).
OriginalGrid preprocess_subject_grid(Subject& subject, const SpatialSettings& spatial);

// A [C, D, H, W] output on the preprocessed grid brought back onto the original grid (inverse
// resampling with `interpolation`, then the inverse reorientation): it overlays the input.
Tensor to_original_grid(const Tensor& output, const OriginalGrid& grid, Interpolation interpolation);

// Every setting that changes the preprocessed voxels, as "spatial.*" and "normalisation.*" keys
// (the HDF5 store records it; training compares it with its own configuration).
std::map<std::string, std::string> preprocessing_fingerprint(const PreprocessingSettings& settings,
                                                             const TrainedPreprocessing& trained);

// The settings a NiftyNet configuration gives: spatial keys of the image sections (which must
// agree), [NETWORK] normalisation keys, [SEGMENTATION] label_normalisation and num_classes; a
// relative histogram_ref_file is resolved against model_dir, as NiftyNet does.
PreprocessingSettings preprocessing_settings_from_ini(const IniFile& ini, const std::vector<InputSection>& sections,
                                                      const InputGrouping& grouping);

}  // namespace voxtrain
