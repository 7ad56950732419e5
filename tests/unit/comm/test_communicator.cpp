// test_communicator.cpp — the single-process communicator (identity collectives, checked handles)
// and the LocalGroup test double the collector tests run N ranks with (its sums, gathers and
// broadcasts against hand-computed values, and its refusals of mismatched collectives).
#include <catch2/catch.hpp>

#include <stdexcept>
#include <vector>

#include "support/doubles/local_group.hpp"
#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/core/error.hpp"

using namespace voxtrain;
using voxtrain::testing::LocalGroup;

TEST_CASE("single-process communicator: rank 0 of 1, every collective leaves values as they are", "[comm]") {
  SingleProcessCommunicator comm;
  CHECK(comm.rank() == 0);
  CHECK(comm.size() == 1);
  std::vector<float> values{1.5f, -2.0f, 3.25f};
  const auto h1 = comm.all_reduce_sum_start(values);
  const auto h2 = comm.all_reduce_sum_start(values);
  CHECK(h1 != h2);
  CHECK(comm.pending() == 2);
  comm.wait(h2);
  comm.wait(h1);
  CHECK(comm.pending() == 0);
  CHECK(values == std::vector<float>{1.5f, -2.0f, 3.25f});

  const std::vector<double> mine{0.5, 7.0};
  const auto gathered = comm.gather_to_root(mine);
  REQUIRE(gathered.size() == 1);
  CHECK(gathered[0] == mine);
  std::vector<double> b{4.0};
  comm.broadcast(b, 0);
  CHECK(b == std::vector<double>{4.0});
  comm.barrier();
}

TEST_CASE("single-process communicator: a wait on a handle never started, or waited twice, is a bug", "[comm]") {
  SingleProcessCommunicator comm;
  std::vector<float> values{1.0f};
  const auto h = comm.all_reduce_sum_start(values);
  CHECK_THROWS_AS(comm.wait(h + 1), InternalError);
  comm.wait(h);
  CHECK_THROWS_AS(comm.wait(h), InternalError);
  std::vector<double> b{1.0};
  CHECK_THROWS_AS(comm.broadcast(b, 1), InternalError);
}

TEST_CASE("local group: sums, gathers and broadcasts over 4 ranks match hand-computed values", "[comm]") {
  LocalGroup group(4);
  std::vector<std::vector<std::vector<double>>> gathered(4);
  std::vector<std::vector<float>> sums(4), second(4);
  std::vector<double> broadcast_seen(4);
  group.run([&](Communicator& comm) {
    const int r = comm.rank();
    const auto u = static_cast<std::size_t>(r);
    CHECK(comm.size() == 4);
    // Rank r contributes {r, 10 r}: the sum is {0+1+2+3, 10 (0+1+2+3)} = {6, 60}.
    sums[u] = {static_cast<float>(r), 10.0f * static_cast<float>(r)};
    second[u] = {1.0f};
    const auto h = comm.all_reduce_sum_start(sums[u]);
    const auto h2 = comm.all_reduce_sum_start(second[u]);
    comm.wait(h2);  // completion in any order
    comm.wait(h);
    const std::vector<double> mine{static_cast<double>(r), 0.5};
    gathered[u] = comm.gather_to_root(mine);
    std::vector<double> b{r == 2 ? 42.0 : -1.0};
    comm.broadcast(b, 2);
    broadcast_seen[u] = b[0];
    comm.barrier();
  });
  for (std::size_t r = 0; r < 4; ++r) {
    CHECK(sums[r] == std::vector<float>{6.0f, 60.0f});
    CHECK(second[r] == std::vector<float>{4.0f});
    CHECK(broadcast_seen[r] == 42.0);
  }
  REQUIRE(gathered[0].size() == 4);
  for (std::size_t r = 0; r < 4; ++r) CHECK(gathered[0][r] == std::vector<double>{static_cast<double>(r), 0.5});
  for (std::size_t r = 1; r < 4; ++r) CHECK(gathered[r].empty());
}

TEST_CASE("local group: sums of different lengths or different collectives fail on every rank", "[comm]") {
  SECTION("lengths") {
    LocalGroup group(2);
    CHECK_THROWS_WITH(group.run([](Communicator& comm) {
                        std::vector<float> v(comm.rank() == 0 ? 3 : 4, 1.0f);
                        comm.wait(comm.all_reduce_sum_start(v));
                      }),
                      Catch::Contains("rank 1 sums 4 values, rank 0 sums 3"));
  }
  SECTION("kinds") {
    LocalGroup group(3);
    CHECK_THROWS_WITH(group.run([](Communicator& comm) {
                        if (comm.rank() == 1) {
                          comm.barrier();
                        } else {
                          std::vector<double> v{1.0};
                          comm.broadcast(v, 0);
                        }
                      }),
                      Catch::Contains("calls"));
  }
  SECTION("a rank that returns without the collective") {
    LocalGroup group(2);
    CHECK_THROWS_WITH(group.run([](Communicator& comm) {
                        if (comm.rank() == 0) comm.barrier();
                      }),
                      Catch::Contains("rank 1 returned without calling it"));
  }
  SECTION("a rank that throws releases the others") {
    LocalGroup group(3);
    CHECK_THROWS_WITH(group.run([](Communicator& comm) {
                        if (comm.rank() == 2) throw std::runtime_error("rank two broke");
                        comm.barrier();
                      }),
                      "rank two broke");
  }
}
