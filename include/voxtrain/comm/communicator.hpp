// communicator.hpp — the seam distribution plugs into: this rank, the number of ranks, and the few
// collectives training needs (gradient sums, gathers to rank 0, broadcasts, barriers).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace voxtrain {

// Every method except rank() and size() is collective: each rank calls it, in the same order and
// with the same lengths, or the run hangs (MPI and NCCL cannot tell a late rank from a missing one).
// MpiCommunicator and NcclCommunicator (the distribution issue) implement it; the collectors and
// the handlers see only this interface.
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Sums values over the ranks in place, started now (non-blocking); wait(handle) completes it.
  // values must stay alive and untouched until then. Single process: nothing to do.
  virtual std::uint64_t all_reduce_sum_start(std::span<float> values) = 0;
  virtual void wait(std::uint64_t handle) = 0;
  // Every rank's values (the same length on each) on rank 0, in rank order; other ranks get {}.
  virtual std::vector<std::vector<double>> gather_to_root(std::span<const double> values) = 0;
  virtual void barrier() = 0;
  // Root's values to every rank (e.g. a should_stop decision), in place.
  virtual void broadcast(std::span<double> values, int root) = 0;
};

// Rank 0 of 1: sums and broadcasts leave values as they are, the gather returns the own values.
// Handles are checked: waiting on one never started, or twice, is an InternalError.
class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::uint64_t all_reduce_sum_start(std::span<float> values) override;
  void wait(std::uint64_t handle) override;
  std::vector<std::vector<double>> gather_to_root(std::span<const double> values) override;
  void barrier() override {}
  void broadcast(std::span<double> values, int root) override;

  // Sums started and not yet waited for (tests check that none are left).
  std::size_t pending() const { return pending_.size(); }

 private:
  std::uint64_t next_handle_ = 1;
  std::vector<std::uint64_t> pending_;
};

}  // namespace voxtrain
