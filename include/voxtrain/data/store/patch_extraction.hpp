// patch_extraction.hpp — the work of `voxdata extract-patches`: N windows per subject of an HDF5
// patch store drawn with a sampler, into a new store holding the subjects and the patch dataset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "voxtrain/data/sampling/sampler.hpp"

namespace voxtrain {

struct ExtractPatchesOptions {
  std::string store;                 // the input store
  std::string out;                   // the store written (subjects copied, patches added)
  WindowSize window{64, 64, 64};     // (i, j, k)
  std::int64_t per_subject = 1;      // windows per subject
  SamplerKind sampler = SamplerKind::Uniform;
  std::uint64_t seed = 0;            // windows keyed by (seed, subject, slot)
};

// Writes options.out; calls advance(subject id) after each subject. Returns the patch count.
std::int64_t run_extract_patches(const ExtractPatchesOptions& options,
                                 const std::function<void(const std::string&)>& advance = {});

}  // namespace voxtrain
