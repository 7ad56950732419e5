// run_application.hpp — the work of `voxtrain train` and `voxtrain infer`: the config read and
// checked, the run directory prepared, the application, collectors, handlers and driver built and run.
#pragma once

#include <string>
#include <vector>

#include "voxtrain/engine/application_driver.hpp"
#include "voxtrain/io/config/run_config.hpp"

namespace voxtrain {

struct RunOptions {
  std::string config;                      // -c config.ini
  std::vector<ConfigOverride> overrides;   // --key value
  bool new_run = false;                    // train: start a new run in a model_dir holding another
};

// Registers the built-in applications (SEGMENTATION).
void register_builtin_applications();

// Runs the engine for `action`; warnings about the config are logged first. Errors a user can
// cause throw Error; a run stopped by SIGINT/SIGTERM returns normally with interrupted_by set.
RunSummary run_application(Action action, const RunOptions& options);

}  // namespace voxtrain
