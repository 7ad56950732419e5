// logger.hpp — rank-aware log lines: "2026-11-22 01:33:32.123 [rank 1] WARN  message".
// Debug and info come from rank 0 only unless all ranks are asked for; warnings and errors from all.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>

namespace voxtrain {

enum class LogLevel { Debug = 0, Info = 1, Warning = 2, Error = 3, Off = 4 };

struct LogSettings {
  LogLevel level = LogLevel::Info;
  bool all_ranks = false;  // debug/info from every rank, not only rank 0
};

// Process-wide settings, set once at start-up (the CLI does it from flags and the environment).
void set_log_settings(const LogSettings& settings);
LogSettings log_settings();
// VOXTRAIN_LOG_LEVEL=debug|info|warning|error|off and VOXTRAIN_LOG_ALL_RANKS=1; throws Error
// naming the variable when its value is not one of those.
LogSettings log_settings_from_environment(LogSettings defaults = {});
LogLevel parse_log_level(std::string_view text);  // throws Error listing the valid levels

// Where whole lines go (stderr by default); tests capture them here. Empty: back to stderr.
using LogSink = std::function<void(std::string_view line)>;
void set_log_sink(LogSink sink);

bool log_enabled(LogLevel level);
void log_message(LogLevel level, std::string_view message);

template <class... Args>
void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
  if (log_enabled(level)) log_message(level, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args> void log_debug(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Debug, f, std::forward<Args>(a)...); }
template <class... Args> void log_info(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Info, f, std::forward<Args>(a)...); }
template <class... Args> void log_warning(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Warning, f, std::forward<Args>(a)...); }
template <class... Args> void log_error(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Error, f, std::forward<Args>(a)...); }

}  // namespace voxtrain
