// phantom.hpp — the synthetic phantom data set: 3-D "heads" of nested ellipsoids with a lesion,
// M contrasts, bias field, noise, rotation and anisotropic spacing; deterministic per (seed, subject).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/io/nifti_image.hpp"

namespace voxtrain {

struct PhantomSpec {
  std::int64_t size = 96;   // voxels along each axis (>= 16)
  int classes = 4;          // K >= 2: 0 background, 1..K-2 nested tissue shells, K-1 the lesion
  int modalities = 2;       // M >= 1 contrasts
  std::uint64_t seed = 0;
};

// One subject: image [M, D, H, W] float32, label [1, D, H, W] int32 (0..K-1), and the affine
// (voxel (i, j, k) to mm: the spacing on the diagonal, the volume centred on the origin).
struct Phantom {
  Tensor image;
  Tensor label;
  Affine affine{};
};

// Throws voxtrain::Error naming the setting when spec cannot make a phantom (size < 16,
// classes < 2 or too many for the size, modalities < 1).
void check_phantom_spec(const PhantomSpec& spec);

// The lesion's label: K - 1 (for K = 2 the head's tissue is then labelled 0 with the background).
inline int phantom_lesion_class(const PhantomSpec& spec) { return spec.classes - 1; }
// "T1", "T2", "FLAIR", "PD" for m = 0..3, then "M5", "M6", ...
std::string phantom_modality_name(int m);
// "sub-001" for subject 1.
std::string phantom_subject_id(int subject);

// Subject `subject` (1-based, as in sub-001) of the data set spec.seed describes. Depends only
// on (spec, subject): not on other subjects, call order or the OpenMP thread count.
Phantom make_phantom(const PhantomSpec& spec, int subject);

// ---- the data set: NIfTI files of many subjects ----------------------------------------------
struct PhantomDataSetOptions {
  std::string out;      // directory, created when missing
  int subjects = 10;
  PhantomSpec spec;
};

// Writes OUT/sub-001_T1.nii.gz, ..., OUT/sub-001_Label.nii.gz, ... for every subject; calls
// progress(done, total, subject_id) after each subject.
using PhantomProgress = std::function<void(int done, int total, const std::string& subject_id)>;
void write_phantom_data_set(const PhantomDataSetOptions& options, const PhantomProgress& progress = {});

}  // namespace voxtrain
