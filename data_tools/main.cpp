// main.cpp — the voxdata command: phantom data sets, NIfTI to HDF5 conversion, pre-extracted
// patches, dataset splits and inspection of NIfTI files and stores.
#include "data_tools/convert_command.hpp"
#include "data_tools/extract_patches_command.hpp"
#include "data_tools/inspect_command.hpp"
#include "data_tools/phantoms_command.hpp"
#include "data_tools/split_command.hpp"
#include "voxtrain/core/command_line.hpp"

int main(int argc, char** argv) {
  const voxtrain::Program program{
      "voxdata",
      "Prepare data for voxtrain: phantom data sets, NIfTI to HDF5 conversion, patches, splits.",
      {{"phantoms", "Write a synthetic data set of 3-D heads (NIfTI images and labels)",
        voxtrain::run_phantoms_command},
       {"convert", "Preprocess a data set once into an HDF5 patch store", voxtrain::run_convert_command},
       {"extract-patches", "Pre-extract sampled windows of a store into a new store",
        voxtrain::run_extract_patches_command},
       {"split", "Split a config's subjects into training, validation and inference (dataset_split.csv)",
        voxtrain::run_split_command},
       {"inspect", "Show a NIfTI header or an HDF5 patch store's contents", voxtrain::run_inspect_command}}};
  return voxtrain::run_program(program, argc, argv);
}
