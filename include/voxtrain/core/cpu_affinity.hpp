// cpu_affinity.hpp — the CPUs this process may run on (its affinity mask, as SLURM, mpirun or
// taskset granted), so thread pools never start more threads than there are cores to run them.
#pragma once

#include <vector>

namespace voxtrain {

// The CPU ids in the calling thread's affinity mask (sched_getaffinity), ascending. Empty only
// when the mask cannot be read.
std::vector<int> usable_cpus();

// How many CPUs the calling thread may run on: the popcount of its affinity mask; when the mask
// cannot be read, std::thread::hardware_concurrency(); never less than 1. OMP_NUM_THREADS and
// cgroup CPU quotas are not consulted: the mask is what the launcher binds a rank to.
int usable_cpu_count();

}  // namespace voxtrain
