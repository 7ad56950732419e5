// test_config_arguments.cpp — the arguments train, infer and evaluate -c share: help, -c in its
// three spellings, a command's switches, the overrides kept in order, and the one-line errors.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli/config_arguments.hpp"
#include "support/test_files.hpp"

using voxtrain::split_config_arguments;
using voxtrain::testing::error_message_of;
using Strings = std::vector<std::string>;

TEST_CASE("config arguments: -c, --config, --config=, switches and overrides in order", "[cli][evaluate]") {
  const auto a = split_config_arguments("train", {"--lr", "0.1", "-c", "a.ini", "--new-run", "--max_iter=5"}, {"--new-run"});
  CHECK_FALSE(a.help);
  CHECK(a.config == "a.ini");
  CHECK(a.switches.contains("--new-run"));
  CHECK(a.overrides == Strings{"--lr", "0.1", "--max_iter=5"});
  const auto overrides = voxtrain::config_overrides(a);
  REQUIRE(overrides.size() == 2);
  CHECK(overrides[0].key == "lr");
  CHECK(overrides[1].value == "5");

  CHECK(split_config_arguments("infer", {"--config", "b.ini"}).config == "b.ini");
  CHECK(split_config_arguments("infer", {"--config=c.ini", "--config", "d.ini"}).config == "d.ini");  // the last counts
  // Without the switch declared, --new-run stays an argument (parse_config_overrides refuses it).
  CHECK(split_config_arguments("infer", {"-c", "a.ini", "--new-run"}).overrides == Strings{"--new-run"});
  // -c takes the next argument whatever it is.
  CHECK(split_config_arguments("infer", {"-c", "--help"}).config == "--help");
}

TEST_CASE("config arguments: help first, and the one-line errors", "[cli][evaluate]") {
  CHECK(split_config_arguments("train", {"--lr", "x", "-h", "-c"}).help);
  CHECK(split_config_arguments("train", {"help"}).help);
  CHECK(error_message_of([] { split_config_arguments("infer", {"--lr", "0.1", "-c"}); }) ==
        "infer: -c needs a value: -c config.ini");
  CHECK(error_message_of([] { split_config_arguments("train", {"--lr", "0.1"}); }) ==
        "train: no config given: voxtrain train -c config.ini (run 'voxtrain train --help' for the options)");
  CHECK(voxtrain::names_config({"--x", "--config=a"}));
  CHECK(voxtrain::names_config({"-c"}));
  CHECK_FALSE(voxtrain::names_config({"--seg", "a", "--configs"}));
}
