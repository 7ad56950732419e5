// run_application.cpp — config, run directory, application, communicator, collectors, handlers
// and driver for one `voxtrain train` or `voxtrain infer`.
#include "voxtrain/apps/run_application.hpp"

#include <algorithm>
#include <filesystem>

#include "voxtrain/apps/segmentation/segmentation_application.hpp"
#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/data/inputs/dataset_config.hpp"
#include "voxtrain/engine/collectors/outputs_collector.hpp"
#include "voxtrain/engine/run_directory.hpp"
#include "voxtrain/io/checkpoint/checkpoint.hpp"

namespace voxtrain {

void register_builtin_applications() {
  static const bool done = [] {
    register_segmentation_application();
    return true;
  }();
  (void)done;
}

RunSummary run_application(Action action, const RunOptions& options) {
  register_builtin_applications();
  const RunConfig config = RunConfig::load(options.config, options.overrides);
  for (const std::string& warning : config.warnings()) log_warning("{}", warning);

  SingleProcessCommunicator communicator;
  OutputsCollector outputs(1);
  EngineContext context;
  context.action = action;
  context.config = &config;
  context.communicator = &communicator;
  context.outputs = &outputs;
  context.rank = communicator.rank();
  context.world_size = communicator.size();

  IterationPlan plan;
  if (action == Action::Train) {
    const TrainingStart start = prepare_training_run(config, options.new_run);
    context.model_dir = start.model_dir;
    context.initial_iter = start.initial_iter;
    // Iteration 0 exists only when a run with max_iter = 0 saved its (seeded) initial weights.
    const std::string start_file = CheckpointDirectory(models_dir(start.model_dir)).path_for(start.initial_iter);
    if (start.initial_iter > 0 || std::filesystem::exists(start_file)) context.restore_path = start_file;
    context.final_iter = config.get_int("TRAINING", "max_iter");
    if (start.resumed_automatically)
      log_info("resuming the run in {} after iteration {} (its config is unchanged; --new-run starts over)",
               start.model_dir, start.initial_iter);
    plan = IterationPlan{.training = true, .initial_iter = context.initial_iter, .final_iter = context.final_iter,
                         .validation_every_n = config.get_int("TRAINING", "validation_every_n"),
                         .validation_max_iter = config.get_int("TRAINING", "validation_max_iter"),
                         .volume_validation_every_n = config.get_int("TRAINING", "volume_validation_every_n")};
  } else {
    context.model_dir = model_dir(config.ini());
    context.restore_path = inference_checkpoint(config);
    plan = IterationPlan{.training = false};
  }

  const std::vector<std::string> handlers = config.get_strings("SYSTEM", "event_handler");
  if (action == Action::Train && !config.get_string("TRAINING", "best_metric").empty() &&
      std::find(handlers.begin(), handlers.end(), "model_saver") == handlers.end())
    throw error("{} is set but [SYSTEM] event_handler has no model_saver to keep the best checkpoint: add "
                "model_saver to the list or remove best_metric",
                config.where("TRAINING", "best_metric"));
  ApplicationDriver driver(make_application(config.application_section()), context, plan);
  driver.add_handlers(handlers);
  return driver.run();
}

}  // namespace voxtrain
