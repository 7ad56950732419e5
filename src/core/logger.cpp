// logger.cpp — formats whole log lines (time, rank, level) and writes each in one piece.
#include "voxtrain/core/logger.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/process.hpp"

namespace voxtrain {
namespace {

// The logger's settings are the one piece of process-wide state besides the registries.
std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::atomic<bool> g_all_ranks{false};
std::mutex g_sink_mutex;
LogSink g_sink;

std::string_view level_label(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "DEBUG";
    case LogLevel::Info: return "INFO ";
    case LogLevel::Warning: return "WARN ";
    case LogLevel::Error: return "ERROR";
    case LogLevel::Off: break;
  }
  return "?????";
}

std::string timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t seconds = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return fmt::format("{}.{:03d}", text, static_cast<int>(millis));
}

}  // namespace

void set_log_settings(const LogSettings& settings) {
  g_level = static_cast<int>(settings.level);
  g_all_ranks = settings.all_ranks;
}

LogSettings log_settings() {
  return {static_cast<LogLevel>(g_level.load()), g_all_ranks.load()};
}

LogLevel parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::Debug;
  if (text == "info") return LogLevel::Info;
  if (text == "warning" || text == "warn") return LogLevel::Warning;
  if (text == "error") return LogLevel::Error;
  if (text == "off") return LogLevel::Off;
  throw error("unknown log level '{}': use debug, info, warning, error or off", text);
}

LogSettings log_settings_from_environment(LogSettings defaults) {
  if (const char* level = std::getenv("VOXTRAIN_LOG_LEVEL"); level && *level) {
    try {
      defaults.level = parse_log_level(level);
    } catch (const Error& e) {
      throw error("environment variable VOXTRAIN_LOG_LEVEL: {}", e.what());
    }
  }
  if (const char* all = std::getenv("VOXTRAIN_LOG_ALL_RANKS"); all && *all) {
    const std::string_view value = all;
    if (value != "0" && value != "1")
      throw error("environment variable VOXTRAIN_LOG_ALL_RANKS='{}': use 1 (log from every rank) or 0", value);
    defaults.all_ranks = value == "1";
  }
  return defaults;
}

void set_log_sink(LogSink sink) {
  const std::lock_guard lock(g_sink_mutex);
  g_sink = std::move(sink);
}

bool log_enabled(LogLevel level) {
  if (level == LogLevel::Off || static_cast<int>(level) < g_level.load()) return false;
  if (level >= LogLevel::Warning || g_all_ranks.load()) return true;
  return process_rank() == 0;
}

void log_message(LogLevel level, std::string_view message) {
  const std::string line =
      fmt::format("{} [rank {}] {} {}\n", timestamp(), process_rank(), level_label(level), message);
  const std::lock_guard lock(g_sink_mutex);
  if (g_sink) {
    g_sink(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
}

}  // namespace voxtrain
