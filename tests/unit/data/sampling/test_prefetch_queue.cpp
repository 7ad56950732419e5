// test_prefetch_queue.cpp — the prefetch queue: pops in index order whatever the thread count and
// delays, item and byte bounds (high-water marks kept by the items), errors, prompt shutdown.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "voxtrain/core/cpu_affinity.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/sampling/prefetch_queue.hpp"

using voxtrain::PrefetchQueue;
using voxtrain::PrefetchSpec;
using Catch::Matchers::Contains;

namespace {

// Counts the items alive (made and not yet destroyed) and the most ever alive at once.
struct Census {
  std::atomic<int> alive{0};
  std::atomic<int> most{0};
};

struct Token {
  explicit Token(Census& c) : census(c) {
    const int now = ++census.alive;
    int seen = census.most.load();
    while (now > seen && !census.most.compare_exchange_weak(seen, now)) {}
  }
  ~Token() { --census.alive; }
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;
  Census& census;
};

// A move-only item: moving hands the token over, so a moved-from item counts for nothing.
struct Item {
  std::int64_t index = -1;
  std::unique_ptr<Token> token;
};

void sleep_us(std::int64_t us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); }

// A delay in [0, max_us) keyed by the index: varied, and the same every run.
std::int64_t delay_of(std::int64_t index, std::int64_t max_us) {
  return static_cast<std::int64_t>(voxtrain::uniform01(voxtrain::random_key({31, static_cast<std::uint64_t>(index)}), 0) *
                                   static_cast<double>(max_us));
}

}  // namespace

TEST_CASE("prefetch: pops come in index order for 1 to 4 threads and random delays", "[data]") {
  for (int threads = 1; threads <= 4; ++threads) {
    INFO(threads << " threads");
    PrefetchQueue<std::int64_t> q(
        [](std::int64_t i) {
          sleep_us(delay_of(i, 2000));
          return i * 10;
        },
        {.num_threads = threads, .queue_length = 5, .max_bytes = 0, .first_index = 0, .end_index = -1});
    CHECK(q.workers() == std::min(threads, voxtrain::usable_cpu_count()));
    for (std::int64_t i = 0; i < 40; ++i) {
      CHECK(q.next_index() == i);
      CHECK(q.pop() == i * 10);
    }
  }
}

TEST_CASE("prefetch: a finite range from a resume index ends with finished()", "[data]") {
  PrefetchQueue<std::int64_t> q([](std::int64_t i) { return i; },
                                {.num_threads = 3, .queue_length = 4, .max_bytes = 0, .first_index = 10,
                                 .end_index = 17});
  std::vector<std::int64_t> got;
  while (!q.finished()) got.push_back(q.pop());
  CHECK(got == std::vector<std::int64_t>{10, 11, 12, 13, 14, 15, 16});
  CHECK_THROWS_WITH(q.pop(), Contains("finished()"));
}

TEST_CASE("prefetch: never more than queue_length items made and not popped", "[data]") {
  Census census;
  const std::int64_t length = 3;
  PrefetchQueue<Item> q(
      [&](std::int64_t i) {
        Item it{i, std::make_unique<Token>(census)};
        sleep_us(delay_of(i, 500));
        return it;
      },
      {.num_threads = 4, .queue_length = length, .max_bytes = 0, .first_index = 0, .end_index = -1});
  for (std::int64_t i = 0; i < 30; ++i) {
    sleep_us(1000);  // a slow consumer: the queue fills up
    const Item it = q.pop();
    CHECK(it.index == i);
  }
  // queue_length in the queue or in production, plus the one the consumer holds.
  CHECK(census.most.load() <= length + 1);
  CHECK(census.most.load() >= length);  // it did fill up: the bound was tested
}

TEST_CASE("prefetch: queued bytes stay within the budget; a lone item over it still passes", "[data]") {
  Census census;
  const std::size_t item_bytes = 1000;
  auto make = [&](std::int64_t i) {
    Item it{i, std::make_unique<Token>(census)};
    sleep_us(delay_of(i, 500));
    return it;
  };
  auto size_of = [&](const Item&) { return item_bytes; };
  {
    PrefetchQueue<Item> q(make, {.num_threads = 4, .queue_length = 10, .max_bytes = 2500,
                                 .first_index = 0, .end_index = -1},
                          size_of);
    for (std::int64_t i = 0; i < 30; ++i) {
      sleep_us(1000);
      CHECK(q.pop().index == i);
    }
  }
  // 2500 bytes hold two items of 1000; plus the one the consumer holds.
  CHECK(census.most.load() * item_bytes <= 2500 + item_bytes);
  CHECK(census.most.load() >= 2);

  Census big;
  PrefetchQueue<Item> q(
      [&](std::int64_t i) { return Item{i, std::make_unique<Token>(big)}; },
      {.num_threads = 4, .queue_length = 10, .max_bytes = 100, .first_index = 0, .end_index = -1},
      size_of);
  for (std::int64_t i = 0; i < 20; ++i) CHECK(q.pop().index == i);
  CHECK(big.most.load() <= 2);  // one queued at a time, plus the consumer's
}

TEST_CASE("prefetch: a producer's exception is re-thrown by the pop of its index, message intact", "[data]") {
  const std::string message = "subject 'sub-005': cannot read /data/sub-005_t1.nii.gz; check the file";
  PrefetchQueue<std::int64_t> q(
      [&](std::int64_t i) -> std::int64_t {
        sleep_us(delay_of(i, 300));
        if (i == 5) throw voxtrain::Error(message);
        return i;
      },
      {.num_threads = 3, .queue_length = 4, .max_bytes = 0, .first_index = 0, .end_index = -1});
  for (std::int64_t i = 0; i < 5; ++i) CHECK(q.pop() == i);  // items before it arrive first
  for (int again = 0; again < 2; ++again) {
    try {
      q.pop();
      FAIL("pop() did not throw");
    } catch (const voxtrain::Error& e) {
      CHECK(std::string(e.what()) == message);
    }
  }
  PrefetchQueue<int> other([](std::int64_t) -> int { throw std::out_of_range("index 0"); },
                           {.num_threads = 2, .queue_length = 2, .max_bytes = 0, .first_index = 0,
                            .end_index = -1});
  CHECK_THROWS_AS(other.pop(), std::out_of_range);
}

TEST_CASE("prefetch: destroying a queue with blocked workers or slow producers returns", "[data]") {
  std::atomic<int> made{0};
  {  // never popped: every worker blocks on a full queue
    PrefetchQueue<std::int64_t> q([&](std::int64_t i) { ++made; return i; },
                                  {.num_threads = 4, .queue_length = 2, .max_bytes = 0,
                                   .first_index = 0, .end_index = -1});
    while (made.load() < 2) sleep_us(100);
  }
  CHECK(made.load() == 2);
  {  // popped a little, producers still sleeping when it goes
    PrefetchQueue<std::int64_t> q([](std::int64_t i) { sleep_us(20000); return i; },
                                  {.num_threads = 2, .queue_length = 8, .max_bytes = 0,
                                   .first_index = 0, .end_index = -1});
    CHECK(q.pop() == 0);
  }
  {  // stop() while the consumer waits in pop(): it wakes with an error
    PrefetchQueue<std::int64_t> q([](std::int64_t i) { sleep_us(30000); return i; },
                                  {.num_threads = 1, .queue_length = 2, .max_bytes = 0,
                                   .first_index = 0, .end_index = -1});
    std::thread stopper([&] { sleep_us(5000); q.stop(); });
    std::string what;
    try {
      while (true) q.pop();
    } catch (const voxtrain::Error& e) {
      what = e.what();
    }
    stopper.join();
    CHECK_THAT(what, Contains("stop()"));
    q.stop();  // idempotent
  }
}

TEST_CASE("prefetch: worker count is capped by the CPUs and the queue length", "[data]") {
  CHECK(voxtrain::prefetch_worker_count(1000, 1000) == voxtrain::usable_cpu_count());
  CHECK(voxtrain::prefetch_worker_count(1000, 1) == 1);
  CHECK(voxtrain::prefetch_worker_count(1, 8) == 1);
  CHECK_THROWS_WITH(voxtrain::prefetch_worker_count(0, 8), Contains("num_threads = 0"));
  CHECK_THROWS_WITH(voxtrain::prefetch_worker_count(2, 0), Contains("queue_length = 0"));
}
