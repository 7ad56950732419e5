// host_memory.hpp — where host tensors get their memory: aligned blocks, large ones on 2 MiB
// pages and kept for reuse, so that a training loop stops asking the kernel for pages after its first step.
#pragma once

#include <cstddef>
#include <cstdint>

namespace voxtrain {

struct HostBlock {
  void* data = nullptr;
  std::size_t size = 0;  // the block's real size, at least what was asked for
};

// A block of at least `bytes`, 64-byte aligned (2 MiB aligned from 2 MiB up); a cached block up
// to a quarter larger may serve the request. Throws Error when the machine has no memory left.
HostBlock host_allocate(std::size_t bytes);
// Gives a block back: large blocks stay cached for later requests while the cache holds less
// than its limit (VOXTRAIN_HOST_CACHE_MIB, default a quarter of the machine's memory).
void host_release(const HostBlock& block);

struct HostMemoryStats {
  std::int64_t cached_bytes = 0;  // free blocks kept for reuse
  std::int64_t reused = 0;        // requests served from the cache
  std::int64_t fresh = 0;         // large blocks obtained from the system
};
HostMemoryStats host_memory_stats();
// Returns every cached block to the system.
void host_memory_trim();

}  // namespace voxtrain
