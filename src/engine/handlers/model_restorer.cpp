// model_restorer.cpp — the checkpoint a run starts from, given to the application.
#include "voxtrain/engine/handlers/model_restorer.hpp"

#include "voxtrain/io/checkpoint/checkpoint.hpp"

namespace voxtrain {

ModelRestorer::ModelRestorer(Application& application, std::string checkpoint_path)
    : application_(application), checkpoint_path_(std::move(checkpoint_path)) {}

void ModelRestorer::connect(EngineSignals& signals) {
  listen(signals.session_started, [this] {
    if (checkpoint_path_.empty()) {
      application_.start_without_checkpoint();
      return;
    }
    application_.restore_checkpoint(read_checkpoint(checkpoint_path_), checkpoint_path_);
  });
}

}  // namespace voxtrain
