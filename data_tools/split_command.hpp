// split_command.hpp — `voxdata split`: its flags, usage and the counts it prints; the work is
// run_split (data/inputs/split_data_set.hpp).
#pragma once

#include <string>
#include <vector>

#include "voxtrain/core/command_line.hpp"
#include "voxtrain/data/inputs/split_data_set.hpp"

namespace voxtrain {

std::string split_usage();
// Parses the arguments after `split` (flags as `--flag value` or `--flag=value`); a bad or
// missing argument throws Error with one line naming the flag.
CommandArgs<SplitOptions> parse_split_args(const std::vector<std::string>& args);
// The subcommand: parse, print usage or run and print the counts per phase.
int run_split_command(const std::vector<std::string>& args);

}  // namespace voxtrain
