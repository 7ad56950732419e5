// process.hpp — who this process is in a parallel job: its rank, for errors and log lines.
// Asks MPI when it is running, otherwise the launcher's environment (mpirun, srun, PMIx).
#pragma once

namespace voxtrain {

// The MPI rank of this process in MPI_COMM_WORLD; before MPI_Init or after MPI_Finalize, the
// rank the launcher announced (OMPI_COMM_WORLD_RANK, PMIX_RANK, PMI_RANK, SLURM_PROCID), else 0.
int process_rank();

}  // namespace voxtrain
