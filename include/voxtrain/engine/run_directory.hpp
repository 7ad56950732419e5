// run_directory.hpp — a run's model_dir knows its config: the first run stores it, a re-run with
// the same config resumes from the latest checkpoint, a different config is refused by name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace voxtrain {

class RunConfig;

struct TrainingStart {
  std::string model_dir;
  std::int64_t initial_iter = 0;  // 0: from scratch; else the checkpoint training resumes after
  bool resumed_automatically = false;
};

// For `voxtrain train`: creates model_dir (Error naming it when it cannot be created or written),
// then compares the config stored there (model_dir/run_config.ini) with this one. A difference in
// a key that changes training is refused, naming the keys and both values, unless new_run; then
// (and for a first run) the config is stored and training starts from scratch, earlier
// checkpoints and logs moved to model_dir/previous_runs/<time>/. starting_iter: -1 latest, n that
// checkpoint, 0 the latest when the stored config matches (auto-resume), else scratch.
TrainingStart prepare_training_run(const RunConfig& config, bool new_run);

// For `voxtrain infer`: the checkpoint file of [INFERENCE] inference_iter (-1: latest), or with
// use_best_checkpoint the one in models/best/. No checkpoint is an Error naming the directory and
// what to do.
std::string inference_checkpoint(const RunConfig& config);

// model_dir/models/best: the best checkpoint by [TRAINING] best_metric.
std::string best_models_dir(const std::string& model_dir);

// model_dir/models and model_dir/run_config.ini.
std::string models_dir(const std::string& model_dir);
std::string stored_config_path(const std::string& model_dir);

}  // namespace voxtrain
