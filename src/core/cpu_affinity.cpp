// cpu_affinity.cpp — reads the calling thread's affinity mask with sched_getaffinity, growing
// the CPU set until it is large enough for the machine.
#include "voxtrain/core/cpu_affinity.hpp"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <thread>

namespace voxtrain {
namespace {

// The mask as a list of CPU ids, or nothing when it cannot be read. The set starts at 1024
// CPUs and doubles while the kernel answers EINVAL (a mask larger than the set).
std::vector<int> read_affinity() {
  for (int capacity = 1024; capacity <= (1 << 20); capacity *= 2) {
    cpu_set_t* set = CPU_ALLOC(capacity);
    if (set == nullptr) return {};
    const std::size_t bytes = CPU_ALLOC_SIZE(capacity);
    CPU_ZERO_S(bytes, set);
    if (sched_getaffinity(0, bytes, set) == 0) {
      std::vector<int> cpus;
      for (int cpu = 0; cpu < capacity; ++cpu)
        if (CPU_ISSET_S(cpu, bytes, set)) cpus.push_back(cpu);
      CPU_FREE(set);
      return cpus;
    }
    const int failure = errno;
    CPU_FREE(set);
    if (failure != EINVAL) return {};
  }
  return {};
}

}  // namespace

std::vector<int> usable_cpus() { return read_affinity(); }

int usable_cpu_count() {
  const std::vector<int> cpus = read_affinity();
  if (!cpus.empty()) return static_cast<int>(cpus.size());
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace voxtrain
