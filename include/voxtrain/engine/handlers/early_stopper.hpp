// early_stopper.hpp — stops training when the validation loss stops improving (NiftyNet's
// early_stopper): the last `patience` validation losses judged by [TRAINING] early_stopping_mode.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "voxtrain/engine/early_stopping.hpp"
#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

class EarlyStopper final : public Handler {
 public:
  // value: the console value judged (the validation "loss"); patience >= 1.
  EarlyStopper(EarlyStoppingMode mode, std::int64_t patience, std::string value = "loss");
  void connect(EngineSignals& signals) override;
  const std::deque<double>& history() const { return history_; }

 private:
  void on_iteration(IterationMessage& message);

  EarlyStoppingMode mode_;
  std::size_t patience_;
  std::string value_;
  std::deque<double> history_;
};

}  // namespace voxtrain
