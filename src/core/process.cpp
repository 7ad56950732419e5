// process.cpp — this process's rank: from MPI while it runs, else from the launcher's variables.
#include "voxtrain/core/process.hpp"

#include <mpi.h>

#include <cstdlib>
#include <string>

namespace voxtrain {
namespace {

bool mpi_is_running() {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized != 0 && finalized == 0;
}

int rank_from_environment() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    char* end = nullptr;
    const long rank = std::strtol(value, &end, 10);
    if (*end == '\0' && rank >= 0) return static_cast<int>(rank);
  }
  return 0;
}

}  // namespace

int process_rank() {
  if (mpi_is_running()) {
    int rank = 0;
    if (MPI_Comm_rank(MPI_COMM_WORLD, &rank) == MPI_SUCCESS) return rank;
  }
  return rank_from_environment();
}

}  // namespace voxtrain
