// extract_patches_command.hpp — `voxdata extract-patches`: pre-extract N windows per subject of an
// HDF5 patch store with a sampler, into a new store holding the subjects and the patch dataset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "voxtrain/data/sampler.hpp"

namespace voxtrain {

struct ExtractPatchesOptions {
  std::string store;                 // the input store
  std::string out;                   // --out: the store written (subjects copied, patches added)
  WindowSize window{64, 64, 64};     // --window 64 or 64,64,32 (i, j, k)
  std::int64_t per_subject = 1;      // --per-subject N
  SamplerKind sampler = SamplerKind::Uniform;  // --sampler uniform|weighted|balanced
  std::uint64_t seed = 0;            // --seed S: windows keyed by (seed, subject, slot)
  bool help = false;
};

std::string extract_patches_usage();
ExtractPatchesOptions parse_extract_patches_args(const std::vector<std::string>& args);
// Writes options.out; calls advance(subject id) after each subject. Returns the patch count.
std::int64_t run_extract_patches(const ExtractPatchesOptions& options,
                                 const std::function<void(const std::string&)>& advance = {});
int run_extract_patches_command(const std::vector<std::string>& args);

}  // namespace voxtrain
