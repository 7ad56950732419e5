// patch_extraction.cpp — windows drawn by a sampler from each subject of a store (keyed by seed,
// subject and slot), written with the subjects to a new store.
#include "voxtrain/data/store/patch_extraction.hpp"

#include <cstring>

#include "voxtrain/core/error.hpp"

#include "voxtrain/data/store/patch_store.hpp"
#include "voxtrain/data/sampling/sample_stream.hpp"

namespace voxtrain {
namespace {

// Concatenates [C, d, h, w] patches into [N, C, d, h, w].
Tensor stack(const std::vector<Tensor>& patches) {
  const auto& s = patches.front().shape();
  Tensor out = Tensor::empty({static_cast<std::int64_t>(patches.size()), s[0], s[1], s[2], s[3]},
                             patches.front().dtype());
  auto* dst = static_cast<char*>(out.raw_data());
  for (const auto& p : patches) {
    std::memcpy(dst, p.raw_data(), p.nbytes());
    dst += p.nbytes();
  }
  return out;
}

}  // namespace

std::int64_t run_extract_patches(const ExtractPatchesOptions& o, const std::function<void(const std::string&)>& advance) {
  const PatchStoreReader store(o.store);
  PatchStoreWriter writer(o.out, store.fingerprint());
  std::int64_t written = 0;
  std::string first_id;  // patch labels come with every subject's patches or with none
  bool first_has_label = false;
  for (std::int64_t n = 0; n < store.subject_count(); ++n) {
    const Subject s = store.read_subject(n);
    if (n == 0) first_id = s.id, first_has_label = s.label.defined();
    if (s.label.defined() != first_has_label)
      throw error("{}: subject '{}' has {} label but '{}' has {}; extract-patches stores patch labels for every "
                  "subject or for none: convert the data set with a label for every subject, or without labels",
                  o.store, s.id, s.label.defined() ? "a" : "no", first_id, first_has_label ? "one" : "none");
    writer.add_subject(s);
    const SamplerIndex index(o.sampler, sampler_input(o.sampler, s, n), o.window);
    std::vector<Tensor> images, labels;
    std::vector<PatchLocation> where;
    for (std::int64_t slot = 0; slot < o.per_subject; ++slot) {
      const PatchLocation at = index.draw(training_item_key(o.seed, 0, n, slot));
      images.push_back(crop_patch(s.image, at));
      if (s.label.defined()) labels.push_back(crop_patch(s.label, at));
      where.push_back(at);
    }
    writer.add_patches(stack(images), labels.empty() ? Tensor() : stack(labels), where);
    written += o.per_subject;
    if (advance) advance(s.id);
  }
  writer.commit();
  return written;
}

}  // namespace voxtrain
