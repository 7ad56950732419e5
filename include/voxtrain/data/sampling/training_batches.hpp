// training_batches.hpp — the training input pipeline of one rank: its share of the sample stream,
// a window per item from the sampler, augmentation, batches assembled by prefetch worker threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "voxtrain/data/augmentation/augmentation.hpp"
#include "voxtrain/data/sampling/prefetch_queue.hpp"
#include "voxtrain/data/sampling/sample_stream.hpp"
#include "voxtrain/data/sampling/sampler.hpp"
#include "voxtrain/data/subject_source.hpp"

namespace voxtrain {

// B patches of one rank's step, in stream order.
struct PatchBatch {
  Tensor image;   // [B, C, d, h, w] float32
  Tensor label;   // [B, 1, d, h, w] int32, undefined when the subjects have no label
  Tensor weight;  // [B, 1, d, h, w] float32, or undefined
  std::vector<StreamItem> items;
  std::vector<PatchLocation> locations;
  std::size_t bytes() const;
};

struct TrainingBatchSpec {
  SamplerKind sampler = SamplerKind::Uniform;  // [NETWORK] window_sampling
  WindowSize window{64, 64, 64};               // spatial_window_size (i, j, k)
  AugmentationSettings augmentation;           // [TRAINING] augmentation keys; all off by default
  StreamSpec stream;                           // subjects, sample_per_volume, seed, ranks, rank, batch
  int num_threads = 2;                         // [SYSTEM] num_threads (capped by the CPU affinity mask)
  std::int64_t queue_length = 4;               // batches prefetched at most
  std::size_t max_queue_bytes = 0;             // byte budget of prefetched batches; 0: queue_length only
  std::size_t subject_cache_bytes = std::size_t{1} << 30;  // whole subjects kept for reuse
  std::size_t sampler_cache_bytes = std::size_t{256} << 20;  // sampler indexes kept for reuse
};

// Makes batch `step` of a rank's stream (thread-safe; what the prefetch workers call). Patch
// positions and augmentation depend only on each item's key, so a batch is the same whoever
// makes it, on whatever rank count, at any thread count.
class BatchMaker {
 public:
  BatchMaker(std::shared_ptr<const SubjectSource> source, const TrainingBatchSpec& spec);
  ~BatchMaker();
  PatchBatch make(const std::vector<StreamItem>& items) const;
  // Cache statistics, for the log and tests.
  std::size_t subjects_read() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class TrainingBatches {
 public:
  // Throws Error for settings the stream, sampler or augmentation reject.
  TrainingBatches(std::shared_ptr<const SubjectSource> source, TrainingBatchSpec spec);
  ~TrainingBatches();
  // The next batch of this rank, in stream order (rethrows a worker's Error).
  PatchBatch next();
  // Steps handed out so far, and the global stream position a resumed run starts from.
  std::int64_t steps_taken() const { return steps_taken_; }
  std::int64_t resume_position() const;
  int workers() const;

 private:
  TrainingBatchSpec spec_;
  SampleStream stream_;
  std::shared_ptr<BatchMaker> maker_;
  std::unique_ptr<PrefetchQueue<PatchBatch>> queue_;
  std::int64_t steps_taken_ = 0;
};

}  // namespace voxtrain
