// convert_command.hpp — `voxdata convert`: its flags, usage and output; the work is run_convert
// (data/store/store_conversion.hpp).
#pragma once

#include <string>
#include <vector>

#include "voxtrain/core/command_line.hpp"
#include "voxtrain/data/store/store_conversion.hpp"

namespace voxtrain {

std::string convert_usage();
CommandArgs<ConvertOptions> parse_convert_args(const std::vector<std::string>& args);
int run_convert_command(const std::vector<std::string>& args);

}  // namespace voxtrain
