// memory_subject_source.cpp — the in-memory source's reader: a copy of the subject, counted.
#include "support/doubles/memory_subject_source.hpp"

namespace voxtrain::testing {

class MemorySubjectSource::Reader final : public SubjectReader {
 public:
  explicit Reader(const MemorySubjectSource& source) : source_(source) {}
  Subject read_subject(std::int64_t index) override {
    ++source_.reads_;
    return source_.subjects_.at(static_cast<std::size_t>(index));
  }

 private:
  const MemorySubjectSource& source_;
};

const std::string& MemorySubjectSource::id(std::int64_t index) const {
  return subjects_.at(static_cast<std::size_t>(index)).id;
}

std::unique_ptr<SubjectReader> MemorySubjectSource::open_reader() const { return std::make_unique<Reader>(*this); }

}  // namespace voxtrain::testing
