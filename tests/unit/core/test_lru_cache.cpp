// test_lru_cache.cpp — the byte-bounded cache: least recently used entries leave first, the budget
// holds, a value is built once per key under concurrent requests, a failed build is retried.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "voxtrain/core/lru_cache.hpp"

using Cache = voxtrain::LruCache<int, std::vector<char>>;

TEST_CASE("the LRU cache evicts the least recently used entry to stay within its byte budget", "[core]") {
  Cache cache(30, [](const std::vector<char>& v) { return v.size(); });
  int made = 0;
  auto make = [&](std::size_t n) {
    return [&made, n] {
      ++made;
      return std::vector<char>(n);
    };
  };
  cache.get(1, make(10));
  cache.get(2, make(10));
  cache.get(3, make(10));
  CHECK(cache.bytes() == 30);
  cache.get(1, make(10));  // a hit: 1 becomes the most recent, 2 the oldest
  CHECK(made == 3);
  cache.get(4, make(10));  // evicts 2
  CHECK(cache.bytes() == 30);
  cache.get(1, make(10));
  cache.get(3, make(10));
  CHECK(made == 4);
  cache.get(2, make(10));  // 2 was evicted: made again
  CHECK(made == 5);
  cache.get(9, make(100));  // larger than the budget: kept alone
  CHECK(cache.size() == 1);
  CHECK(cache.bytes() == 100);
  CHECK(cache.hits() == 3);
  CHECK(cache.misses() == 6);
}

TEST_CASE("the LRU cache builds a value once when threads ask for it together, and retries a failure", "[core]") {
  Cache cache(1 << 20, [](const std::vector<char>& v) { return v.size(); });
  std::atomic<int> made{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      auto v = cache.get(7, [&] {
        ++made;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return std::vector<char>(5, 'x');
      });
      CHECK(v->size() == 5);
    });
  for (auto& t : threads) t.join();
  CHECK(made == 1);
  CHECK_THROWS_AS(cache.get(8, []() -> std::vector<char> { throw std::runtime_error("read failed"); }),
                  std::runtime_error);
  CHECK(cache.get(8, [] { return std::vector<char>(3); })->size() == 3);
}
