// training_batches.cpp — one rank's training batches: sampler indexes and subjects cached by
// bytes, one reader per worker thread, patches read (or augmented) into batches in stream order.
#include "voxtrain/data/sampling/training_batches.hpp"

#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/lru_cache.hpp"

namespace voxtrain {

std::size_t PatchBatch::bytes() const {
  std::size_t n = 0;
  for (const Tensor* t : {&image, &label, &weight})
    if (t->defined()) n += t->nbytes();
  return n;
}

struct BatchMaker::State {
  std::shared_ptr<const SubjectSource> source;
  TrainingBatchSpec spec;
  LruCache<std::int64_t, Subject> subjects;
  LruCache<std::int64_t, SamplerIndex> samplers;
  std::mutex readers_mutex;
  std::map<std::thread::id, std::unique_ptr<SubjectReader>> readers;

  State(std::shared_ptr<const SubjectSource> s, const TrainingBatchSpec& sp)
      : source(std::move(s)),
        spec(sp),
        subjects(sp.subject_cache_bytes,
                 [](const Subject& x) {
                   std::size_t n = 0;
                   for (const Tensor* t : {&x.image, &x.label, &x.weight, &x.sampling_map})
                     if (t->defined()) n += t->nbytes();
                   return n;
                 }),
        samplers(sp.sampler_cache_bytes, [](const SamplerIndex& i) { return i.bytes(); }) {}

  // This thread's reader (HDF5 handles are per thread).
  SubjectReader& reader() {
    std::lock_guard lock(readers_mutex);
    auto& r = readers[std::this_thread::get_id()];
    if (!r) r = source->open_reader();
    return *r;
  }

  std::shared_ptr<const Subject> subject(std::int64_t index) {
    return subjects.get(index, [&] { return reader().read_subject(index); });
  }

  std::shared_ptr<const SamplerIndex> sampler(std::int64_t index) {
    return samplers.get(index, [&]() -> SamplerIndex {
      if (reader().reads_patches()) return SamplerIndex(spec.sampler, reader().read_sampler_input(spec.sampler, index), spec.window);
      return SamplerIndex(spec.sampler, sampler_input(spec.sampler, *subject(index), index), spec.window);
    });
  }

  AugmentedPatch patch(const StreamItem& item, const PatchLocation& at) {
    if (spec.augmentation.any())
      return augment_patch(*subject(item.subject), at, spec.augmentation, item.key_for("augmentation"));
    if (reader().reads_patches()) return reader().read_patch(item.subject, at);
    return crop_subject_patch(*subject(item.subject), at);
  }
};

namespace {

// Copies patch n into batch tensor [B, ...] (allocated on the first patch).
void put(Tensor& batch, const Tensor& patch, std::int64_t n, std::int64_t batch_size) {
  if (!patch.defined()) return;
  const auto& s = patch.shape();
  if (!batch.defined()) batch = Tensor::empty({batch_size, s[0], s[1], s[2], s[3]}, patch.dtype());
  VOX_ASSERT(batch.shape()[1] == s[0] && batch.shape()[2] == s[1] && batch.dtype() == patch.dtype());
  std::memcpy(static_cast<char*>(batch.raw_data()) + static_cast<std::size_t>(n) * patch.nbytes(), patch.raw_data(),
              patch.nbytes());
}

}  // namespace

BatchMaker::BatchMaker(std::shared_ptr<const SubjectSource> source, const TrainingBatchSpec& spec)
    : state_(std::make_unique<State>(std::move(source), spec)) {}

BatchMaker::~BatchMaker() = default;

PatchBatch BatchMaker::make(const std::vector<StreamItem>& items) const {
  PatchBatch batch;
  const auto n = static_cast<std::int64_t>(items.size());
  for (std::int64_t b = 0; b < n; ++b) {
    const StreamItem& item = items[static_cast<std::size_t>(b)];
    const PatchLocation at = state_->sampler(item.subject)->draw(item.key_for("location"));
    const AugmentedPatch p = state_->patch(item, at);
    put(batch.image, p.image, b, n);
    put(batch.label, p.label, b, n);
    put(batch.weight, p.weight, b, n);
    batch.items.push_back(item);
    batch.locations.push_back(at);
  }
  return batch;
}

std::size_t BatchMaker::subjects_read() const { return state_->subjects.misses(); }

TrainingBatches::TrainingBatches(std::shared_ptr<const SubjectSource> source, TrainingBatchSpec spec)
    : spec_(spec), stream_(spec.stream) {
  if (spec.stream.n_subjects != source->size())
    throw error("the training stream covers {} subjects but the data has {}", spec.stream.n_subjects, source->size());
  check_augmentation_settings(spec.augmentation, "[TRAINING]");
  maker_ = std::make_shared<BatchMaker>(std::move(source), spec_);
  PrefetchSpec prefetch;
  prefetch.num_threads = spec_.num_threads;
  prefetch.queue_length = spec_.queue_length;
  prefetch.max_bytes = spec_.max_queue_bytes;
  queue_ = std::make_unique<PrefetchQueue<PatchBatch>>(
      [maker = maker_, this](std::int64_t step) { return maker->make(stream_.batch(step)); }, prefetch,
      [](const PatchBatch& b) { return b.bytes(); });
}

TrainingBatches::~TrainingBatches() {
  if (queue_) queue_->stop();
}

PatchBatch TrainingBatches::next() {
  PatchBatch b = queue_->pop();
  ++steps_taken_;
  return b;
}

std::int64_t TrainingBatches::resume_position() const {
  return spec_.stream.start_position + steps_taken_ * stream_.items_per_step();
}

int TrainingBatches::workers() const { return queue_->workers(); }

}  // namespace voxtrain
