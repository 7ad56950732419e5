// command_line.hpp — a program made of subcommands (`voxtrain train ...`): dispatch, --help,
// --version, and one-line errors with a hint for unknown subcommands and options.
#pragma once

#include <functional>
#include <string_view>
#include <string>
#include <vector>

namespace voxtrain {

struct Subcommand {
  std::string name;
  std::string summary;  // one line for the help listing
  // Receives the arguments after the subcommand's name; returns the exit code.
  std::function<int(const std::vector<std::string>& args)> run;
};

struct Program {
  std::string name;     // "voxtrain"
  std::string summary;  // one line under the usage
  std::vector<Subcommand> subcommands;
};

std::string help_text(const Program& program);

// Runs the program; an Error (or any exception) becomes "<name>: <message>" on stderr, exit 1.
int run_program(const Program& program, int argc, char** argv);

}  // namespace voxtrain

namespace voxtrain {

// "a,b,c" given to `flag` of `command` as its items; an empty item throws one line
// ("split: --images 'a,,b' has an empty item: separate items with single commas").
std::vector<std::string> comma_separated(std::string_view command, std::string_view flag, const std::string& text);

}  // namespace voxtrain
