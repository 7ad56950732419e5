// phantoms_command.hpp — `voxdata phantoms`: its flags, usage and progress; the work is
// write_phantom_data_set (data/phantoms/phantom.hpp).
#pragma once

#include <string>
#include <vector>

#include "voxtrain/core/command_line.hpp"
#include "voxtrain/data/phantoms/phantom.hpp"

namespace voxtrain {

std::string phantoms_usage();
// Parses `phantoms` arguments (--out DIR --subjects N --size S --classes K --modalities M
// --seed S, also as --flag=value); a bad argument throws Error with one line naming the flag.
CommandArgs<PhantomDataSetOptions> parse_phantoms_args(const std::vector<std::string>& args);
// The subcommand: parse, print usage or write with a progress line per subject on stderr.
int run_phantoms_command(const std::vector<std::string>& args);

}  // namespace voxtrain
