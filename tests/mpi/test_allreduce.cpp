// test_allreduce.cpp — MPI_Allreduce of per-rank vectors equals the sum of every rank's vector
// computed locally (each rank can regenerate any other rank's vector from its rank number).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "mpi_test_support.hpp"
#include "voxtrain/core/checks/check_mpi.hpp"

namespace {

// Rank r's contribution: integers, or multiples of 1/8 (exact in double, so sums are exact in
// any order of addition).
std::vector<std::int64_t> integer_vector(int rank, std::size_t n) {
  std::mt19937_64 rng(1000 + static_cast<unsigned>(rank));
  std::uniform_int_distribution<std::int64_t> value(-1'000'000, 1'000'000);
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = value(rng);
  return v;
}

std::vector<double> eighths_vector(int rank, std::size_t n) {
  const auto ints = integer_vector(rank + 7919, n);
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(ints[i]) / 8.0;
  return v;
}

}  // namespace

TEST_CASE("all-reduce of per-rank int64 vectors equals the locally computed sum", "[mpi]") {
  const int size = voxtrain::test::world_size();
  const int rank = voxtrain::test::world_rank();
  for (std::size_t n : {std::size_t{1}, std::size_t{1000}, std::size_t{1} << 18}) {
    std::vector<std::int64_t> expected(n, 0);
    for (int r = 0; r < size; ++r) {
      const auto contribution = integer_vector(r, n);
      for (std::size_t i = 0; i < n; ++i) expected[i] += contribution[i];
    }
    std::vector<std::int64_t> reduced(n);
    const auto mine = integer_vector(rank, n);
    VOX_CHECK_MPI(MPI_Allreduce(mine.data(), reduced.data(), static_cast<int>(n), MPI_INT64_T, MPI_SUM,
                                MPI_COMM_WORLD));
    INFO("n = " << n << ", ranks = " << size);
    CHECK(reduced == expected);
  }
}

TEST_CASE("in-place all-reduce of per-rank double vectors equals the locally computed sum", "[mpi]") {
  const int size = voxtrain::test::world_size();
  const std::size_t n = 4097;
  std::vector<double> expected(n, 0.0);
  for (int r = 0; r < size; ++r) {
    const auto contribution = eighths_vector(r, n);
    for (std::size_t i = 0; i < n; ++i) expected[i] += contribution[i];
  }
  std::vector<double> values = eighths_vector(voxtrain::test::world_rank(), n);
  VOX_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(n), MPI_DOUBLE, MPI_SUM,
                              MPI_COMM_WORLD));
  CHECK(values == expected);
}
