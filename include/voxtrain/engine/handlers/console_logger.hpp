// console_logger.hpp — rank 0's iteration lines: phase, iteration, loss and metrics, iterations
// per second and the time left; a bar redrawn in place on a terminal, plain lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

class ConsoleLogger final : public Handler {
 public:
  // final_iter: the last training iteration (for the ETA); out: where lines go (stderr).
  ConsoleLogger(std::int64_t initial_iter, std::int64_t final_iter, std::FILE* out = stderr);
  ConsoleLogger(std::int64_t initial_iter, std::int64_t final_iter, std::FILE* out, bool in_place);
  ~ConsoleLogger() override;
  void connect(EngineSignals& signals) override;

  // The line for a finished iteration (exposed for tests): NiftyNet's console string, then the
  // speed and the time left for training: "training iter 5, loss=0.5 (0.250000s) [4.00 it/s, ETA 0:00:24]".
  std::string line(const IterationMessage& message);

 private:
  void on_iteration(const IterationMessage& message);
  void end_in_place_line();

  std::int64_t initial_iter_;
  std::int64_t final_iter_;
  std::FILE* out_;
  bool in_place_;
  bool line_open_ = false;
  std::optional<std::chrono::steady_clock::time_point> first_finished_;
  std::int64_t iterations_since_first_ = 0;
};

// "0:00:24", "1:02:03": h:mm:ss for an ETA.
std::string format_eta(double seconds);

}  // namespace voxtrain
