// mpi_test_support.hpp — what MPI test cases may ask of the harness in main.cpp: this rank's
// seed (different on every rank) and the world.
#pragma once

#include <mpi.h>

namespace voxtrain::test {

int world_rank();
int world_size();
// The seed the harness gave this rank: the run's base seed plus the rank.
unsigned rank_seed();

}  // namespace voxtrain::test
