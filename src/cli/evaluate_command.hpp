// evaluate_command.hpp — `voxtrain evaluate -c CONFIG [--KEY VALUE ...]` or `voxtrain evaluate --seg
// FILE_OR_DIR --ref FILE_OR_DIR --num-classes K [--metrics ...] [--skip-background] [--out FILE] ...`.
#pragma once

#include <string>
#include <vector>

namespace voxtrain {

std::string evaluate_usage();
// -c (or --config) anywhere in args selects the config form; otherwise the flags.
int run_evaluate_command(const std::vector<std::string>& args);

}  // namespace voxtrain
