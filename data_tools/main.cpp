// main.cpp — the voxdata command. Subcommands (phantoms, convert, extract-patches, split,
// inspect) are added here by the data pipeline; today: phantoms.
#include "voxtrain/core/command_line.hpp"
#include "voxtrain/data/inspect_command.hpp"
#include "voxtrain/data/phantom.hpp"

int main(int argc, char** argv) {
  const voxtrain::Program program{
      "voxdata",
      "Prepare data for voxtrain: phantom data sets, NIfTI to HDF5 conversion, patches, splits.",
      {{"phantoms", "Write a synthetic data set of 3-D heads (NIfTI images and labels)",
        voxtrain::run_phantoms_command},
       {"inspect", "Show a NIfTI header or an HDF5 patch store's contents", voxtrain::run_inspect_command}}};
  return voxtrain::run_program(program, argc, argv);
}
