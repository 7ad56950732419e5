// model_restorer.cpp — the checkpoint of the run's starting iteration, given to the application.
#include "voxtrain/engine/handlers/model_restorer.hpp"

#include "voxtrain/io/checkpoint.hpp"

namespace voxtrain {

ModelRestorer::ModelRestorer(Application& application, std::string models_dir, std::int64_t iteration)
    : application_(application), models_dir_(std::move(models_dir)), iteration_(iteration) {}

void ModelRestorer::connect(EngineSignals& signals) {
  listen(signals.session_started, [this] {
    if (iteration_ <= 0) return;
    const std::string path = CheckpointDirectory(models_dir_).path_for(iteration_);
    application_.restore_checkpoint(read_checkpoint(path), path);
  });
}

}  // namespace voxtrain
