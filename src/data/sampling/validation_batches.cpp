// validation_batches.cpp — one rank's validation batches: an endless prefetch queue whose index n
// makes batch (n - base) mod steps of the pass; restart moves the base past what was prefetched.
#include "voxtrain/data/sampling/validation_batches.hpp"

#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

// What BatchMaker needs to make validation batches: the sampler and window, no augmentation.
TrainingBatchSpec maker_spec(const ValidationBatchSpec& v) {
  TrainingBatchSpec t;
  t.sampler = v.sampler;
  t.window = v.window;
  t.subject_cache_bytes = v.subject_cache_bytes;
  t.sampler_cache_bytes = v.sampler_cache_bytes;
  return t;  // augmentation: all off
}

}  // namespace

ValidationBatchSpec validation_spec_like(const TrainingBatchSpec& training, std::int64_t n_subjects) {
  ValidationBatchSpec v;
  v.sampler = training.sampler;
  v.window = training.window;
  v.stream.n_subjects = n_subjects;
  v.stream.sample_per_volume = training.stream.sample_per_volume;
  v.stream.seed = training.stream.seed;
  v.stream.ranks = training.stream.ranks;
  v.stream.rank = training.stream.rank;
  v.stream.batch_size = training.stream.batch_size;
  v.num_threads = training.num_threads;
  v.queue_length = training.queue_length;
  v.max_queue_bytes = training.max_queue_bytes;
  v.subject_cache_bytes = training.subject_cache_bytes;
  v.sampler_cache_bytes = training.sampler_cache_bytes;
  return v;
}

ValidationBatches::ValidationBatches(std::shared_ptr<const SubjectSource> source, const TrainingBatchSpec& training)
    : ValidationBatches(source, validation_spec_like(training, source->size())) {}

ValidationBatches::ValidationBatches(std::shared_ptr<const SubjectSource> source, ValidationBatchSpec spec)
    : spec_(spec), stream_(spec.stream), steps_(stream_.steps()) {
  if (spec_.stream.n_subjects != source->size())
    throw error("the validation stream covers {} subjects but the validation data has {}: check the "
                "Validation rows of the split file",
                spec_.stream.n_subjects, source->size());
  (void)prefetch_worker_count(spec_.num_threads, spec_.queue_length);  // the same errors on every rank
  maker_ = std::make_shared<BatchMaker>(std::move(source), maker_spec(spec_));
  if (steps_ == 0) return;  // more ranks than validation subjects: nothing on this one
  PrefetchSpec prefetch;
  prefetch.num_threads = spec_.num_threads;
  prefetch.queue_length = spec_.queue_length;
  prefetch.max_bytes = spec_.max_queue_bytes;
  queue_ = std::make_unique<PrefetchQueue<PatchBatch>>(
      [maker = maker_, this](std::int64_t index) {
        const std::int64_t step = ((index - base_.load()) % steps_ + steps_) % steps_;
        return maker->make(stream_.batch(step));
      },
      prefetch, [](const PatchBatch& b) { return b.bytes(); });
}

ValidationBatches::~ValidationBatches() {
  if (queue_) queue_->stop();
}

std::optional<PatchBatch> ValidationBatches::next() {
  if (position_ >= steps_) return std::nullopt;
  PatchBatch b = queue_->pop();
  ++position_;
  return b;
}

PatchBatch ValidationBatches::next_cycling() {
  if (steps_ == 0)
    throw error("validation on rank {}: no validation subjects fall to this rank ({} subjects over {} ranks): "
                "put at least {} subjects in the Validation rows of the split file, or run fewer ranks",
                spec_.stream.rank, spec_.stream.n_subjects, spec_.stream.ranks, spec_.stream.ranks);
  if (position_ == steps_) position_ = 0;  // the queue is already on the next pass
  return *next();
}

void ValidationBatches::restart() {
  if (position_ == 0 || position_ == steps_) {  // the queue's next batch is a pass's first
    position_ = 0;
    return;
  }
  // Indices already claimed are below next_index + queue_length (the queue's bound): make the
  // first one above them batch 0, and drop those below.
  const std::int64_t next = queue_->next_index();
  base_.store(next + spec_.queue_length);
  for (std::int64_t k = 0; k < spec_.queue_length; ++k) (void)queue_->pop();
  position_ = 0;
}

int ValidationBatches::workers() const { return queue_ ? queue_->workers() : 0; }

}  // namespace voxtrain
