// inspect_command.hpp — `voxtrain inspect CHECKPOINT [--config]`: what a checkpoint holds (iteration,
// network, counters, a table of tensors with statistics) or the config text stored in it.
#pragma once

#include <string>
#include <vector>

namespace voxtrain {

// (Named apart from voxdata's inspect_usage / run_inspect_command: the unit tests link both programs.)
std::string inspect_checkpoint_usage();
// The report `voxtrain inspect` prints for the checkpoint at path (read whole).
std::string checkpoint_report(const std::string& path);
int run_inspect_checkpoint_command(const std::vector<std::string>& args);

}  // namespace voxtrain
