// config_command.hpp — `voxtrain config --list` (every key with type, default and doc) and
// `voxtrain config -c FILE [--key value ...]` (check a config and print its effective settings).
#pragma once

#include <string>
#include <vector>

namespace voxtrain {

std::string config_usage();
// The key listing `config --list` prints: sections in order, one line per key.
std::string config_key_listing();
int run_config_command(const std::vector<std::string>& args);

}  // namespace voxtrain
