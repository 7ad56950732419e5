// test_command_line.cpp — a subcommand's flag parser on hand-written argument vectors: the flags,
// values and positionals it returns, and the one-line error for each kind of mistake.
#include <catch2/catch.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "voxtrain/core/command_line.hpp"
#include "voxtrain/core/error.hpp"

namespace {

using Catch::Matchers::Equals;
using voxtrain::CommandFlags;
using voxtrain::ParsedArgs;

const CommandFlags& tool_flags() {
  static const CommandFlags command{
      "voxdata", "tool", {{"--config", "CONFIG", "-c"}, {"--out", "DIR"}, {"--seed", "S"}, {"--force"}}};
  return command;
}

std::vector<std::pair<std::string, std::string>> flags_of(const ParsedArgs& parsed) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : parsed.flags) out.emplace_back(f.name, f.value);
  return out;
}

std::string error_of(const CommandFlags& command, const std::vector<std::string>& args) {
  try {
    voxtrain::parse_flags(command, args);
  } catch (const voxtrain::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("parse_flags: values after the flag or after '=', switches, aliases, in the order given", "[core]") {
  const ParsedArgs p = voxtrain::parse_flags(
      tool_flags(), {"-c", "a.ini", "--seed=-7", "--force", "--out", "-1", "--out=", "--seed", "x=y"});
  CHECK_FALSE(p.help);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"--config", "a.ini"}, {"--seed", "-7"}, {"--force", ""}, {"--out", "-1"}, {"--out", ""}, {"--seed", "x=y"}};
  CHECK(flags_of(p) == expected);
  CHECK(p.positionals.empty());
  CHECK(voxtrain::parse_flags(tool_flags(), {}).flags.empty());
}

TEST_CASE("parse_flags: -h, --help and help stop parsing, unless a flag took them as its value", "[core]") {
  for (const std::string help : {"-h", "--help", "help"}) {
    CAPTURE(help);
    const ParsedArgs p = voxtrain::parse_flags(tool_flags(), {"--force", help, "--frob", "extra"});
    CHECK(p.help);
    CHECK(flags_of(p) == std::vector<std::pair<std::string, std::string>>{{"--force", ""}});
    CHECK(p.positionals.empty());
  }
  const ParsedArgs value = voxtrain::parse_flags(tool_flags(), {"--out", "--help"});
  CHECK_FALSE(value.help);
  CHECK(flags_of(value) == std::vector<std::pair<std::string, std::string>>{{"--out", "--help"}});
  // A mistake before the help is still reported.
  CHECK_THAT(error_of(tool_flags(), {"--frob", "--help"}),
             Equals("tool: unknown option '--frob'; run 'voxdata tool --help' for the options"));
}

TEST_CASE("parse_flags: positionals only where the command takes them", "[core]") {
  const CommandFlags files{"voxdata", "inspect", {{"--out", "DIR"}}, true};
  const ParsedArgs p = voxtrain::parse_flags(files, {"a.nii", "--out", "d", "-", "b.h5"});
  CHECK(p.positionals == std::vector<std::string>{"a.nii", "-", "b.h5"});
  CHECK(flags_of(p) == std::vector<std::pair<std::string, std::string>>{{"--out", "d"}});
  CHECK_THAT(error_of(tool_flags(), {"--out", "d", "extra"}),
             Equals("tool: unexpected argument 'extra': every setting is a flag such as -c CONFIG; "
                    "run 'voxdata tool --help' for the options"));
  const CommandFlags phantoms{"voxdata", "phantoms", {{"--out", "DIR"}, {"--seed", "S"}}};
  CHECK_THAT(error_of(phantoms, {"x"}),
             Equals("phantoms: unexpected argument 'x': every setting is a flag such as --out DIR; "
                    "run 'voxdata phantoms --help' for the options"));
}

TEST_CASE("parse_flags: one line for each mistake, naming the command", "[core]") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--sed", "3"},
       "tool: unknown option '--sed' (did you mean '--seed'?); run 'voxdata tool --help' for the options"},
      {{"--hlep"}, "tool: unknown option '--hlep' (did you mean '--help'?); run 'voxdata tool --help' for the options"},
      {{"--frobnicate=1"}, "tool: unknown option '--frobnicate'; run 'voxdata tool --help' for the options"},
      {{"-x"}, "tool: unknown option '-x'; run 'voxdata tool --help' for the options"},
      {{"-c=a.ini"}, "tool: unknown option '-c=a.ini'; run 'voxdata tool --help' for the options"},
      {{"--out"}, "tool: --out needs a value (e.g. --out DIR); run 'voxdata tool --help' for the options"},
      {{"--force", "-c"}, "tool: -c needs a value (e.g. -c CONFIG); run 'voxdata tool --help' for the options"},
      {{"--force=yes"}, "tool: --force takes no value; run 'voxdata tool --help' for the options"},
      {{"--help=1"}, "tool: --help takes no value; run 'voxdata tool --help' for the options"},
  };
  for (const auto& [args, expected] : cases) {
    CAPTURE(args);
    CHECK_THAT(error_of(tool_flags(), args), Equals(expected));
  }
  const CommandFlags no_flags{"voxtrain", "inspect", {}, true};
  CHECK_THAT(error_of(no_flags, {"--frobnicate", "x.nii"}),
             Equals("inspect: unknown option '--frobnicate'; run 'voxtrain inspect --help' for the options"));
}

TEST_CASE("options_hint names the program and the subcommand", "[core]") {
  CHECK(voxtrain::options_hint(tool_flags()) == "run 'voxdata tool --help' for the options");
}

TEST_CASE("help lists every subcommand's summary in one column, however long a name is", "[core]") {
  const voxtrain::Program program{"tool",
                                  "A tool.",
                                  {{"short", "first summary", {}}, {"a-rather-long-name", "second summary", {}}}};
  const std::string help = voxtrain::help_text(program);
  const auto column_of = [&](const std::string& summary) {
    const auto at = help.find(summary);
    REQUIRE(at != std::string::npos);
    return at - help.rfind('\n', at);
  };
  CHECK(column_of("first summary") == column_of("second summary"));
  CHECK(column_of("first summary") == column_of("Show this help"));
  CHECK(help.find("a-rather-long-name second summary") != std::string::npos);  // one space after the longest
}

TEST_CASE("run_program: exit 0, 1 for a user error, 2 for an internal error or any other exception", "[core]") {
  const auto exit_code = [](const std::function<int()>& body) {
    const voxtrain::Program program{"tool", "a test program", {{"go", "runs the body", [&](const auto&) { return body(); }}}};
    std::string name = "tool", go = "go";
    char* argv[] = {name.data(), go.data(), nullptr};
    return voxtrain::run_program(program, 2, argv);
  };
  CHECK(exit_code([] { return 0; }) == 0);
  CHECK(exit_code([]() -> int { throw voxtrain::Error("bad input"); }) == 1);
  CHECK(exit_code([]() -> int { throw voxtrain::InternalError("a broken invariant"); }) == 2);
  CHECK(exit_code([]() -> int { throw std::runtime_error("out of luck"); }) == 2);
  CHECK(exit_code([] { return 143; }) == 143);  // a subcommand's own status (a run stopped by SIGTERM) passes through
}
