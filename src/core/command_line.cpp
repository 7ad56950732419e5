// command_line.cpp — subcommand dispatch with --help and --version, and one-line errors.
#include "voxtrain/core/command_line.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "voxtrain/core/build_info.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

bool is_help(const std::string& a) { return a == "-h" || a == "--help" || a == "help"; }
bool is_version(const std::string& a) { return a == "-V" || a == "--version" || a == "version"; }

std::vector<Subcommand> all_subcommands(const Program& program) {
  std::vector<Subcommand> all = {
      {"help", "Show this help, or a subcommand's help: " + program.name + " help <subcommand>", {}},
      {"version", "Print the version, the commit and the libraries compiled in", {}},
  };
  all.insert(all.end(), program.subcommands.begin(), program.subcommands.end());
  return all;
}

std::vector<std::string> subcommand_names(const Program& program) {
  std::vector<std::string> names;
  for (const Subcommand& s : all_subcommands(program)) names.push_back(s.name);
  return names;
}

std::string hint(const Program& program) {
  return fmt::format("Run '{} --help' to see the subcommands.", program.name);
}

int fail(const Program& program, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", program.name.c_str(), message.c_str());
  return 1;
}

int unknown_subcommand(const Program& program, const std::string& word) {
  const auto names = subcommand_names(program);
  const bool is_option = !word.empty() && word[0] == '-';
  return fail(program, fmt::format("unknown {} '{}'{}. {}", is_option ? "option" : "subcommand", word,
                                   did_you_mean(word, names), hint(program)));
}

int dispatch(const Program& program, const std::vector<std::string>& args) {
  if (args.empty()) {
    std::fputs(help_text(program).c_str(), stderr);
    return fail(program, "no subcommand given. " + hint(program));
  }
  const std::string& first = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (is_help(first)) {
    if (rest.empty() || is_help(rest[0])) {
      std::fputs(help_text(program).c_str(), stdout);
      return 0;
    }
    return dispatch(program, {rest[0], "--help"});
  }
  if (is_version(first)) {
    if (!rest.empty() && !is_help(rest[0]))
      return fail(program, fmt::format("'{}' takes no arguments (got '{}'). {}", first, rest[0], hint(program)));
    std::fputs(version_text(program.name).c_str(), stdout);
    return 0;
  }
  const auto it = std::find_if(program.subcommands.begin(), program.subcommands.end(),
                               [&](const Subcommand& s) { return s.name == first; });
  if (it == program.subcommands.end()) return unknown_subcommand(program, first);
  return it->run(rest);
}

}  // namespace

std::string help_text(const Program& program) {
  std::string text = fmt::format("Usage: {0} <subcommand> [options]\n       {0} --help | --version\n\n{1}\n\nSubcommands:\n",
                                 program.name, program.summary);
  for (const Subcommand& s : all_subcommands(program))
    text += fmt::format("  {:<12} {}\n", s.name, s.summary);
  text += fmt::format(
      "\nOptions:\n  -h, --help     show this help\n  -V, --version  same as 'version'\n\n"
      "Environment: VOXTRAIN_LOG_LEVEL=debug|info|warning|error|off, VOXTRAIN_LOG_ALL_RANKS=1\n");
  return text;
}

int run_program(const Program& program, int argc, char** argv) {
  try {
    set_log_settings(log_settings_from_environment());
    return dispatch(program, std::vector<std::string>(argv + 1, argv + argc));
  } catch (const Error& e) {
    return fail(program, e.what());
  } catch (const std::exception& e) {
    return fail(program, fmt::format("internal error: {}; please report it with the command that led here", e.what()));
  }
}

}  // namespace voxtrain

namespace voxtrain {

std::vector<std::string> comma_separated(std::string_view command, std::string_view flag, const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    if (item.empty())
      throw error("{}: {} '{}' has an empty item: separate items with single commas", command, flag, text);
    items.push_back(std::move(item));
    start = comma + 1;
  }
  return items;
}

}  // namespace voxtrain
