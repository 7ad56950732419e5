// main.cpp — the voxdata command. Subcommands (phantoms, convert, extract-patches, split,
// inspect) are added here by the data pipeline; today: phantoms, split.
#include "voxtrain/core/command_line.hpp"
#include "voxtrain/data/phantom.hpp"
#include "voxtrain/data/split_command.hpp"

int main(int argc, char** argv) {
  const voxtrain::Program program{
      "voxdata",
      "Prepare data for voxtrain: phantom data sets, NIfTI to HDF5 conversion, patches, splits.",
      {{"phantoms", "Write a synthetic data set of 3-D heads (NIfTI images and labels)",
        voxtrain::run_phantoms_command},
       {"split", "Split a config's subjects into training, validation and inference (dataset_split.csv)", voxtrain::run_split_command}}};
  return voxtrain::run_program(program, argc, argv);
}
