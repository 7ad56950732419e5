// test_host_memory.cpp — the host allocator: alignment, reuse of released large blocks (so a
// training loop stops faulting pages in), small blocks never cached, and trimming.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>

#include "voxtrain/core/tensor/host_memory.hpp"

using voxtrain::HostBlock;

TEST_CASE("large blocks are 2 MiB aligned and reused after release", "[core]") {
  voxtrain::host_memory_trim();
  const std::size_t bytes = (std::size_t{5} << 20) + 123;
  const HostBlock first = voxtrain::host_allocate(bytes);
  CHECK(first.size >= bytes);
  CHECK(reinterpret_cast<std::uintptr_t>(first.data) % (std::uintptr_t{2} << 20) == 0);
  std::memset(first.data, 7, bytes);  // the whole block is usable
  voxtrain::host_release(first);
  const auto before = voxtrain::host_memory_stats();
  CHECK(before.cached_bytes == static_cast<std::int64_t>(first.size));

  const HostBlock again = voxtrain::host_allocate(bytes - 1000);  // a slightly smaller request fits
  CHECK(again.data == first.data);
  CHECK(voxtrain::host_memory_stats().reused == before.reused + 1);
  CHECK(voxtrain::host_memory_stats().cached_bytes == 0);
  voxtrain::host_release(again);

  const HostBlock much_smaller = voxtrain::host_allocate(std::size_t{2} << 20);  // would waste over a quarter
  CHECK(much_smaller.data != first.data);
  voxtrain::host_release(much_smaller);
  voxtrain::host_memory_trim();
  CHECK(voxtrain::host_memory_stats().cached_bytes == 0);
}

TEST_CASE("small blocks are 64-byte aligned and not cached", "[core]") {
  voxtrain::host_memory_trim();
  const HostBlock small = voxtrain::host_allocate(1000);
  CHECK(reinterpret_cast<std::uintptr_t>(small.data) % 64 == 0);
  voxtrain::host_release(small);
  CHECK(voxtrain::host_memory_stats().cached_bytes == 0);
}
