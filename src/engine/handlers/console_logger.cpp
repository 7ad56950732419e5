// console_logger.cpp — iteration lines with speed and ETA; in place on a terminal.
#include "voxtrain/engine/handlers/console_logger.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

namespace voxtrain {

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const auto total = static_cast<std::int64_t>(std::llround(seconds));
  return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
}

ConsoleLogger::ConsoleLogger(std::int64_t initial_iter, std::int64_t final_iter, std::FILE* out)
    : ConsoleLogger(initial_iter, final_iter, out, isatty(fileno(out)) != 0) {}

ConsoleLogger::ConsoleLogger(std::int64_t initial_iter, std::int64_t final_iter, std::FILE* out, bool in_place)
    : initial_iter_(initial_iter), final_iter_(final_iter), out_(out), in_place_(in_place) {}

ConsoleLogger::~ConsoleLogger() { end_in_place_line(); }

void ConsoleLogger::connect(EngineSignals& signals) {
  listen(signals.iteration_finished, [this](IterationMessage& m) { on_iteration(m); });
  listen(signals.session_finished, [this](IterationMessage&) { end_in_place_line(); });
}

std::string ConsoleLogger::line(const IterationMessage& m) {
  std::string text = m.to_console_string();
  if (!m.is_training()) return text;
  const auto now = std::chrono::steady_clock::now();
  if (!first_finished_) {
    first_finished_ = now;  // the first iteration pays for start-up: speed is measured after it
    return text;
  }
  ++iterations_since_first_;
  const double elapsed = std::chrono::duration<double>(now - *first_finished_).count();
  if (elapsed <= 0) return text;
  const double rate = static_cast<double>(iterations_since_first_) / elapsed;
  const double left = static_cast<double>(final_iter_ - m.current_iter()) / rate;
  return text + fmt::format(" [{:.2f} it/s, ETA {}]", rate, format_eta(left));
}

void ConsoleLogger::on_iteration(const IterationMessage& m) {
  const std::string text = line(m);
  if (in_place_ && m.is_training() && !m.should_stop) {
    fmt::print(out_, "\r\033[K{}", text);
    line_open_ = true;
  } else {
    end_in_place_line();
    fmt::print(out_, "{}\n", text);
  }
  std::fflush(out_);
  (void)initial_iter_;
}

void ConsoleLogger::end_in_place_line() {
  if (!line_open_) return;
  fmt::print(out_, "\n");
  std::fflush(out_);
  line_open_ = false;
}

}  // namespace voxtrain
