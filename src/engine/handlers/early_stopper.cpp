// early_stopper.cpp — a rolling history of validation losses and NiftyNet's stopping rules.
#include "voxtrain/engine/handlers/early_stopper.hpp"

#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"

namespace voxtrain {

EarlyStopper::EarlyStopper(EarlyStoppingMode mode, std::int64_t patience, std::string value)
    : mode_(mode), patience_(static_cast<std::size_t>(patience)), value_(std::move(value)) {
  if (patience < 1) throw error("[TRAINING] patience = {}: early stopping needs at least 1 (e.g. 100)", patience);
}

void EarlyStopper::connect(EngineSignals& signals) {
  listen(signals.iteration_finished, [this](IterationMessage& m) { on_iteration(m); });
}

void EarlyStopper::on_iteration(IterationMessage& m) {
  if (!m.is_validation()) return;
  for (const auto& [name, v] : m.console)
    if (name == value_) history_.push_back(v);
  while (history_.size() > patience_) history_.pop_front();
  if (history_.size() < patience_) return;
  const std::vector<double> values(history_.begin(), history_.end());
  if (check_should_stop(values, mode_)) {
    log_info("early_stopper: the last {} validation {} values no longer improve ({}); stopping", patience_, value_,
             early_stopping_mode_name(mode_));
    m.stop("early_stopper");
  }
}

}  // namespace voxtrain
