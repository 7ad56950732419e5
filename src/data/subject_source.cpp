// subject_source.cpp — the default reader operations: the whole subject read, then the patch
// cropped from it.
#include "voxtrain/data/subject_source.hpp"

namespace voxtrain {

AugmentedPatch crop_subject_patch(const Subject& subject, const PatchLocation& at) {
  AugmentedPatch p;
  p.image = crop_patch(subject.image, at);
  if (subject.label.defined()) p.label = crop_patch(subject.label, at);
  if (subject.weight.defined()) p.weight = crop_patch(subject.weight, at);
  return p;
}

AugmentedPatch SubjectReader::read_patch(std::int64_t index, const PatchLocation& at) {
  return crop_subject_patch(read_subject(index), at);
}

SamplerInput SubjectReader::read_sampler_input(SamplerKind kind, std::int64_t index) {
  return sampler_input(kind, read_subject(index), index);
}

}  // namespace voxtrain
