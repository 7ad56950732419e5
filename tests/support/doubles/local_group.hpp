// local_group.hpp — a test double for a run of N ranks inside one process: one thread per rank,
// each with a Communicator whose collectives meet the other threads' (sums really are summed).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/comm/communicator.hpp"

namespace voxtrain::testing {

// Collectives check what MPI would not: every rank calls the same collective with the same length
// (a mismatch is an InternalError on every rank instead of a hang). A sum completes when the last
// rank starts it (rank order, float), so wait() only waits; handles are per rank.
class LocalGroup {
 public:
  explicit LocalGroup(int size);

  int size() const { return size_; }
  // Runs body(communicator of rank r) on one thread per rank and joins them. When a rank throws,
  // the ranks blocked in a collective are released (they throw too) and the first exception
  // thrown is rethrown here.
  void run(const std::function<void(Communicator&)>& body);

 private:
  friend class LocalGroupCommunicator;

  struct Sum {
    std::vector<std::span<float>> parts;
    std::vector<bool> present;
    int started = 0;
    int waited = 0;
    bool done = false;
  };
  struct Collective {
    std::string kind;  // "gather", "broadcast", "barrier"
    int root = 0;
    std::vector<std::vector<double>> parts;
    std::vector<bool> present;
    int arrived = 0;
    int left = 0;
  };

  std::uint64_t sum_start(int rank, std::span<float> values);
  void sum_wait(int rank, std::uint64_t handle);
  // Deposits this rank's part of collective number k and returns every rank's parts once all arrived.
  std::vector<std::vector<double>> meet(int rank, const std::string& kind, int root, std::vector<double> part);
  void fail(const std::string& message);  // with the lock held
  // Blocks until ready(); throws when a rank failed, or when a rank in present is missing but has
  // returned from its body (it will never call the collective: a hang under MPI).
  void wait_for(std::unique_lock<std::mutex>& lock, const std::function<bool()>& ready,
                const std::vector<bool>& present, std::string_view what);

  int size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::uint64_t, Sum> sums_;
  std::map<std::uint64_t, Collective> collectives_;
  std::vector<std::uint64_t> sums_started_;        // per rank
  std::vector<std::vector<std::uint64_t>> pending_;  // per rank: handles not yet waited for
  std::vector<std::uint64_t> collectives_started_;  // per rank
  std::vector<bool> finished_;                      // per rank: its body returned
  std::string failure_;                             // set once a rank failed: the others stop
};

}  // namespace voxtrain::testing
