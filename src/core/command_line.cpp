// command_line.cpp — subcommand dispatch with --help and --version, a subcommand's flag parser,
// and one-line errors.
#include "voxtrain/core/command_line.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "voxtrain/core/build_info.hpp"
#include "voxtrain/core/checks/check.hpp"
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

// The message on one line whatever it quotes: control characters (a newline or escape sequence
// read from a damaged file, say) become \xNN; everything else, UTF-8 included, is kept.
std::string one_line(const std::string& message) {
  std::string out;
  for (const char ch : message) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte == 0x7f) out += fmt::format("\\x{:02X}", byte);
    else out += ch;
  }
  return out;
}

int fail(const Program& program, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", program.name.c_str(), one_line(message).c_str());
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
  const std::vector<Subcommand> subcommands = all_subcommands(program);
  std::size_t width = 12;  // the names line up in one column, however long the longest is
  for (const Subcommand& s : subcommands) width = std::max(width, s.name.size());
  for (const Subcommand& s : subcommands) text += fmt::format("  {:<{}} {}\n", s.name, width, s.summary);
  text += fmt::format(
      "\nOptions:\n  -h, --help     show this help\n  -V, --version  same as 'version'\n\n"
      "Environment: VOXTRAIN_LOG_LEVEL=debug|info|warning|error|off, VOXTRAIN_LOG_ALL_RANKS=1\n");
  return text;
}

int run_program(const Program& program, int argc, char** argv) {
  try {
    set_log_settings(log_settings_from_environment());
    return dispatch(program, std::vector<std::string>(argv + 1, argv + argc));
  } catch (const InternalError& e) {
    const std::string what = e.what();
    fail(program, what.starts_with("internal error") ? what + "; please report it with the command that led here"
                                                      : fmt::format("internal error: {}; please report it with the "
                                                                    "command that led here", what));
    return 2;
  } catch (const Error& e) {
    return fail(program, e.what());
  } catch (const std::exception& e) {
    fail(program, fmt::format("internal error: {}; please report it with the command that led here", e.what()));
    return 2;
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

namespace voxtrain {
namespace {

const FlagSpec* find_flag(const CommandFlags& command, const std::string& name) {
  for (const FlagSpec& f : command.flags)
    if (f.name == name || (!f.short_name.empty() && f.short_name == name)) return &f;
  return nullptr;
}

Error unknown_option(const CommandFlags& command, const std::string& name) {
  std::vector<std::string> names;
  for (const FlagSpec& f : command.flags) names.push_back(f.name);
  names.emplace_back("--help");
  return error("{}: unknown option '{}'{}; {}", command.command, name, did_you_mean(name, names),
               options_hint(command));
}

// An example of the command's flags for "every setting is a flag such as -c CONFIG".
std::string first_flag_example(const CommandFlags& command) {
  VOX_ASSERT(!command.flags.empty());
  const FlagSpec& f = command.flags.front();
  const std::string& name = f.short_name.empty() ? f.name : f.short_name;
  return f.value_name.empty() ? name : fmt::format("{} {}", name, f.value_name);
}

}  // namespace

std::string options_hint(const CommandFlags& command) {
  return fmt::format("run '{} {} --help' for the options", command.program, command.command);
}

ParsedArgs parse_flags(const CommandFlags& command, const std::vector<std::string>& args) {
  ParsedArgs parsed;
  for (std::size_t a = 0; a < args.size(); ++a) {
    const std::string& arg = args[a];
    if (is_help(arg)) {
      parsed.help = true;
      return parsed;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (!command.takes_positionals)
        throw error("{}: unexpected argument '{}': every setting is a flag such as {}; {}", command.command, arg,
                    first_flag_example(command), options_hint(command));
      parsed.positionals.push_back(arg);
      continue;
    }
    const std::size_t eq = arg.starts_with("--") ? arg.find('=') : std::string::npos;
    const std::string name = arg.substr(0, eq);
    if (is_help(name)) throw error("{}: {} takes no value; {}", command.command, name, options_hint(command));
    const FlagSpec* flag = find_flag(command, name);
    if (flag == nullptr) throw unknown_option(command, name);
    ParsedFlag& out = parsed.flags.emplace_back(ParsedFlag{flag->name, {}});
    if (eq != std::string::npos) {
      if (flag->value_name.empty())
        throw error("{}: {} takes no value; {}", command.command, flag->name, options_hint(command));
      out.value = arg.substr(eq + 1);
    } else if (!flag->value_name.empty()) {
      if (a + 1 >= args.size())
        throw error("{}: {} needs a value (e.g. {} {}); {}", command.command, name, name, flag->value_name,
                    options_hint(command));
      out.value = args[++a];
    }
  }
  return parsed;
}

}  // namespace voxtrain
