// main.cpp — the voxdata command. Subcommands (phantoms, convert, extract-patches, split,
// inspect) are added here by the data pipeline; today it answers --help and --version.
#include "voxtrain/core/command_line.hpp"

int main(int argc, char** argv) {
  const voxtrain::Program program{
      "voxdata",
      "Prepare data for voxtrain: phantom data sets, NIfTI to HDF5 conversion, patches, splits.",
      {}};
  return voxtrain::run_program(program, argc, argv);
}
