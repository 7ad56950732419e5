// progress_bar.hpp — progress of long command-line work on stderr: a bar redrawn in place on a
// terminal, one line per step (at most about 20 lines) in a log file such as a SLURM job's output.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace voxtrain {

class ProgressBar {
 public:
  // label: what is being done ("convert"); total: the number of steps (>= 1).
  ProgressBar(std::string label, std::int64_t total, std::FILE* out = stderr);
  ~ProgressBar();  // ends a bar drawn in place with a newline
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // One more step done; note names it (e.g. the subject id).
  void advance(std::string_view note = {});

  // The text shown after `done` of `total` steps taking `elapsed_s` seconds (exposed for tests):
  // "convert [#####.....] 5/10 sub-005 2.0 s, 2.0 s left".
  static std::string line(std::string_view label, std::int64_t done, std::int64_t total,
                          std::string_view note, double elapsed_s);

 private:
  std::string label_;
  std::int64_t total_;
  std::int64_t done_ = 0;
  std::int64_t last_printed_percent_ = -1;
  std::FILE* out_;
  bool in_place_;  // out is a terminal
  std::chrono::steady_clock::time_point start_;
};

}  // namespace voxtrain
