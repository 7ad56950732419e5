// run_commands.hpp — `voxtrain train` and `voxtrain infer`: -c CONFIG, --key value overrides,
// --new-run; the work is in apps/run_application.
#pragma once

#include <string>
#include <vector>

namespace voxtrain {

int run_train_command(const std::vector<std::string>& args);
int run_infer_command(const std::vector<std::string>& args);

}  // namespace voxtrain
