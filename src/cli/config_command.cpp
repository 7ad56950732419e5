// config_command.cpp — `voxtrain config`: its arguments and usage, the key listing, and the checked
// effective config with its warnings; the work is RunConfig (io/config/run_config.hpp).
#include "cli/config_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/io/config/config_schema.hpp"
#include "voxtrain/io/config/run_config.hpp"

namespace voxtrain {
namespace {

struct ConfigOptions {
  bool help = false;
  bool list = false;
  std::string config;
  std::vector<std::string> overrides;  // the --key value arguments, parsed by parse_config_overrides
};

ConfigOptions parse_config_args(const std::vector<std::string>& args) {
  ConfigOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help" || a == "help") {
      o.help = true;
      return o;
    }
    if (a == "--list") {
      o.list = true;
    } else if (a == "-c" || a == "--config") {
      if (i + 1 >= args.size())
        throw error("config: {} needs a file: voxtrain config -c config.ini [--key value ...]", a);
      o.config = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      o.config = a.substr(9);
    } else {
      o.overrides.push_back(a);
    }
  }
  if (o.list && (!o.config.empty() || !o.overrides.empty()))
    throw error(
        "config: --list takes nothing else: run 'voxtrain config --list', or 'voxtrain config -c FILE' "
        "to check a file");
  if (!o.list && o.config.empty())
    throw error(
        "config: say what to do: --list to list the keys, or -c FILE [--key value ...] to check a config; "
        "run 'voxtrain config --help' for the options");
  return o;
}

std::string shown_default(const ConfigKey& k) { return k.default_text.empty() ? std::string("''") : k.default_text; }

}  // namespace

std::string config_usage() {
  return "Usage: voxtrain config --list\n"
         "       voxtrain config -c CONFIG [--key value ...]\n"
         "\n"
         "--list prints every key voxtrain reads, by section, with its type, default and what it does; keys\n"
         "marked 'ignored' are accepted with a warning, keys marked 'unsupported' are an error unless left at\n"
         "their default. -c reads a NiftyNet-style config (.ini), applies the command-line overrides, checks\n"
         "every key and value (not the data paths) and prints the effective configuration: every key with the\n"
         "value a run would use. Warnings go to stderr (docs/CONFIG.md).\n"
         "\n"
         "Options:\n"
         "  --list                 list the keys\n"
         "  -c, --config FILE      the config to check\n"
         "  --key value            override a key of [SYSTEM], [NETWORK], [TRAINING], [INFERENCE], [EVALUATION]\n"
         "                         or [SEGMENTATION]; also --key=value, --max-iter for --max_iter, and\n"
         "                         --SECTION.key value\n"
         "  -h, --help             show this help\n";
}

std::string config_key_listing() {
  std::string out =
      "Keys by section: name, type, default, what it does. [ignored: why]: accepted, with a warning when set to\n"
      "another value; [unsupported: why]: another value is an error; (voxtrain): not a NiftyNet key.\n"
      "Types: bool (yes/true/1, no/false/0), int, float, string, choice (one of the listed words, any case),\n"
      "int/float/string list ((a, b) or a, b), spatial3 (21 = (21, 21, 21)), atleast3d ((8, 2) = (8, 2, 1)).\n";
  const auto add_section = [&](const std::string& heading, const std::string& section) {
    out += fmt::format("\n[{}]\n", heading);
    for (const ConfigKey& k : config_keys()) {
      if (k.section != section) continue;
      std::string type(config_type_name(k.type));
      std::string doc = k.doc;
      if (k.type == ConfigType::Choice) {
        std::vector<std::string> words;
        for (const std::string& c : k.choices) words.push_back(c.empty() ? std::string("''") : c);
        doc += fmt::format(" ({})", fmt::join(words, ", "));
      }
      if (k.voxtrain_only) doc += " (voxtrain)";
      if (k.support == KeySupport::Ignored) doc += fmt::format(" [ignored: {}]", k.reason);
      if (k.support == KeySupport::Unsupported) doc += fmt::format(" [unsupported: {}]", k.reason);
      out += fmt::format("  {:<31} {:<12} {:<14}  {}\n", k.name, type, shown_default(k), doc);
    }
  };
  for (const std::string& s : config_sections()) add_section(s, s);
  add_section("any other section: an input source, e.g. [T1]", "");
  return out;
}

int run_config_command(const std::vector<std::string>& args) {
  const ConfigOptions o = parse_config_args(args);
  if (o.help) {
    std::fputs(config_usage().c_str(), stdout);
    return 0;
  }
  if (o.list) {
    std::fputs(config_key_listing().c_str(), stdout);
    return 0;
  }
  const RunConfig config = RunConfig::load(o.config, parse_config_overrides(o.overrides));
  for (const std::string& w : config.warnings()) log_warning("{}", w);
  std::fputs(config.text().c_str(), stdout);
  return 0;
}

}  // namespace voxtrain
