// command_line.hpp — a program made of subcommands (`voxtrain train ...`): dispatch, --help,
// --version, a subcommand's flag parser, and one-line errors with a hint for unknown names.
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

// Runs the program; an Error becomes "<name>: <message>" on stderr with exit 1 (a user error); an
// InternalError or any other exception becomes "<name>: internal error: ..." with exit 2.
int run_program(const Program& program, int argc, char** argv);

}  // namespace voxtrain

namespace voxtrain {

// "a,b,c" given to `flag` of `command` as its items; an empty item throws one line
// ("split: --images 'a,,b' has an empty item: separate items with single commas").
std::vector<std::string> comma_separated(std::string_view command, std::string_view flag, const std::string& text);

}  // namespace voxtrain

namespace voxtrain {

// One flag of a subcommand: "--out" with value_name "DIR" takes a value (--out DIR or --out=DIR);
// an empty value_name makes a switch (--force). short_name, e.g. "-c", is an alias taking the next
// argument as its value.
struct FlagSpec {
  std::string name;
  std::string value_name{};
  std::string short_name{};
};

// What a subcommand accepts: `program command` (for messages), its flags, and whether it takes
// positional arguments (FILE...); when it does not, a bare word is an error.
struct CommandFlags {
  std::string program;  // "voxdata"
  std::string command;  // "split"
  std::vector<FlagSpec> flags;
  bool takes_positionals = false;
};

struct ParsedFlag {
  std::string name;   // the long name, also when the short alias was given
  std::string value;  // empty for a switch
};

struct ParsedArgs {
  bool help = false;  // -h, --help or help came first among the flags: print the usage, ignore the rest
  std::vector<ParsedFlag> flags;  // in the order given; a flag given twice appears twice
  std::vector<std::string> positionals;
};

// What a subcommand's parser returns: the options for the work it runs, or a request for its help.
template <class Options>
struct CommandArgs {
  bool help = false;
  Options options{};
};

// Splits a subcommand's arguments into flags and positionals. Values are taken as given (even
// "-1"). Throws one line naming the command for an unknown option (with a "did you mean"), a
// missing value, a value given to a switch and, unless takes_positionals, a bare word.
ParsedArgs parse_flags(const CommandFlags& command, const std::vector<std::string>& args);

// "run 'voxdata split --help' for the options": the end of a subcommand's argument errors.
std::string options_hint(const CommandFlags& command);

}  // namespace voxtrain
