// test_early_stopper_handler.cpp — the early_stopper handler keeps the last `patience`
// validation losses and stops exactly when NiftyNet's rule (reference vectors) says so.
#include <catch2/catch.hpp>

#include <vector>

#include "voxtrain/engine/handlers/early_stopper.hpp"

using namespace voxtrain;

namespace {

// Feeds validation losses one per validation iteration; returns the 1-based round that stopped (0: none).
int stopping_round(EarlyStoppingMode mode, int patience, const std::vector<double>& losses) {
  EngineSignals signals;
  EarlyStopper stopper(mode, patience);
  stopper.connect(signals);
  for (std::size_t i = 0; i < losses.size(); ++i) {
    IterationMessage training(static_cast<std::int64_t>(i + 1), IterationPhase::Training);
    training.console = {{"loss", 1e9}};  // training losses are not judged
    signals.iteration_finished.emit(training);
    if (training.should_stop) return -1;
    IterationMessage m(static_cast<std::int64_t>(i + 1), IterationPhase::Validation);
    m.console = {{"loss", losses[i]}, {"patch_dice_1", 0.5}};
    signals.iteration_finished.emit(m);
    if (m.should_stop) {
      CHECK(*m.should_stop == "early_stopper");
      return static_cast<int>(i + 1);
    }
  }
  return 0;
}

}  // namespace

TEST_CASE("early_stopper judges the last `patience` validation losses with NiftyNet's rules", "[engine]") {
  // Reference 5.4: mean [1,2,1,2,1,2,1,2,3] -> stop; [..., 3, 0] -> no stop. With patience 9 the
  // history is full at the 9th validation round: it stops there, not before.
  CHECK(stopping_round(EarlyStoppingMode::Mean, 9, {1, 2, 1, 2, 1, 2, 1, 2, 3}) == 9);
  CHECK(stopping_round(EarlyStoppingMode::Mean, 10, {1, 2, 1, 2, 1, 2, 1, 2, 3, 0}) == 0);
  CHECK(stopping_round(EarlyStoppingMode::Median, 9, {1, 2, 1, 2, 1, 2, 1, 2, 3}) == 9);
  // Only validation losses count, and nothing is judged before `patience` of them are in.
  CHECK(stopping_round(EarlyStoppingMode::Mean, 10, {1, 2, 1, 2, 1, 2, 1, 2, 3}) == 0);
  CHECK_THROWS_WITH(EarlyStopper(EarlyStoppingMode::Mean, 0), Catch::Contains("patience = 0"));
}
