// model_restorer.hpp — when the session starts, restores the network (and the optimizer when
// resuming) from one checkpoint file; without one, the application may seed scopes of it.
#pragma once

#include <string>

#include "voxtrain/engine/application.hpp"
#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

class ModelRestorer final : public Handler {
 public:
  // checkpoint_path: the resolved starting_iter (training) or inference checkpoint; empty for none.
  ModelRestorer(Application& application, std::string checkpoint_path);
  void connect(EngineSignals& signals) override;

 private:
  Application& application_;
  std::string checkpoint_path_;
};

}  // namespace voxtrain
