// prefetch_queue.hpp — a pool of worker threads producing items (batches) ahead of the trainer
// into a queue bounded in items and bytes; pop() returns them in index order, whoever made them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace voxtrain {

struct PrefetchSpec {
  int num_threads = 1;            // [SYSTEM] num_threads: workers wanted (see prefetch_worker_count)
  std::int64_t queue_length = 4;  // items queued or in production at most (not counting popped ones)
  std::size_t max_bytes = 0;      // byte budget of queued and in-production items; 0: none
  std::int64_t first_index = 0;   // the first index produced and popped (resuming)
  std::int64_t end_index = -1;    // one past the last index (a finite pass); -1: endless
};

// Workers a pool starts for num_threads: min(num_threads, queue_length, usable_cpu_count()),
// at least 1 — never more threads than CPUs in the affinity mask SLURM or mpirun granted.
// Throws Error when num_threads or queue_length is < 1.
int prefetch_worker_count(int num_threads, std::int64_t queue_length);

namespace detail {

// The type-erased engine behind PrefetchQueue<T>: items travel as shared_ptr<void> with their
// size in bytes.
class PrefetchCore {
 public:
  struct Produced {
    std::shared_ptr<void> item;
    std::size_t bytes = 0;
  };
  using Task = std::function<Produced(std::int64_t index)>;

  PrefetchCore(Task task, PrefetchSpec spec);
  PrefetchCore(const PrefetchCore&) = delete;
  PrefetchCore& operator=(const PrefetchCore&) = delete;
  ~PrefetchCore();

  std::shared_ptr<void> pop();
  void stop();
  bool finished() const;
  std::int64_t next_index() const;
  int workers() const { return static_cast<int>(threads_.size()); }

 private:
  enum class State { Empty, Producing, Ready, Failed };
  struct Slot {
    State state = State::Empty;
    std::shared_ptr<void> item;
    std::size_t bytes = 0;
    std::exception_ptr error;
  };

  void work();
  bool can_claim() const;  // with mutex_ held
  bool no_more_claims() const;
  Slot& slot(std::int64_t index) { return slots_[static_cast<std::size_t>(index % spec_.queue_length)]; }

  Task task_;
  PrefetchSpec spec_;
  mutable std::mutex mutex_;
  std::mutex join_mutex_;          // one stop() joins at a time
  std::condition_variable space_;  // workers wait here for room to claim an index
  std::condition_variable ready_;  // the consumer waits here for the next index
  std::vector<Slot> slots_;        // a ring: index n lives in slot n % queue_length
  std::int64_t next_claim_ = 0;
  std::int64_t next_pop_ = 0;
  std::int64_t in_flight_ = 0;
  std::size_t queued_bytes_ = 0;
  std::size_t largest_item_ = 0;   // the largest item seen: the estimate for one in production
  bool sized_ = false;             // an item has been produced (largest_item_ is known)
  bool failed_ = false;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace detail

// Workers call produce(index) for index = first_index, first_index + 1, ... (each once, in
// claim order, concurrently); pop() returns the item of index first_index, then the next, ...
// whichever worker finished first. At most queue_length indices are claimed and not yet popped,
// and a worker claims another only while queued bytes + (in production + 1) x the largest item
// seen so far fit max_bytes (until the first item is made, one at a time); an item larger than
// the budget still passes, alone. An exception thrown by produce(n) is re-thrown, unchanged,
// by the pop() that would have returned item n (and every later pop). Destroying the queue
// stops it: blocked workers wake and exit, calls to produce already running are waited for.
template <class T>
class PrefetchQueue {
 public:
  using Producer = std::function<T(std::int64_t index)>;
  using SizeOf = std::function<std::size_t(const T&)>;  // bytes an item holds; empty: 0

  PrefetchQueue(Producer produce, PrefetchSpec spec, SizeOf size_of = {})
      : core_(std::make_unique<detail::PrefetchCore>(
            [produce = std::move(produce), size_of = std::move(size_of)](std::int64_t index) {
              auto item = std::make_shared<T>(produce(index));
              const std::size_t bytes = size_of ? size_of(*item) : 0;
              return detail::PrefetchCore::Produced{std::move(item), bytes};
            },
            spec)) {}

  // The next item in index order; blocks until it is made. Throws what its producer threw, or
  // Error after stop() or past end_index.
  T pop() {
    std::shared_ptr<void> held = core_->pop();
    return std::move(*static_cast<T*>(held.get()));
  }
  // Wakes and joins the workers (waiting for produce calls already running); idempotent. Never
  // call it (or destroy the queue) from inside produce.
  void stop() { core_->stop(); }
  // A finite queue whose every item has been popped.
  bool finished() const { return core_->finished(); }
  // The index the next pop() returns.
  std::int64_t next_index() const { return core_->next_index(); }
  int workers() const { return core_->workers(); }

 private:
  std::unique_ptr<detail::PrefetchCore> core_;
};

}  // namespace voxtrain
