// test_logger.cpp — log lines carry a timestamp, the rank and the level; levels filter; the
// environment configures it and rejects values it does not know.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"

using voxtrain::LogLevel;
using voxtrain::LogSettings;

namespace {

// Captures log lines for the duration of a test and restores the defaults afterwards.
struct CapturedLog {
  std::vector<std::string> lines;
  explicit CapturedLog(LogSettings settings) {
    voxtrain::set_log_settings(settings);
    voxtrain::set_log_sink([this](std::string_view line) { lines.emplace_back(line); });
  }
  ~CapturedLog() {
    voxtrain::set_log_sink({});
    voxtrain::set_log_settings({});
  }
};

}  // namespace

TEST_CASE("a log line has a timestamp, the rank and the level", "[core]") {
  CapturedLog log({LogLevel::Debug, false});
  voxtrain::log_info("loaded {} subjects", 12);
  voxtrain::log_warning("disk {}% full", 91);
  REQUIRE(log.lines.size() == 2);
  CHECK_THAT(log.lines[0], Catch::Matchers::Matches(
                               R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[rank 0\] INFO  loaded 12 subjects\n)"));
  CHECK_THAT(log.lines[1], Catch::Matchers::EndsWith("[rank 0] WARN  disk 91% full\n"));
}

TEST_CASE("the level filters lower levels out", "[core]") {
  CapturedLog log({LogLevel::Warning, false});
  voxtrain::log_debug("d");
  voxtrain::log_info("i");
  voxtrain::log_warning("w");
  voxtrain::log_error("e");
  REQUIRE(log.lines.size() == 2);
  CHECK_THAT(log.lines[0], Catch::Matchers::EndsWith("WARN  w\n"));
  CHECK_THAT(log.lines[1], Catch::Matchers::EndsWith("ERROR e\n"));
}

TEST_CASE("log settings come from the environment", "[core]") {
  setenv("VOXTRAIN_LOG_LEVEL", "debug", 1);
  setenv("VOXTRAIN_LOG_ALL_RANKS", "1", 1);
  const LogSettings s = voxtrain::log_settings_from_environment();
  CHECK(s.level == LogLevel::Debug);
  CHECK(s.all_ranks);

  setenv("VOXTRAIN_LOG_LEVEL", "verbose", 1);
  CHECK_THROWS_WITH(voxtrain::log_settings_from_environment(),
                    "environment variable VOXTRAIN_LOG_LEVEL: unknown log level 'verbose': use debug, "
                    "info, warning, error or off");
  unsetenv("VOXTRAIN_LOG_LEVEL");
  setenv("VOXTRAIN_LOG_ALL_RANKS", "yes", 1);
  CHECK_THROWS_WITH(voxtrain::log_settings_from_environment(),
                    "environment variable VOXTRAIN_LOG_ALL_RANKS='yes': use 1 (log from every rank) or 0");
  unsetenv("VOXTRAIN_LOG_ALL_RANKS");
  CHECK(voxtrain::log_settings_from_environment().level == LogLevel::Info);
}
