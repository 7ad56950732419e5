// prefetch_queue.cpp — the worker loop (claim an index when the item and byte bounds allow,
// produce it unlocked, file it in its ring slot) and the in-order pop.
#include "voxtrain/data/sampling/prefetch_queue.hpp"

#include <algorithm>

#include "voxtrain/core/cpu_affinity.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {

int prefetch_worker_count(int num_threads, std::int64_t queue_length) {
  if (num_threads < 1)
    throw error("prefetch queue: [SYSTEM] num_threads = {} must be at least 1", num_threads);
  if (queue_length < 1)
    throw error("prefetch queue: [NETWORK] queue_length = {} must be at least 1", queue_length);
  const std::int64_t wanted = std::min<std::int64_t>(num_threads, queue_length);
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(wanted, usable_cpu_count())));
}

namespace detail {

PrefetchCore::PrefetchCore(Task task, PrefetchSpec spec) : task_(std::move(task)), spec_(spec) {
  const int workers = prefetch_worker_count(spec_.num_threads, spec_.queue_length);
  if (spec_.first_index < 0 || (spec_.end_index >= 0 && spec_.end_index < spec_.first_index))
    throw error("prefetch queue: index range [{}, {}) is invalid; the first index must be >= 0 "
                "and the end -1 (endless) or >= the first",
                spec_.first_index, spec_.end_index);
  slots_.resize(static_cast<std::size_t>(spec_.queue_length));
  next_claim_ = next_pop_ = spec_.first_index;
  threads_.reserve(static_cast<std::size_t>(workers));
  try {
    for (int w = 0; w < workers; ++w) threads_.emplace_back([this] { work(); });
  } catch (...) {
    stop();
    throw;
  }
}

PrefetchCore::~PrefetchCore() { stop(); }

bool PrefetchCore::no_more_claims() const {
  return failed_ || (spec_.end_index >= 0 && next_claim_ >= spec_.end_index);
}

bool PrefetchCore::can_claim() const {
  const std::int64_t outstanding = next_claim_ - next_pop_;  // queued or in production
  if (outstanding >= spec_.queue_length) return false;
  if (spec_.max_bytes == 0 || outstanding == 0) return true;  // the next item always passes
  if (!sized_) return false;  // one at a time until an item's size is known
  const std::size_t after = queued_bytes_ + static_cast<std::size_t>(in_flight_ + 1) * largest_item_;
  return after <= spec_.max_bytes;
}

void PrefetchCore::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    space_.wait(lock, [this] { return stopping_ || no_more_claims() || can_claim(); });
    if (stopping_ || no_more_claims()) return;
    const std::int64_t index = next_claim_++;
    slot(index).state = State::Producing;
    ++in_flight_;
    lock.unlock();
    Produced made;
    std::exception_ptr failure;
    try {
      made = task_(index);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    --in_flight_;
    Slot& s = slot(index);
    if (failure) {
      s.state = State::Failed;
      s.error = failure;
      failed_ = true;
    } else {
      s.state = State::Ready;
      s.item = std::move(made.item);
      s.bytes = made.bytes;
      queued_bytes_ += made.bytes;
      largest_item_ = std::max(largest_item_, made.bytes);
      sized_ = true;
    }
    ready_.notify_all();
    space_.notify_all();  // failed_ or a new size estimate may release other workers
  }
}

std::shared_ptr<void> PrefetchCore::pop() {
  std::unique_lock lock(mutex_);
  if (spec_.end_index >= 0 && next_pop_ >= spec_.end_index)
    throw error("prefetch queue: every item up to index {} has been popped; check finished() "
                "before pop()",
                spec_.end_index);
  ready_.wait(lock, [this] {
    const State st = slot(next_pop_).state;
    return stopping_ || st == State::Ready || st == State::Failed;
  });
  Slot& s = slot(next_pop_);
  if (s.state == State::Failed) std::rethrow_exception(s.error);
  if (s.state != State::Ready)
    throw error("prefetch queue: pop() after stop() (index {} was never made)", next_pop_);
  std::shared_ptr<void> item = std::move(s.item);
  queued_bytes_ -= s.bytes;
  s = Slot{};
  ++next_pop_;
  space_.notify_all();
  return item;
}

void PrefetchCore::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  space_.notify_all();
  ready_.notify_all();
  std::lock_guard join_lock(join_mutex_);
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

bool PrefetchCore::finished() const {
  std::lock_guard lock(mutex_);
  return spec_.end_index >= 0 && next_pop_ >= spec_.end_index;
}

std::int64_t PrefetchCore::next_index() const {
  std::lock_guard lock(mutex_);
  return next_pop_;
}

}  // namespace detail
}  // namespace voxtrain
