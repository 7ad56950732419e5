// model_saver.cpp — checkpoints at save_every_n and at the end of the session, with rotation, and
// the best checkpoint by a volume-level validation value.
#include "voxtrain/engine/handlers/model_saver.hpp"

#include <algorithm>

#include "voxtrain/core/build_info.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/io/checkpoint/checkpoint.hpp"

namespace voxtrain {

ModelSaver::ModelSaver(Application& application, ModelSaverSettings settings)
    : application_(application),
      settings_(std::move(settings)),
      last_saved_(settings_.initial_iter > 0 || settings_.final_iter != 0 ? settings_.initial_iter : -1) {
  if (settings_.best_metric) best_.emplace(settings_.best_dir, *settings_.best_metric);
}

void ModelSaver::connect(EngineSignals& signals) {
  listen(signals.iteration_finished, [this](IterationMessage& m) {
    if (m.is_training() && m.completed && settings_.save_every_n > 0 && m.current_iter() % settings_.save_every_n == 0)
      save(m.current_iter());
    if (m.is_volume_validation() && best_) consider_best(m);
  });
  // NiftyNet saves in its `finally`: the last completed iteration, whatever ended the run.
  listen(signals.session_finished, [this](IterationMessage& m) {
    // max_iter = 0 saves the initial weights (with any restore_scopes) as iteration 0.
    if (m.is_training() && (m.current_iter() > 0 || settings_.final_iter == 0)) save(m.current_iter());
  });
}

CheckpointData ModelSaver::checkpoint_of(std::int64_t iteration) const {
  CheckpointData data;
  data.iteration = iteration;
  application_.save_checkpoint(data);
  data.iteration = iteration;
  data.config_text = settings_.config_text;
  data.world_size = settings_.world_size;
  const BuildInfo build = build_info();
  data.voxtrain_version = build.version + " (" + build.git_commit + ")";
  return data;
}

void ModelSaver::save(std::int64_t iteration) {
  if (iteration == last_saved_) return;
  CheckpointDirectory directory(settings_.models_dir);
  directory.save(checkpoint_of(iteration), settings_.max_checkpoints);
  last_saved_ = iteration;
  log_info("iteration {} saved: {}", iteration, directory.path_for(iteration));
}

void ModelSaver::consider_best(const IterationMessage& m) {
  const std::string& name = best_->metric().name;
  const auto found = std::find_if(m.console.begin(), m.console.end(), [&](const auto& v) { return v.first == name; });
  if (found == m.console.end())
    throw InternalError("best_metric " + name + " is not among the volume_validation values");
  const double value = found->second;
  if (!best_->improves(value)) return;
  const std::optional<double> before = best_->best();
  const std::string path = best_->save(checkpoint_of(m.current_iter()), value);
  log_info("iteration {}: best {} = {} (before: {}); saved {}", m.current_iter(), name, format_console_value(value),
           before ? format_console_value(*before) : std::string("none"), path);
}

}  // namespace voxtrain
