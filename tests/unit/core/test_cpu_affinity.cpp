// test_cpu_affinity.cpp — usable_cpu_count against sched_getaffinity's own CPU_COUNT, and its
// answer following the mask when a thread narrows it with sched_setaffinity.
#include <catch2/catch.hpp>

#include <sched.h>

#include <thread>
#include <vector>

#include "voxtrain/core/cpu_affinity.hpp"
#include "voxtrain/data/sampling/prefetch_queue.hpp"

namespace {

cpu_set_t current_mask() {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
  return set;
}

}  // namespace

TEST_CASE("usable_cpu_count is the popcount of the affinity mask", "[core]") {
  cpu_set_t set = current_mask();
  CHECK(voxtrain::usable_cpu_count() == CPU_COUNT(&set));
  const std::vector<int> cpus = voxtrain::usable_cpus();
  CHECK(static_cast<int>(cpus.size()) == CPU_COUNT(&set));
  for (int cpu : cpus) CHECK(CPU_ISSET(cpu, &set));
}

TEST_CASE("usable_cpu_count follows a mask narrowed with sched_setaffinity", "[core]") {
  const std::vector<int> cpus = voxtrain::usable_cpus();
  REQUIRE(!cpus.empty());
  const int before = voxtrain::usable_cpu_count();
  // A thread of its own narrows its mask to the first one or two CPUs; the test's thread is
  // left alone.
  const int keep = cpus.size() >= 2 ? 2 : 1;
  int inside = -1, inside_one = -1, workers_one = -1;
  std::thread narrowed([&] {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c = 0; c < keep; ++c) CPU_SET(cpus[static_cast<std::size_t>(c)], &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) return;
    inside = voxtrain::usable_cpu_count();
    CPU_ZERO(&set);
    CPU_SET(cpus[0], &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) return;
    inside_one = voxtrain::usable_cpu_count();
    workers_one = voxtrain::prefetch_worker_count(8, 16);
  });
  narrowed.join();
  CHECK(inside == keep);
  CHECK(inside_one == 1);
  CHECK(workers_one == 1);  // a pool never outnumbers its CPUs
  CHECK(voxtrain::usable_cpu_count() == before);

  // The calling thread itself, restored afterwards.
  const cpu_set_t saved = current_mask();
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpus.back(), &one);
  REQUIRE(sched_setaffinity(0, sizeof(one), &one) == 0);
  const int narrowed_here = voxtrain::usable_cpu_count();
  REQUIRE(sched_setaffinity(0, sizeof(saved), &saved) == 0);
  CHECK(narrowed_here == 1);
  CHECK(voxtrain::usable_cpu_count() == before);
}
