// local_group.cpp — N ranks as N threads meeting in shared collectives
// (tests/support/doubles/local_group.hpp).
#include "support/doubles/local_group.hpp"

#include <algorithm>
#include <thread>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain::testing {

class LocalGroupCommunicator final : public Communicator {
 public:
  LocalGroupCommunicator(LocalGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }
  std::uint64_t all_reduce_sum_start(std::span<float> values) override { return group_.sum_start(rank_, values); }
  void wait(std::uint64_t handle) override { group_.sum_wait(rank_, handle); }
  std::vector<std::vector<double>> gather_to_root(std::span<const double> values) override {
    auto parts = group_.meet(rank_, "gather", 0, {values.begin(), values.end()});
    if (rank_ != 0) return {};
    return parts;
  }
  void barrier() override { group_.meet(rank_, "barrier", 0, {}); }
  void broadcast(std::span<double> values, int root) override {
    const auto parts = group_.meet(rank_, "broadcast", root, {values.begin(), values.end()});
    std::copy(parts.at(static_cast<std::size_t>(root)).begin(), parts.at(static_cast<std::size_t>(root)).end(),
              values.begin());
  }

 private:
  LocalGroup& group_;
  int rank_;
};

LocalGroup::LocalGroup(int size)
    : size_(size),
      sums_started_(static_cast<std::size_t>(size), 0),
      pending_(static_cast<std::size_t>(size)),
      collectives_started_(static_cast<std::size_t>(size), 0),
      finished_(static_cast<std::size_t>(size), false) {
  VOX_ASSERT(size >= 1);
}

void LocalGroup::fail(const std::string& message) {
  if (failure_.empty()) failure_ = message;
  changed_.notify_all();
}

void LocalGroup::wait_for(std::unique_lock<std::mutex>& lock, const std::function<bool()>& ready,
                          const std::vector<bool>& present, std::string_view what) {
  const auto deserted = [&] {
    for (std::size_t q = 0; q < present.size(); ++q)
      if (!present[q] && finished_[q]) {
        fail(fmt::format("{}: rank {} returned without calling it", what, q));
        return true;
      }
    return false;
  };
  changed_.wait(lock, [&] { return ready() || !failure_.empty() || deserted(); });
  if (!ready()) throw InternalError("local group: " + failure_);  // a collective that completed still counts
}

std::uint64_t LocalGroup::sum_start(int rank, std::span<float> values) {
  std::unique_lock lock(mutex_);
  if (!failure_.empty()) throw InternalError("local group: " + failure_);
  const auto r = static_cast<std::size_t>(rank);
  const std::uint64_t k = sums_started_[r]++;
  Sum& sum = sums_[k];
  if (sum.parts.empty()) {
    sum.parts.resize(static_cast<std::size_t>(size_));
    sum.present.resize(static_cast<std::size_t>(size_), false);
  }
  sum.parts[r] = values;
  sum.present[r] = true;
  pending_[r].push_back(k + 1);
  if (++sum.started == size_) {
    for (std::size_t q = 1; q < sum.parts.size(); ++q)
      if (sum.parts[q].size() != sum.parts[0].size()) {
        fail(fmt::format("all-reduce #{}: rank {} sums {} values, rank 0 sums {}", k, q, sum.parts[q].size(),
                         sum.parts[0].size()));
        throw InternalError("local group: " + failure_);
      }
    for (std::size_t i = 0; i < sum.parts[0].size(); ++i) {
      float total = sum.parts[0][i];
      for (std::size_t q = 1; q < sum.parts.size(); ++q) total += sum.parts[q][i];
      for (auto& part : sum.parts) part[i] = total;
    }
    sum.done = true;
    changed_.notify_all();
  }
  return k + 1;
}

void LocalGroup::sum_wait(int rank, std::uint64_t handle) {
  std::unique_lock lock(mutex_);
  auto& pending = pending_[static_cast<std::size_t>(rank)];
  const auto it = std::find(pending.begin(), pending.end(), handle);
  if (it == pending.end())
    throw InternalError(fmt::format("local group: rank {} waits on handle {}, never started or already waited for",
                                    rank, handle));
  pending.erase(it);
  const std::uint64_t k = handle - 1;
  wait_for(lock, [&] { return sums_.at(k).done; }, sums_.at(k).present, fmt::format("all-reduce #{}", k));
  if (++sums_.at(k).waited == size_) sums_.erase(k);
}

std::vector<std::vector<double>> LocalGroup::meet(int rank, const std::string& kind, int root,
                                                  std::vector<double> part) {
  std::unique_lock lock(mutex_);
  if (!failure_.empty()) throw InternalError("local group: " + failure_);
  const auto r = static_cast<std::size_t>(rank);
  const std::uint64_t k = collectives_started_[r]++;
  Collective& c = collectives_[k];
  if (c.arrived == 0) {
    c.kind = kind;
    c.root = root;
    c.parts.resize(static_cast<std::size_t>(size_));
    c.present.resize(static_cast<std::size_t>(size_), false);
  } else if (c.kind != kind || c.root != root) {
    fail(fmt::format("collective #{}: rank {} calls {} (root {}) while another rank called {} (root {})", k, rank,
                     kind, root, c.kind, c.root));
    throw InternalError("local group: " + failure_);
  }
  c.parts[r] = std::move(part);
  c.present[r] = true;
  if (++c.arrived == size_) {
    if (kind == "gather")
      for (std::size_t q = 1; q < c.parts.size(); ++q)
        if (c.parts[q].size() != c.parts[0].size())
          fail(fmt::format("gather #{}: rank {} gives {} values, rank 0 gives {}", k, q, c.parts[q].size(),
                           c.parts[0].size()));
    changed_.notify_all();
  }
  wait_for(lock, [&] { return collectives_.at(k).arrived == size_; }, c.present, fmt::format("{} #{}", kind, k));
  Collective& done = collectives_.at(k);
  auto parts = done.parts;
  if (++done.left == size_) collectives_.erase(k);
  return parts;
}

void LocalGroup::run(const std::function<void(Communicator&)>& body) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(size_));
  std::vector<int> order;  // ranks in the order they failed
  std::mutex order_mutex;
  std::vector<std::thread> threads;
  for (int r = 0; r < size_; ++r)
    threads.emplace_back([&, r] {
      LocalGroupCommunicator comm(*this, r);
      try {
        body(comm);
        std::lock_guard lock(mutex_);
        finished_[static_cast<std::size_t>(r)] = true;
        changed_.notify_all();
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
        {
          std::lock_guard guard(order_mutex);
          order.push_back(r);
        }
        std::lock_guard lock(mutex_);
        fail(fmt::format("rank {} failed", r));
      }
    });
  for (auto& t : threads) t.join();
  if (!order.empty()) std::rethrow_exception(errors[static_cast<std::size_t>(order.front())]);
}

}  // namespace voxtrain::testing
