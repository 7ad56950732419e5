// model_saver.hpp — rank 0 writes a checkpoint every save_every_n training iterations and when the
// session finishes (also after an error or Ctrl-C), keeping at most max_checkpoints files.
#pragma once

#include <cstdint>
#include <string>

#include "voxtrain/engine/application.hpp"
#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

struct ModelSaverSettings {
  std::string models_dir;            // model_dir/models
  std::int64_t save_every_n = 500;   // <= 0: only at the end
  std::int64_t max_checkpoints = 100;
  std::string config_text;           // the effective config, stored in every checkpoint
  std::int64_t world_size = 1;
  std::int64_t initial_iter = 0;     // the checkpoint the run resumed from: not written again
};

class ModelSaver final : public Handler {
 public:
  ModelSaver(Application& application, ModelSaverSettings settings);
  void connect(EngineSignals& signals) override;
  // Writes the checkpoint of `iteration` unless it was just written (exposed for tests).
  void save(std::int64_t iteration);

 private:
  Application& application_;
  ModelSaverSettings settings_;
  std::int64_t last_saved_ = -1;
};

}  // namespace voxtrain
