// subject_source.hpp — where training and inference read preprocessed subjects from (NIfTI files
// preprocessed on the fly, or an HDF5 patch store), one reader per worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "voxtrain/data/augmentation/augmentation.hpp"
#include "voxtrain/data/sampling/patch_location.hpp"
#include "voxtrain/data/sampling/sampler.hpp"
#include "voxtrain/data/subject.hpp"

namespace voxtrain {

// Reads subjects for one thread (a reader is not shared between threads).
class SubjectReader {
 public:
  virtual ~SubjectReader() = default;
  // The whole preprocessed subject.
  virtual Subject read_subject(std::int64_t index) = 0;
  // True when read_patch reads only the patch (an HDF5 hyperslab) instead of the whole subject.
  virtual bool reads_patches() const { return false; }
  // The patch `at` of the preprocessed subject (image, and label/weight where it has them), with
  // zeros outside the volume; the default crops read_subject.
  virtual AugmentedPatch read_patch(std::int64_t index, const PatchLocation& at);
  // What sampler `kind` needs of the subject; the default takes it from read_subject.
  virtual SamplerInput read_sampler_input(SamplerKind kind, std::int64_t index);
};

class SubjectSource {
 public:
  virtual ~SubjectSource() = default;
  virtual std::int64_t size() const = 0;
  virtual const std::string& id(std::int64_t index) const = 0;
  virtual std::unique_ptr<SubjectReader> open_reader() const = 0;
  // "12 subjects from NIfTI files" / "12 subjects from store.h5", for the log.
  virtual std::string describe() const = 0;
};

// The patch `at` of a subject in memory (crop_patch of each array it has).
AugmentedPatch crop_subject_patch(const Subject& subject, const PatchLocation& at);

}  // namespace voxtrain
