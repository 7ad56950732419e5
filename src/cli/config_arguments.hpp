// config_arguments.hpp — the arguments of a command that runs from a config (train, infer,
// evaluate -c): -h, -c CONFIG, the command's own switches, and the --KEY VALUE overrides.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "voxtrain/io/config/run_config.hpp"

namespace voxtrain {

struct ConfigArguments {
  bool help = false;                   // -h, --help or help: print the usage, ignore the rest
  std::string config;                  // -c FILE, --config FILE or --config=FILE
  std::set<std::string> switches;      // those of the command's switches that were given
  std::vector<std::string> overrides;  // every other argument, in order: --KEY VALUE ...
};

// True when args name a config (-c, --config, --config=FILE).
bool names_config(const std::vector<std::string>& args);

// Splits args in one pass, left to right: a help word returns at once; -c takes the next argument
// whatever it is; a switch of `switches` (e.g. --new-run) is set; the rest are overrides. Throws
// one line naming `command` when -c has no value or when no config is given.
ConfigArguments split_config_arguments(const char* command, const std::vector<std::string>& args,
                                       const std::set<std::string>& switches = {});

// The overrides parsed (parse_config_overrides: --key value, --key=value, --SECTION.key value).
std::vector<ConfigOverride> config_overrides(const ConfigArguments& arguments);

}  // namespace voxtrain
