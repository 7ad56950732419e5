// model_saver.hpp — rank 0 writes a checkpoint every save_every_n training iterations and when the
// session finishes (also after an error or Ctrl-C), keeping at most max_checkpoints files; with a
// best metric, also the best model by a volume-level validation value in models/best/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "voxtrain/engine/application.hpp"
#include "voxtrain/engine/handler.hpp"
#include "voxtrain/engine/handlers/best_checkpoint.hpp"

namespace voxtrain {

struct ModelSaverSettings {
  std::string models_dir;            // model_dir/models
  std::int64_t save_every_n = 500;   // <= 0: only at the end
  std::int64_t max_checkpoints = 100;
  std::string config_text;           // the effective config, stored in every checkpoint
  std::int64_t world_size = 1;
  std::int64_t initial_iter = 0;     // the checkpoint the run resumed from: not written again
  std::int64_t final_iter = -1;      // max_iter; 0: the initial weights are saved as iteration 0
  // [TRAINING] best_metric: after each volume_validation iteration whose value of it improves,
  // the model goes to best_dir. Only volume_validation values count, never patch-level ones.
  std::optional<BestMetric> best_metric;
  std::string best_dir;              // model_dir/models/best
};

class ModelSaver final : public Handler {
 public:
  ModelSaver(Application& application, ModelSaverSettings settings);
  void connect(EngineSignals& signals) override;
  // Writes the checkpoint of `iteration` unless it was just written (exposed for tests).
  void save(std::int64_t iteration);

 private:
  CheckpointData checkpoint_of(std::int64_t iteration) const;
  void consider_best(const IterationMessage& message);

  Application& application_;
  ModelSaverSettings settings_;
  std::int64_t last_saved_ = -1;
  std::optional<BestCheckpoint> best_;
};

}  // namespace voxtrain
