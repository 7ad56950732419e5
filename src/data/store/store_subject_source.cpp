// store_subject_source.cpp — subjects from an HDF5 patch store: each worker thread opens its own
// reader; patches without augmentation are hyperslab reads, samplers read only the maps they need.
#include "voxtrain/data/store/store_subject_source.hpp"

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"

namespace voxtrain {
namespace {

class StoreReader final : public SubjectReader {
 public:
  explicit StoreReader(const StoreSubjectSource& source, const std::string& path)
      : source_(source), store_(path) {}

  Subject read_subject(std::int64_t index) override { return store_.read_subject(source_.store_index(index)); }
  bool reads_patches() const override { return true; }

  AugmentedPatch read_patch(std::int64_t index, const PatchLocation& at) override {
    const std::int64_t s = source_.store_index(index);
    AugmentedPatch p;
    p.image = store_.read_image_patch(s, at);
    if (info(s).has_label) p.label = store_.read_label_patch(s, at);
    if (info(s).has_weight) p.weight = store_.read_weight_patch(s, at);
    return p;
  }

  SamplerInput read_sampler_input(SamplerKind kind, std::int64_t index) override {
    const std::int64_t s = source_.store_index(index);
    const StoredSubjectInfo& i = info(s);
    SamplerInput in;
    in.subject = index;
    in.subject_id = i.id;
    in.size_ijk = {i.image_shape[3], i.image_shape[2], i.image_shape[1]};
    if (kind == SamplerKind::Uniform) return in;
    if (kind == SamplerKind::Balanced && !i.has_sampling_map && i.has_label) {
      // The label alone: one hyperslab of the whole grid.
      in.map = store_.read_label_patch(s, PatchLocation{s, {0, 0, 0}, in.size_ijk});
      return in;
    }
    return sampler_input(kind, read_subject(index), index);
  }

 private:
  const StoredSubjectInfo& info(std::int64_t s) {
    auto it = info_.find(s);
    if (it == info_.end()) it = info_.emplace(s, store_.subject_info(s)).first;
    return it->second;
  }

  const StoreSubjectSource& source_;
  PatchStoreReader store_;
  std::map<std::int64_t, StoredSubjectInfo> info_;
};

}  // namespace

StoreSubjectSource::StoreSubjectSource(std::string path, const std::vector<std::string>& subjects)
    : path_(std::move(path)) {
  const PatchStoreReader store(path_);
  fingerprint_ = store.fingerprint();
  if (subjects.empty()) {
    ids_ = store.subject_ids();
    for (std::int64_t n = 0; n < store.subject_count(); ++n) store_indices_.push_back(n);
  } else {
    for (const std::string& id : subjects) {
      store_indices_.push_back(store.subject_index(id));
      ids_.push_back(id);
    }
  }
}

const std::string& StoreSubjectSource::id(std::int64_t index) const {
  VOX_ASSERT(index >= 0 && index < size());
  return ids_[static_cast<std::size_t>(index)];
}

std::int64_t StoreSubjectSource::store_index(std::int64_t index) const {
  VOX_ASSERT(index >= 0 && index < size());
  return store_indices_[static_cast<std::size_t>(index)];
}

std::unique_ptr<SubjectReader> StoreSubjectSource::open_reader() const {
  return std::make_unique<StoreReader>(*this, path_);
}

std::string StoreSubjectSource::describe() const { return fmt::format("{} subjects from the store {}", ids_.size(), path_); }

}  // namespace voxtrain
