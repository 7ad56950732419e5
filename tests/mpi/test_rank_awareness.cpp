// test_rank_awareness.cpp — under several ranks: every rank has its own seed, errors and log
// lines carry the rank, info is logged by rank 0 only unless all ranks are asked for, and the
// watchdog's hidden target.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mpi_test_support.hpp"
#include "voxtrain/core/checks/check_mpi.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/core/process.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("the launcher gave every rank its own seed", "[mpi]") {
  const int size = voxtrain::test::world_size();
  REQUIRE(size >= 2);
  const unsigned mine = voxtrain::test::rank_seed();
  CHECK(mine == Catch::rngSeed());
  std::vector<unsigned> all(static_cast<std::size_t>(size));
  VOX_CHECK_MPI(MPI_Allgather(&mine, 1, MPI_UNSIGNED, all.data(), 1, MPI_UNSIGNED, MPI_COMM_WORLD));
  CHECK(std::set<unsigned>(all.begin(), all.end()).size() == all.size());
}

TEST_CASE("process_rank is the MPI rank", "[mpi]") {
  CHECK(voxtrain::process_rank() == voxtrain::test::world_rank());
}

TEST_CASE("VOX_CHECK_MPI names the call, MPI's reason and the rank", "[mpi]") {
  const int rank = voxtrain::test::world_rank();
  const int nowhere = voxtrain::test::world_size() + 5;
  int value = 1;
  try {
    VOX_CHECK_MPI(MPI_Send(&value, 1, MPI_INT, nowhere, 0, MPI_COMM_WORLD));
    FAIL("MPI_Send to a rank that does not exist did not fail");
  } catch (const voxtrain::Error& e) {
    CHECK_THAT(e.what(), StartsWith("MPI call failed on rank " + std::to_string(rank) +
                                    ": MPI_Send(&value, 1, MPI_INT, nowhere, 0, MPI_COMM_WORLD) returned error "));
    CHECK_THAT(e.what(), Contains("invalid rank"));
    CHECK_THAT(e.what(), Contains("tests/mpi/test_rank_awareness.cpp:"));
  }
}

TEST_CASE("info is logged by rank 0 only, warnings by every rank, unless all ranks are asked for", "[mpi]") {
  const int rank = voxtrain::test::world_rank();
  std::vector<std::string> lines;
  voxtrain::set_log_sink([&](std::string_view line) { lines.emplace_back(line); });

  voxtrain::set_log_settings({voxtrain::LogLevel::Info, false});
  voxtrain::log_info("hello");
  voxtrain::log_warning("careful");
  const std::size_t expected = rank == 0 ? 2 : 1;
  CHECK(lines.size() == expected);
  CHECK_THAT(lines.back(), Contains("[rank " + std::to_string(rank) + "] WARN  careful"));

  lines.clear();
  voxtrain::set_log_settings({voxtrain::LogLevel::Info, true});
  voxtrain::log_info("from everyone");
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Contains("[rank " + std::to_string(rank) + "] INFO  from everyone"));

  voxtrain::set_log_sink({});
  voxtrain::set_log_settings({});
}

// Hidden: run only by the mpi_watchdog_aborts_hung_test CTest test, which expects the watchdog
// to abort the job and name rank 1.
TEST_CASE("watchdog aborts a hung rank", "[.][watchdog]") {
  if (voxtrain::test::world_rank() == 1) std::this_thread::sleep_for(std::chrono::seconds(60));
  SUCCEED();
}
