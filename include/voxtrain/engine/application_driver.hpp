// application_driver.hpp — NiftyNet's ApplicationDriver: builds the application and the event
// handlers, emits the signals around the iteration loop, and shuts down cleanly on errors and Ctrl-C.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/engine/application.hpp"
#include "voxtrain/engine/engine_context.hpp"
#include "voxtrain/engine/engine_signals.hpp"
#include "voxtrain/engine/handler.hpp"
#include "voxtrain/engine/iteration_generator.hpp"

namespace voxtrain {

struct RunSummary {
  std::int64_t last_training_iter = 0;     // the last training iteration that completed
  std::int64_t iterations = 0;             // iterations run (all phases)
  std::optional<std::string> stop_reason;  // why the loop ended early (should_stop), if it did
  int interrupted_by = 0;                  // SIGINT or SIGTERM when a signal ended the run
};

class ApplicationDriver {
 public:
  // The context must outlive the driver; context.application is set to `application`.
  ApplicationDriver(std::unique_ptr<Application> application, EngineContext& context, IterationPlan plan);
  ~ApplicationDriver();

  EngineSignals& signals() { return signals_; }
  Application& application() { return *application_; }

  // Builds each handler of [SYSTEM] event_handler (built-in names or plugin specs) and connects it.
  void add_handlers(const std::vector<std::string>& specs);
  // Connects a handler the caller made; the driver keeps it until it is destroyed.
  Handler& add_handler(std::unique_ptr<Handler> handler);

  // initialise -> graph_created -> session_started -> iterations (iteration_started, run,
  // iteration_finished) -> post_training (training that ended without error) -> session_finished.
  // session_finished fires in every case (error, Ctrl-C, SIGTERM), so the model is saved as
  // NiftyNet does; the error is then rethrown. SIGINT/SIGTERM during the loop stop it after the
  // current iteration (a second SIGINT kills the process).
  RunSummary run();

 private:
  void loop(RunSummary& summary);

  EngineSignals signals_;  // declared before handlers_: handlers disconnect on destruction
  std::unique_ptr<Application> application_;
  EngineContext& context_;
  IterationPlan plan_;
  std::vector<std::unique_ptr<Handler>> handlers_;
};

// Set when SIGINT or SIGTERM arrived during ApplicationDriver::run (0: none); tests may raise it.
int pending_stop_signal();

}  // namespace voxtrain
