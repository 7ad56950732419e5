// host_memory.cpp — aligned allocation with a size-keyed cache of large blocks. Returning a large
// block to the system and faulting it in again costs more kernel time than the computation that
// fills it (measured: 40% of a U-Net step), so blocks of 1 MiB and more are kept for reuse.
#include "voxtrain/core/tensor/host_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kCacheFrom = std::size_t{1} << 20;

std::size_t round_up(std::size_t bytes, std::size_t alignment) { return (bytes + alignment - 1) / alignment * alignment; }

std::size_t block_size(std::size_t bytes) {
  const std::size_t at_least_one = bytes == 0 ? 1 : bytes;
  return round_up(at_least_one, at_least_one >= kHugePage ? kHugePage : kAlignment);
}

std::size_t default_cache_limit() {
  if (const char* mib = std::getenv("VOXTRAIN_HOST_CACHE_MIB"); mib && *mib) {
    char* end = nullptr;
    const long long value = std::strtoll(mib, &end, 10);
    if (*end != '\0' || value < 0)
      throw error("environment variable VOXTRAIN_HOST_CACHE_MIB='{}': use a size in MiB (0 turns the cache off)", mib);
    return static_cast<std::size_t>(value) << 20;
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) / 4
                               : std::size_t{1} << 30;
}

// The allocator's cache: process-wide, like the allocator it stands in front of.
struct Cache {
  std::mutex mutex;
  std::multimap<std::size_t, void*> free_blocks;  // by block size
  std::size_t limit = default_cache_limit();
  HostMemoryStats stats;
};

// Never destroyed: tensors released during static destruction still find it, and its blocks
// stay reachable (not leaks) until the process ends.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

void* fresh_block(std::size_t size) {
  const std::size_t alignment = size >= kHugePage ? kHugePage : kAlignment;
  void* data = std::aligned_alloc(alignment, size);
  if (data == nullptr)
    throw error("out of host memory: could not allocate {} MiB for a tensor; use smaller batches or windows, "
                "or fewer ranks per node",
                size >> 20);
  // Strided 3-D convolutions spend much time on TLB misses with 4 KiB pages. A hint: may fail.
  if (size >= kHugePage) madvise(data, size, MADV_HUGEPAGE);
  return data;
}

}  // namespace

HostBlock host_allocate(std::size_t bytes) {
  const std::size_t size = block_size(bytes);
  if (size < kCacheFrom) return {fresh_block(size), size};
  Cache& c = cache();
  {
    const std::lock_guard lock(c.mutex);
    // The smallest cached block that fits and wastes at most a quarter of itself.
    if (auto it = c.free_blocks.lower_bound(size); it != c.free_blocks.end() && it->first <= size + size / 4) {
      const HostBlock block{it->second, it->first};
      c.free_blocks.erase(it);
      c.stats.cached_bytes -= static_cast<std::int64_t>(block.size);
      ++c.stats.reused;
      return block;
    }
    ++c.stats.fresh;
  }
  return {fresh_block(size), size};
}

void host_release(const HostBlock& block) {
  if (block.data == nullptr) return;
  if (block.size >= kCacheFrom) {
    Cache& c = cache();
    const std::lock_guard lock(c.mutex);
    if (static_cast<std::size_t>(c.stats.cached_bytes) + block.size <= c.limit) {
      c.free_blocks.emplace(block.size, block.data);
      c.stats.cached_bytes += static_cast<std::int64_t>(block.size);
      return;
    }
  }
  std::free(block.data);
}

HostMemoryStats host_memory_stats() {
  Cache& c = cache();
  const std::lock_guard lock(c.mutex);
  return c.stats;
}

void host_memory_trim() {
  Cache& c = cache();
  const std::lock_guard lock(c.mutex);
  for (auto& [size, data] : c.free_blocks) std::free(data);
  c.free_blocks.clear();
  c.stats.cached_bytes = 0;
}

}  // namespace voxtrain
