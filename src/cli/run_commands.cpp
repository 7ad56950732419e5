// run_commands.cpp — `voxtrain train` / `voxtrain infer`: arguments, usage, and the exit code of
// a run (0 done or stopped early, 128+signal when SIGINT or SIGTERM ended it).
#include "cli/run_commands.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "cli/config_arguments.hpp"
#include "voxtrain/apps/run_application.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"

namespace voxtrain {
namespace {

constexpr const char* kTrainUsage = R"(Usage: voxtrain train -c CONFIG [--new-run] [--KEY VALUE ...]

Trains the application of a NiftyNet-style config (e.g. [SEGMENTATION]) from [TRAINING]
starting_iter to max_iter, saving checkpoints in [SYSTEM] model_dir/models.

  -c, --config CONFIG   the INI file (voxtrain config --list shows every key)
  --new-run             model_dir holds a run with another config: start a new one there
                        (the old checkpoints and logs move to model_dir/previous_runs/)
  --KEY VALUE           override a key of [SYSTEM], [NETWORK], [TRAINING], [INFERENCE],
                        [EVALUATION] or the application section, e.g. --max_iter 100
                        (--SECTION.KEY VALUE when a key is in several sections)

Re-running the same command resumes from the latest checkpoint. Ctrl-C (or SLURM's SIGTERM)
stops after the current iteration and saves the model.
Exit status: 0 done (also when an early stopper ended it), 1 a problem with the config or data
(one line on stderr), or a non-finite step with [TRAINING] nonfinite = stop, 2 an internal
error, 130/143 stopped by SIGINT/SIGTERM.
)";

constexpr const char* kInferUsage = R"(Usage: voxtrain infer -c CONFIG [--KEY VALUE ...]

Segments the inference subjects of a config (see [INFERENCE] dataset_to_infer) with the
checkpoint of [INFERENCE] inference_iter (-1: the latest) and writes NIfTI files to
[INFERENCE] save_seg_dir (relative to model_dir).

  -c, --config CONFIG   the INI file
  --KEY VALUE           override a non-input key, e.g. --inference_iter 500
Exit status: 0 done, 1 a problem with the config, data or checkpoint, 2 an internal error.
)";

struct Parsed {
  bool help = false;
  RunOptions options;
};

Parsed parse_run_args(const char* command, const std::vector<std::string>& args, bool train) {
  const ConfigArguments a = split_config_arguments(command, args, train ? std::set<std::string>{"--new-run"}
                                                                        : std::set<std::string>{});
  Parsed p{.help = a.help, .options = {}};
  if (p.help) return p;
  p.options.config = a.config;
  p.options.new_run = a.switches.contains("--new-run");
  p.options.overrides = config_overrides(a);
  return p;
}

int exit_status(const RunSummary& summary) { return summary.interrupted_by ? 128 + summary.interrupted_by : 0; }

int run(const char* command, const char* usage, Action action, const std::vector<std::string>& args) {
  const Parsed p = parse_run_args(command, args, action == Action::Train);
  if (p.help) {
    std::fputs(usage, stdout);
    return 0;
  }
  const RunSummary summary = run_application(action, p.options);
  if (summary.stop_reason && summary.stop_reason->starts_with("non-finite"))
    throw error("training stopped after iteration {}: {} ({}; the log above names the file that reproduces it; "
                "[TRAINING] nonfinite = skip skips such steps instead)",
                summary.last_training_iter, *summary.stop_reason,
                summary.last_training_iter > 0 ? fmt::format("the model of iteration {} is saved", summary.last_training_iter)
                                               : std::string("no model was saved"));
  if (summary.stop_reason && action == Action::Train) log_info("training stopped: {}", *summary.stop_reason);
  return exit_status(summary);
}

}  // namespace

int run_train_command(const std::vector<std::string>& args) { return run("train", kTrainUsage, Action::Train, args); }
int run_infer_command(const std::vector<std::string>& args) { return run("infer", kInferUsage, Action::Infer, args); }

}  // namespace voxtrain
