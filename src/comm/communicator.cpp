// communicator.cpp — the single-process communicator: every collective is the identity, and its
// handles are tracked so a reduction that waits on the wrong handle fails here, not under MPI.
#include "voxtrain/comm/communicator.hpp"

#include <algorithm>

#include "voxtrain/core/error.hpp"

namespace voxtrain {

std::uint64_t SingleProcessCommunicator::all_reduce_sum_start(std::span<float> values) {
  (void)values;  // the sum over one rank is the values themselves
  pending_.push_back(next_handle_);
  return next_handle_++;
}

void SingleProcessCommunicator::wait(std::uint64_t handle) {
  const auto it = std::find(pending_.begin(), pending_.end(), handle);
  if (it == pending_.end())
    throw InternalError(fmt::format("communicator: wait on handle {}, which was never started or was already "
                                    "waited for", handle));
  pending_.erase(it);
}

std::vector<std::vector<double>> SingleProcessCommunicator::gather_to_root(std::span<const double> values) {
  return {std::vector<double>(values.begin(), values.end())};
}

void SingleProcessCommunicator::broadcast(std::span<double> values, int root) {
  (void)values;
  if (root != 0) throw InternalError(fmt::format("communicator: broadcast from rank {} in a run of 1 rank", root));
}

}  // namespace voxtrain
