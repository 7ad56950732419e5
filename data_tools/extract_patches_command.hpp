// extract_patches_command.hpp — `voxdata extract-patches`: its flags, usage and output; the work
// is run_extract_patches (data/store/patch_extraction.hpp).
#pragma once

#include <string>
#include <vector>

#include "voxtrain/core/command_line.hpp"
#include "voxtrain/data/store/patch_extraction.hpp"

namespace voxtrain {

std::string extract_patches_usage();
CommandArgs<ExtractPatchesOptions> parse_extract_patches_args(const std::vector<std::string>& args);
int run_extract_patches_command(const std::vector<std::string>& args);

}  // namespace voxtrain
