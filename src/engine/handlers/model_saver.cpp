// model_saver.cpp — checkpoints at save_every_n and at the end of the session, with rotation.
#include "voxtrain/engine/handlers/model_saver.hpp"

#include "voxtrain/core/build_info.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/io/checkpoint.hpp"

namespace voxtrain {

ModelSaver::ModelSaver(Application& application, ModelSaverSettings settings)
    : application_(application), settings_(std::move(settings)), last_saved_(settings_.initial_iter) {}

void ModelSaver::connect(EngineSignals& signals) {
  listen(signals.iteration_finished, [this](IterationMessage& m) {
    if (m.is_training() && m.completed && settings_.save_every_n > 0 && m.current_iter() % settings_.save_every_n == 0)
      save(m.current_iter());
  });
  // NiftyNet saves in its `finally`: the last completed iteration, whatever ended the run.
  listen(signals.session_finished, [this](IterationMessage& m) {
    if (m.is_training() && m.current_iter() > 0) save(m.current_iter());
  });
}

void ModelSaver::save(std::int64_t iteration) {
  if (iteration == last_saved_) return;
  CheckpointData data;
  data.iteration = iteration;
  application_.save_checkpoint(data);
  data.iteration = iteration;
  data.config_text = settings_.config_text;
  data.world_size = settings_.world_size;
  const BuildInfo build = build_info();
  data.voxtrain_version = build.version + " (" + build.git_commit + ")";
  CheckpointDirectory directory(settings_.models_dir);
  directory.save(data, settings_.max_checkpoints);
  last_saved_ = iteration;
  log_info("iteration {} saved: {}", iteration, directory.path_for(iteration));
}

}  // namespace voxtrain
