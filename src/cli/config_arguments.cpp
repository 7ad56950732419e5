// config_arguments.cpp — -h, -c CONFIG, a command's switches and the --KEY VALUE overrides split
// out of the arguments of train, infer and evaluate -c.
#include "cli/config_arguments.hpp"

#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

bool is_help(const std::string& a) { return a == "-h" || a == "--help" || a == "help"; }
bool is_config_flag(const std::string& a) { return a == "-c" || a == "--config"; }

}  // namespace

bool names_config(const std::vector<std::string>& args) {
  for (const std::string& a : args)
    if (is_config_flag(a) || a.starts_with("--config=")) return true;
  return false;
}

ConfigArguments split_config_arguments(const char* command, const std::vector<std::string>& args,
                                       const std::set<std::string>& switches) {
  ConfigArguments p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (is_help(a)) {
      p.help = true;
      return p;
    }
    if (is_config_flag(a)) {
      if (i + 1 >= args.size()) throw error("{}: {} needs a value: -c config.ini", command, a);
      p.config = args[++i];
    } else if (a.starts_with("--config=")) {
      p.config = a.substr(9);
    } else if (switches.contains(a)) {
      p.switches.insert(a);
    } else {
      p.overrides.push_back(a);
    }
  }
  if (p.config.empty())
    throw error("{}: no config given: voxtrain {} -c config.ini (run 'voxtrain {} --help' for the options)", command,
                command, command);
  return p;
}

std::vector<ConfigOverride> config_overrides(const ConfigArguments& arguments) {
  return parse_config_overrides(arguments.overrides);
}

}  // namespace voxtrain
