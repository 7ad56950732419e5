// performance_logger.hpp — where each iteration's time goes (data wait, forward, backward,
// communication, optimizer): one CSV line per iteration and a summary at the end of the session.
#pragma once

#include <cstdio>
#include <string>

#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

class PerformanceLogger final : public Handler {
 public:
  // csv_path: the per-iteration CSV (created with its parents; appended to when it exists, so a
  // resumed run continues it); empty: summary only.
  explicit PerformanceLogger(std::string csv_path);
  ~PerformanceLogger() override;
  void connect(EngineSignals& signals) override;

  // Mean seconds per training iteration so far, by part, as one line for the log.
  std::string summary() const;

 private:
  void on_iteration(const IterationMessage& message);

  std::string csv_path_;
  std::FILE* csv_ = nullptr;
  IterationTiming sum_;
  double total_ = 0;
  std::int64_t count_ = 0;
};

}  // namespace voxtrain
