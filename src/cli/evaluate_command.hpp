// evaluate_command.hpp — `voxtrain evaluate --seg FILE_OR_DIR --ref FILE_OR_DIR --num-classes K
// [--metrics ...] [--skip-background] [--out FILE] [--seg-postfix P] [--ref-contains K[,K...]]`.
#pragma once

#include <string>
#include <vector>

namespace voxtrain {

std::string evaluate_usage();
int run_evaluate_command(const std::vector<std::string>& args);

}  // namespace voxtrain
