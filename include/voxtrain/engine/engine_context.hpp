// engine_context.hpp — what handlers and applications are built with: the action, the config,
// the run directory, the communicator and the collectors (NiftyNet's "engine properties").
#pragma once

#include <string>
#include <string_view>

namespace voxtrain {

class Application;
class Communicator;
class OutputsCollector;
class RunConfig;

// The voxtrain subcommand that runs the engine (NiftyNet's action).
enum class Action { Train, Infer };

std::string_view action_name(Action action);  // "train", "infer"

struct EngineContext {
  Action action = Action::Train;
  const RunConfig* config = nullptr;       // null only in engine tests
  std::string model_dir;                   // [SYSTEM] model_dir, resolved
  Communicator* communicator = nullptr;    // this rank and the others
  OutputsCollector* outputs = nullptr;     // CONSOLE, SUMMARY and NETWORK_OUTPUT values
  Application* application = nullptr;      // set by the driver before handlers are made
  std::int64_t initial_iter = 0;           // the iteration training resumes after (0: none)
  std::int64_t final_iter = 0;             // [TRAINING] max_iter
  std::string restore_path;                // the checkpoint the model_restorer loads (empty: none)

  int rank = 0;                            // this process's rank (communicator->rank())
  int world_size = 1;                      // ranks in the run

  bool is_root() const { return rank == 0; }
};

}  // namespace voxtrain
