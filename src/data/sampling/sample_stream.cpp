// sample_stream.cpp — epoch orders keyed by (seed, epoch), global positions cut into per-rank
// batches, item keys, and the whole-subject shards of inference and validation.
#include "voxtrain/data/sampling/sample_stream.hpp"

#include <algorithm>
#include <utility>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"

namespace voxtrain {
namespace {

constexpr std::size_t kCachedEpochs = 3;  // a step straddles at most two epochs; one spare

std::uint64_t u64(std::int64_t v) { return static_cast<std::uint64_t>(v); }

void check_counts(std::string_view stream, std::int64_t n_subjects, std::int64_t sample_per_volume,
                  int ranks, int rank, std::int64_t batch_size) {
  if (n_subjects < 1)
    throw error("{} stream: there are no subjects ({}); check the data split file", stream, n_subjects);
  if (sample_per_volume < 1)
    throw error("{} stream: [TRAINING] sample_per_volume = {} must be at least 1", stream,
                sample_per_volume);
  if (batch_size < 1)
    throw error("{} stream: [NETWORK] batch_size = {} must be at least 1", stream, batch_size);
  if (ranks < 1 || rank < 0 || rank >= ranks)
    throw error("{} stream: rank {} of {} ranks is not a valid rank; check the launcher (mpirun, srun)",
                stream, rank, ranks);
}

}  // namespace

std::uint64_t StreamItem::key_for(std::string_view purpose) const {
  return random_key({key, hash_name(purpose)});
}

std::vector<std::int64_t> epoch_subject_order(std::int64_t n_subjects, std::uint64_t seed,
                                              std::int64_t epoch) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(std::max<std::int64_t>(n_subjects, 0)));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  const std::uint64_t key = random_key({seed, hash_name("epoch subject order"), u64(epoch)});
  for (std::size_t i = order.size(); i > 1; --i) {
    const double u = uniform01(key, i - 1);
    const auto j = std::min(static_cast<std::size_t>(u * static_cast<double>(i)), i - 1);
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

std::uint64_t training_item_key(std::uint64_t seed, std::int64_t epoch, std::int64_t subject,
                                std::int64_t slot) {
  return random_key({seed, hash_name("training item"), u64(epoch), u64(subject), u64(slot)});
}

SampleStream::SampleStream(StreamSpec spec) : spec_(spec) {
  check_counts("training", spec_.n_subjects, spec_.sample_per_volume, spec_.ranks, spec_.rank,
               spec_.batch_size);
  if (spec_.start_position < 0)
    throw error("training stream: start position {} is negative; the checkpoint's sample position "
                "is corrupt",
                spec_.start_position);
}

std::shared_ptr<const std::vector<std::int64_t>> SampleStream::order(std::int64_t epoch) const {
  std::lock_guard lock(cache_->mutex);
  auto& orders = cache_->orders;
  if (auto it = orders.find(epoch); it != orders.end()) return it->second;
  auto made = std::make_shared<const std::vector<std::int64_t>>(
      epoch_subject_order(spec_.n_subjects, spec_.seed, epoch));
  orders.emplace(epoch, made);
  if (orders.size() > kCachedEpochs) orders.erase(orders.begin());  // the earliest epoch
  return made;
}

EpochIndex SampleStream::split(std::int64_t position) const {
  VOX_ASSERT(position >= 0);
  return {position / items_per_epoch(), position % items_per_epoch()};
}

std::int64_t SampleStream::position_of(EpochIndex at) const {
  VOX_ASSERT(at.epoch >= 0 && at.index >= 0 && at.index < items_per_epoch());
  return at.epoch * items_per_epoch() + at.index;
}

StreamItem SampleStream::item_at(std::int64_t position) const {
  const EpochIndex at = split(position);
  StreamItem item;
  item.epoch = at.epoch;
  item.subject = (*order(at.epoch))[static_cast<std::size_t>(at.index / spec_.sample_per_volume)];
  item.slot = at.index % spec_.sample_per_volume;
  item.position = position;
  item.key = training_item_key(spec_.seed, item.epoch, item.subject, item.slot);
  return item;
}

std::int64_t SampleStream::rank_position(std::int64_t k) const {
  VOX_ASSERT(k >= 0);
  const std::int64_t step = k / spec_.batch_size, within = k % spec_.batch_size;
  return spec_.start_position + step * items_per_step() + spec_.rank * spec_.batch_size + within;
}

StreamItem SampleStream::rank_item(std::int64_t k) const { return item_at(rank_position(k)); }

std::vector<StreamItem> SampleStream::batch(std::int64_t step) const {
  std::vector<StreamItem> items;
  items.reserve(static_cast<std::size_t>(spec_.batch_size));
  for (std::int64_t b = 0; b < spec_.batch_size; ++b)
    items.push_back(rank_item(step * spec_.batch_size + b));
  return items;
}

StreamItem SampleStream::next() { return rank_item(taken_++); }

std::vector<StreamItem> SampleStream::next_batch() {
  std::vector<StreamItem> items;
  items.reserve(static_cast<std::size_t>(spec_.batch_size));
  for (std::int64_t b = 0; b < spec_.batch_size; ++b) items.push_back(next());
  return items;
}

std::int64_t SampleStream::resume_position() const {
  return spec_.start_position + steps_taken() * items_per_step();
}

std::vector<std::int64_t> inference_subjects_for_rank(std::int64_t n_subjects, int ranks, int rank) {
  if (ranks < 1 || rank < 0 || rank >= ranks)
    throw error("inference subjects: rank {} of {} ranks is not a valid rank; check the launcher "
                "(mpirun, srun)",
                rank, ranks);
  const std::int64_t base = std::max<std::int64_t>(n_subjects, 0) / ranks;
  const std::int64_t extra = std::max<std::int64_t>(n_subjects, 0) % ranks;
  const std::int64_t begin = rank * base + std::min<std::int64_t>(rank, extra);
  const std::int64_t count = base + (rank < extra ? 1 : 0);
  std::vector<std::int64_t> subjects(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) subjects[static_cast<std::size_t>(i)] = begin + i;
  return subjects;
}

ValidationStream::ValidationStream(ValidationSpec spec)
    : spec_(spec),
      subjects_((check_counts("validation", spec.n_subjects, spec.sample_per_volume, spec.ranks,
                              spec.rank, spec.batch_size),
                 inference_subjects_for_rank(spec.n_subjects, spec.ranks, spec.rank))) {}

StreamItem ValidationStream::item(std::int64_t k) const {
  VOX_ASSERT(k >= 0 && k < size());
  StreamItem it;
  it.epoch = 0;
  it.subject = subjects_[static_cast<std::size_t>(k / spec_.sample_per_volume)];
  it.slot = k % spec_.sample_per_volume;
  it.position = it.subject * spec_.sample_per_volume + it.slot;
  it.key = random_key({spec_.seed, hash_name("validation item"), 0, u64(it.subject), u64(it.slot)});
  return it;
}

std::int64_t ValidationStream::steps() const {
  return (size() + spec_.batch_size - 1) / spec_.batch_size;
}

std::int64_t ValidationStream::max_steps() const {
  // Rank 0 holds the most subjects (ceil(n / ranks)).
  const std::int64_t most = (spec_.n_subjects + spec_.ranks - 1) / spec_.ranks * spec_.sample_per_volume;
  return (most + spec_.batch_size - 1) / spec_.batch_size;
}

std::vector<StreamItem> ValidationStream::batch(std::int64_t step) const {
  std::vector<StreamItem> items;
  const std::int64_t begin = step * spec_.batch_size;
  const std::int64_t end = std::min(begin + spec_.batch_size, size());
  for (std::int64_t k = begin; k < end; ++k) items.push_back(item(k));
  return items;
}

std::optional<StreamItem> ValidationStream::next() {
  if (taken_ >= size()) return std::nullopt;
  return item(taken_++);
}

}  // namespace voxtrain
