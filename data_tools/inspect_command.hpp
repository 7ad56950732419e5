// inspect_command.hpp — `voxdata inspect FILE...`: what a NIfTI header (dims, datatype, pixdim,
// codes, affine, orientation, scaling) or an HDF5 patch store (version, fingerprint, subjects, patches) holds.
#pragma once

#include <string>
#include <vector>

namespace voxtrain {

std::string inspect_usage();

// The report for one file: a NIfTI header (.nii, .nii.gz, .hdr, .img) or a patch store (any
// file with the HDF5 signature). Throws Error naming the file when it is missing, of another
// type, or unreadable.
std::string inspect_file(const std::string& path);

// The subcommand: `inspect FILE [FILE...]` prints each report (a blank line between them) on
// stdout; --help prints the usage. Errors throw (run_program prints one line, exit 1).
int run_inspect_command(const std::vector<std::string>& args);

}  // namespace voxtrain
