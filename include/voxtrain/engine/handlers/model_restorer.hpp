// model_restorer.hpp — when the session starts, restores the network (and the optimizer when
// resuming) from the checkpoint of a given iteration; iteration 0 keeps the random initialisation.
#pragma once

#include <cstdint>
#include <string>

#include "voxtrain/engine/application.hpp"
#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

class ModelRestorer final : public Handler {
 public:
  // iteration: the resolved starting_iter (training) or inference_iter (> 0), 0 for none.
  ModelRestorer(Application& application, std::string models_dir, std::int64_t iteration);
  void connect(EngineSignals& signals) override;

 private:
  Application& application_;
  std::string models_dir_;
  std::int64_t iteration_;
};

}  // namespace voxtrain
