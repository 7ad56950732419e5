// store_subject_source.hpp — training and inference subjects read from an HDF5 patch store:
// preprocessed once by `voxdata convert`, patches read as hyperslabs without the whole volume.
#pragma once

#include <string>
#include <vector>

#include "voxtrain/data/store/patch_store.hpp"
#include "voxtrain/data/subject_source.hpp"

namespace voxtrain {

class StoreSubjectSource final : public SubjectSource {
 public:
  // Opens the store (errors: missing, not a store, newer format). `subjects` picks subjects by
  // id, in that order (a missing id is an error naming the store); empty: every subject in it.
  explicit StoreSubjectSource(std::string path, const std::vector<std::string>& subjects = {});
  std::int64_t size() const override { return static_cast<std::int64_t>(ids_.size()); }
  const std::string& id(std::int64_t index) const override;
  std::unique_ptr<SubjectReader> open_reader() const override;
  std::string describe() const override;

  const PreprocessingFingerprint& fingerprint() const { return fingerprint_; }
  // The store's subject index of our subject `index`.
  std::int64_t store_index(std::int64_t index) const;

 private:
  std::string path_;
  std::vector<std::string> ids_;
  std::vector<std::int64_t> store_indices_;
  PreprocessingFingerprint fingerprint_;
};

}  // namespace voxtrain
