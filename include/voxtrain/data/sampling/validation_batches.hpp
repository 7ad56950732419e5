// validation_batches.hpp — the validation input pipeline of one rank: passes over its validation
// items (the same windows every pass, no augmentation), batches made ahead by prefetch workers.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "voxtrain/data/sampling/prefetch_queue.hpp"
#include "voxtrain/data/sampling/sample_stream.hpp"
#include "voxtrain/data/sampling/training_batches.hpp"
#include "voxtrain/data/subject_source.hpp"

namespace voxtrain {

struct ValidationBatchSpec {
  SamplerKind sampler = SamplerKind::Uniform;  // [NETWORK] window_sampling, as for training
  WindowSize window{64, 64, 64};               // spatial_window_size (i, j, k)
  ValidationSpec stream;                       // validation subjects, sample_per_volume, seed, ranks, rank, batch
  int num_threads = 2;                         // [SYSTEM] num_threads (capped by the CPU affinity mask)
  std::int64_t queue_length = 4;               // batches prefetched at most
  std::size_t max_queue_bytes = 0;             // byte budget of prefetched batches; 0: queue_length only
  std::size_t subject_cache_bytes = std::size_t{1} << 30;
  std::size_t sampler_cache_bytes = std::size_t{256} << 20;
};

// Makes the spec of ValidationBatches(source, training) for n_subjects validation subjects.
ValidationBatchSpec validation_spec_like(const TrainingBatchSpec& training, std::int64_t n_subjects);

// A pass is ValidationStream's batches 0 .. steps() - 1 (the last may be short). Each item's
// window comes from its key, so every pass holds the same patches, whoever makes them. The
// workers run ahead endlessly, around the pass as a ring, so the first batches of the next pass
// (or round) are ready when asked for; at most queue_length batches wait in memory.
class ValidationBatches {
 public:
  // source: the validation subjects (its size must be stream.n_subjects). Throws Error for
  // settings the stream or the sampler reject.
  ValidationBatches(std::shared_ptr<const SubjectSource> source, ValidationBatchSpec spec);
  // The validation batches that go with these training batches: the same sampler, window,
  // sample_per_volume, seed, ranks, rank, batch size, threads, queue and caches, over all of
  // source's subjects; the training spec's augmentation and start position do not apply.
  ValidationBatches(std::shared_ptr<const SubjectSource> source, const TrainingBatchSpec& training);
  ~ValidationBatches();
  ValidationBatches(const ValidationBatches&) = delete;
  ValidationBatches& operator=(const ValidationBatches&) = delete;

  // The next batch of this pass, or nothing once the pass is over (until restart()). Rethrows a
  // worker's Error.
  std::optional<PatchBatch> next();
  // The next pass starts at its first batch. At the end of a pass this costs nothing (the
  // workers are already on it); in the middle it waits for the batches already prefetched (at
  // most queue_length) and drops them.
  void restart();
  // The next batch, wrapping from the last batch of the pass to the first: the stream NiftyNet's
  // validation rounds draw validation_max_iter batches from, each round continuing where the
  // last stopped. Throws Error when this rank has no validation items.
  PatchBatch next_cycling();

  std::int64_t steps() const { return steps_; }        // batches in a pass (0: no items on this rank)
  std::int64_t position() const { return position_; }  // batches of the current pass taken
  int workers() const;

 private:
  ValidationBatchSpec spec_;
  ValidationStream stream_;
  std::int64_t steps_ = 0;
  std::shared_ptr<BatchMaker> maker_;
  std::unique_ptr<PrefetchQueue<PatchBatch>> queue_;  // none when steps_ == 0
  std::atomic<std::int64_t> base_{0};  // the queue index that makes a pass's batch 0 (mod steps_)
  std::int64_t position_ = 0;
};

}  // namespace voxtrain
