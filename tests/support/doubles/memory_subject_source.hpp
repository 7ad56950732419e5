// memory_subject_source.hpp — a SubjectSource over subjects held in memory, for tests of the
// training pipeline (unit and MPI); it counts the reads, to show the subject cache at work.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "voxtrain/data/subject_source.hpp"

namespace voxtrain::testing {

class MemorySubjectSource final : public SubjectSource {
 public:
  explicit MemorySubjectSource(std::vector<Subject> subjects) : subjects_(std::move(subjects)) {}
  std::int64_t size() const override { return static_cast<std::int64_t>(subjects_.size()); }
  const std::string& id(std::int64_t index) const override;
  std::string describe() const override { return "memory"; }
  std::unique_ptr<SubjectReader> open_reader() const override;

  // Subjects read so far, by every reader.
  int reads() const { return reads_.load(); }

 private:
  class Reader;
  std::vector<Subject> subjects_;
  mutable std::atomic<int> reads_{0};
};

}  // namespace voxtrain::testing
