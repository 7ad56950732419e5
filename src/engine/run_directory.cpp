// run_directory.cpp — model_dir checks, the stored config and its comparison, auto-resume.
#include "voxtrain/engine/run_directory.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/data/inputs/dataset_config.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/io/checkpoint/checkpoint.hpp"
#include "voxtrain/io/config/ini_file.hpp"
#include "voxtrain/io/config/run_config.hpp"

namespace voxtrain {
namespace fs = std::filesystem;
namespace {

void require_writable_dir(const std::string& dir, const RunConfig& config) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw error("{}: model_dir {} cannot be created ({}): choose a directory you can write to",
                config.where("SYSTEM", "model_dir"), dir, ec ? ec.message() : "not a directory");
  const std::string probe = dir + "/.voxtrain_write_test";
  {
    std::ofstream out(probe);
    if (!out) throw error("{}: model_dir {} is not writable: choose a directory you can write to",
                          config.where("SYSTEM", "model_dir"), dir);
  }
  fs::remove(probe, ec);
}

void write_text_atomically(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp);
    out << text;
    if (!out) throw error("cannot write {}: check that model_dir is writable", temp);
  }
  fs::rename(temp, path);
}

// Moves models/ and logs/ of an earlier run aside (never deletes them).
void archive_previous_run(const std::string& model_dir) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::gmtime(&now));
  const fs::path target = fs::path(model_dir) / "previous_runs" / stamp;
  for (const char* part : {"models", "logs", "run_config.ini"}) {
    const fs::path from = fs::path(model_dir) / part;
    if (!fs::exists(from)) continue;
    fs::create_directories(target);
    fs::rename(from, target / part);
  }
  if (fs::exists(target)) log_info("the earlier run in {} was moved to {}", model_dir, target.string());
}

}  // namespace

std::string models_dir(const std::string& model_dir) { return model_dir + "/models"; }
std::string best_models_dir(const std::string& model_dir) { return models_dir(model_dir) + "/best"; }
std::string stored_config_path(const std::string& model_dir) { return model_dir + "/run_config.ini"; }

TrainingStart prepare_training_run(const RunConfig& config, bool new_run) {
  TrainingStart start;
  start.model_dir = model_dir(config.ini());
  require_writable_dir(start.model_dir, config);
  const std::string stored = stored_config_path(start.model_dir);
  const CheckpointDirectory checkpoints(models_dir(start.model_dir));
  bool same_run = false;
  if (fs::exists(stored) && !new_run) {
    const RunConfig before = RunConfig::load(stored);
    check_config_unchanged(before.effective_settings(), config.effective_settings(), start.model_dir);
    same_run = true;
  } else if (new_run || !checkpoints.iterations().empty()) {
    archive_previous_run(start.model_dir);
  }
  const std::int64_t starting_iter = config.get_int("TRAINING", "starting_iter");
  if (starting_iter != 0 || same_run) {
    const std::optional<std::int64_t> latest = checkpoints.latest();
    if (starting_iter == -1 && !latest)
      throw error("{}: starting_iter = -1 (latest) but {} holds no checkpoint: train from scratch with starting_iter = 0",
                  config.where("TRAINING", "starting_iter"), models_dir(start.model_dir));
    if (starting_iter > 0) {
      checkpoints.resolve(starting_iter, "starting_iter");  // throws, listing what exists
      start.initial_iter = starting_iter;
    } else if (latest) {
      start.initial_iter = *latest;
      start.resumed_automatically = starting_iter == 0;
    }
  }
  write_text_atomically(stored, config.text());
  return start;
}

std::string inference_checkpoint(const RunConfig& config) {
  const std::string dir = model_dir(config.ini());
  if (config.get_bool("INFERENCE", "use_best_checkpoint")) {
    const CheckpointDirectory best(best_models_dir(dir));
    const std::optional<std::int64_t> kept = best.latest();
    if (!kept)
      throw error("{}: use_best_checkpoint = True but {} holds no best checkpoint: train with [TRAINING] best_metric "
                  "and volume_validation_every_n set, or set use_best_checkpoint = False",
                  config.where("INFERENCE", "use_best_checkpoint"), best.models_dir());
    return best.path_for(*kept);
  }
  const CheckpointDirectory checkpoints(models_dir(dir));
  const std::int64_t wanted = config.get_int("INFERENCE", "inference_iter");
  if (wanted >= 0) return checkpoints.resolve_required(wanted, "inference_iter");
  const std::optional<std::int64_t> latest = checkpoints.latest();
  if (!latest)
    throw error("inference needs a trained model but {} holds no checkpoint: run 'voxtrain train -c {}' first, or "
                "set [SYSTEM] model_dir to a trained run",
                models_dir(dir), config.ini().path());
  return checkpoints.path_for(*latest);
}

}  // namespace voxtrain
