// test_config_command.cpp — `voxtrain config --list`: every section and every key of the schema,
// each with its type, default and a mark when voxtrain ignores or does not support it.
#include <catch2/catch.hpp>
#include <string>

#include "cli/config_command.hpp"
#include "voxtrain/io/config/config_schema.hpp"

using Catch::Matchers::Contains;

namespace {

// The listing's line of a key, found under its section's heading.
std::string line_of_key(const std::string& listing, const std::string& heading, const std::string& key) {
  const auto section = listing.find("\n[" + heading + "]\n");
  if (section == std::string::npos) return {};
  const auto next = listing.find("\n[", section + 1);
  const auto at = listing.find("\n  " + key + " ", section);
  if (at == std::string::npos || (next != std::string::npos && at > next)) return {};
  return listing.substr(at + 1, listing.find('\n', at + 1) - at - 1);
}

}  // namespace

TEST_CASE("config --list shows every key by section with its type, default and status", "[cli][config]") {
  const std::string listing = voxtrain::config_key_listing();
  for (const char* section : {"SYSTEM", "NETWORK", "TRAINING", "INFERENCE", "EVALUATION", "SEGMENTATION"})
    CHECK_THAT(listing, Contains(std::string("\n[") + section + "]\n"));
  CHECK_THAT(listing, Contains("\n[any other section: an input source, e.g. [T1]]\n"));
  for (const voxtrain::ConfigKey& k : voxtrain::config_keys()) {
    const std::string heading = k.is_input() ? "any other section: an input source, e.g. [T1]" : k.section;
    INFO(heading << " " << k.name);
    const std::string line = line_of_key(listing, heading, k.name);
    REQUIRE_FALSE(line.empty());
    CHECK_THAT(line, Contains(std::string(voxtrain::config_type_name(k.type))));
    CHECK_THAT(line, Contains(k.doc));
    if (k.support == voxtrain::KeySupport::Ignored) CHECK_THAT(line, Contains("[ignored: " + k.reason + "]"));
    if (k.support == voxtrain::KeySupport::Unsupported) CHECK_THAT(line, Contains("[unsupported: " + k.reason + "]"));
  }
  const std::string lr = line_of_key(listing, "TRAINING", "lr");
  CHECK_THAT(lr, Contains(" float ") && Contains(" 0.01 "));
  CHECK_THAT(line_of_key(listing, "SYSTEM", "num_gpus"),
             Contains("[ignored: one rank drives one GPU: start N ranks with mpirun/srun]"));
  CHECK_THAT(line_of_key(listing, "NETWORK", "group_size"), Contains("(voxtrain)"));
  CHECK_THAT(line_of_key(listing, "TRAINING", "nonfinite"), Contains("(stop, skip)"));
}
