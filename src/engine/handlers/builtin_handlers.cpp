// builtin_handlers.cpp — the names of the built-in event handlers and how each is built from the
// engine context (called once, before the first handler lookup).
#include <memory>
#include <optional>

#include "voxtrain/core/error.hpp"
#include "voxtrain/engine/handler_registry.hpp"
#include "voxtrain/engine/handlers/basic_handlers.hpp"
#include "voxtrain/engine/handlers/console_logger.hpp"
#include "voxtrain/engine/handlers/csv_logger.hpp"
#include "voxtrain/engine/handlers/early_stopper.hpp"
#include "voxtrain/engine/handlers/model_restorer.hpp"
#include "voxtrain/engine/handlers/model_saver.hpp"
#include "voxtrain/engine/handlers/performance_logger.hpp"
#include "voxtrain/engine/handlers/tensorboard_logger.hpp"
#include "voxtrain/engine/run_directory.hpp"
#include "voxtrain/io/config/run_config.hpp"
#include "voxtrain/metrics/metric_level.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"

namespace voxtrain {
namespace {

// A handler that only rank 0 runs: other ranks get one that connects to nothing.
class Inactive final : public Handler {
 public:
  void connect(EngineSignals&) override {}
};

Application& application_of(EngineContext& c) {
  if (c.application == nullptr) throw InternalError("a handler was made before the application");
  return *c.application;
}

std::string logs_dir(const EngineContext& c) { return c.model_dir + "/logs"; }

const RunConfig& config_of(const EngineContext& c) {
  if (c.config == nullptr) throw InternalError("a handler that reads the config was made without one");
  return *c.config;
}

// [TRAINING] best_metric ("volume_dice") with its direction; nullopt when it is not set.
std::optional<BestMetric> best_metric_of(const RunConfig& config) {
  const std::string name = config.get_string("TRAINING", "best_metric");
  if (name.empty()) return std::nullopt;
  const std::optional<bool> higher = metric_higher_is_better(volume_metric_base(name));
  if (!higher) throw InternalError("best_metric " + name + " has no direction");
  return BestMetric{.name = name, .higher_is_better = *higher};
}

}  // namespace

void register_builtin_handlers() {
  register_handler("apply_gradients", [](EngineContext&) { return std::make_unique<ApplyGradients>(); });
  register_handler("output_interpreter",
                   [](EngineContext& c) { return std::make_unique<OutputInterpreter>(application_of(c)); });
  register_handler("sampler_threading",
                   [](EngineContext& c) { return std::make_unique<SamplerThreading>(application_of(c)); });
  register_handler("console_logger", [](EngineContext& c) -> std::unique_ptr<Handler> {
    if (!c.is_root()) return std::make_unique<Inactive>();
    return std::make_unique<ConsoleLogger>(c.initial_iter, c.final_iter);
  });
  register_handler("performance_logger", [](EngineContext& c) -> std::unique_ptr<Handler> {
    if (!c.is_root()) return std::make_unique<Inactive>();
    return std::make_unique<PerformanceLogger>(c.model_dir.empty() ? "" : logs_dir(c) + "/performance.csv");
  });
  register_handler("model_saver", [](EngineContext& c) -> std::unique_ptr<Handler> {
    if (!c.is_root() || c.action != Action::Train) return std::make_unique<Inactive>();
    const RunConfig& config = config_of(c);
    ModelSaverSettings settings{.models_dir = models_dir(c.model_dir),
                                .save_every_n = config.get_int("TRAINING", "save_every_n"),
                                .max_checkpoints = config.get_int("TRAINING", "max_checkpoints"),
                                .config_text = config.text(),
                                .world_size = c.world_size,
                                .initial_iter = c.initial_iter,
                                .final_iter = c.final_iter,
                                .best_metric = best_metric_of(config),
                                .best_dir = best_models_dir(c.model_dir)};
    return std::make_unique<ModelSaver>(application_of(c), settings);
  });
  register_handler("model_restorer", [](EngineContext& c) -> std::unique_ptr<Handler> {
    return std::make_unique<ModelRestorer>(application_of(c), c.restore_path);
  });
  register_handler("tensorboard_logger", [](EngineContext& c) -> std::unique_ptr<Handler> {
    if (!c.is_root() || c.action != Action::Train || c.outputs == nullptr) return std::make_unique<Inactive>();
    return std::make_unique<TensorBoardLogger>(*c.outputs, logs_dir(c),
                                               config_of(c).get_int("TRAINING", "tensorboard_every_n"));
  });
  register_handler("early_stopper", [](EngineContext& c) -> std::unique_ptr<Handler> {
    const RunConfig& config = config_of(c);
    return std::make_unique<EarlyStopper>(
        parse_early_stopping_mode(config.get_string("TRAINING", "early_stopping_mode"),
                                  config.where("TRAINING", "early_stopping_mode")),
        config.get_int("TRAINING", "patience"));
  });
  register_handler("csv_logger", [](EngineContext& c) -> std::unique_ptr<Handler> {
    if (!c.is_root()) return std::make_unique<Inactive>();
    return std::make_unique<CsvLogger>(logs_dir(c));
  });
}

}  // namespace voxtrain
