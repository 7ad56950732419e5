// application_driver.cpp — the run: initialise, signals around the loop, and a shutdown that
// always emits session_finished (so the model is saved) before rethrowing an error.
#include "voxtrain/engine/application_driver.hpp"

#include <atomic>
#include <csignal>
#include <exception>

#include "voxtrain/core/error.hpp"
#include "voxtrain/engine/handler_registry.hpp"

namespace voxtrain {
namespace {

std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int sig) {
  if (sig == SIGINT && g_stop_signal.load() == SIGINT) {
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C: stop now
    std::raise(SIGINT);
    return;
  }
  g_stop_signal.store(sig);
}

// Installs the stop-signal handlers for the life of a run and puts the old ones back.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal.store(0);
    old_int_ = std::signal(SIGINT, on_stop_signal);
    old_term_ = std::signal(SIGTERM, on_stop_signal);
  }
  ~StopSignals() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  void (*old_int_)(int) = SIG_DFL;
  void (*old_term_)(int) = SIG_DFL;
};

}  // namespace

int pending_stop_signal() { return g_stop_signal.load(); }

ApplicationDriver::ApplicationDriver(std::unique_ptr<Application> application, EngineContext& context,
                                     IterationPlan plan)
    : application_(std::move(application)), context_(context), plan_(plan) {
  if (!application_) throw InternalError("ApplicationDriver without an application");
  context_.application = application_.get();
}

ApplicationDriver::~ApplicationDriver() { handlers_.clear(); }

void ApplicationDriver::add_handlers(const std::vector<std::string>& specs) {
  for (const std::string& spec : specs) add_handler(make_handler(spec, context_));
}

Handler& ApplicationDriver::add_handler(std::unique_ptr<Handler> handler) {
  handler->connect(signals_);
  handlers_.push_back(std::move(handler));
  return *handlers_.back();
}

void ApplicationDriver::loop(RunSummary& summary) {
  IterationGenerator generator(plan_);
  while (auto message = generator.next()) {
    if (const int sig = g_stop_signal.load(); sig != 0) {
      summary.interrupted_by = sig;
      summary.stop_reason = sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)";
      return;
    }
    IterationMessage& m = *message;
    signals_.iteration_started.emit(m);
    application_->run_iteration(m);
    m.finish_timing();
    signals_.iteration_finished.emit(m);
    ++summary.iterations;
    if (m.is_training() && m.completed) summary.last_training_iter = m.current_iter();
    if (m.should_stop) {
      summary.stop_reason = *m.should_stop;
      return;
    }
  }
}

RunSummary ApplicationDriver::run() {
  RunSummary summary;
  summary.last_training_iter = plan_.training ? plan_.initial_iter : 0;
  application_->initialise(context_);
  signals_.graph_created.emit();
  StopSignals stop_signals;
  std::exception_ptr failure;
  try {
    signals_.session_started.emit();
    loop(summary);
    if (plan_.training && !summary.interrupted_by) {
      IterationMessage last(summary.last_training_iter, IterationPhase::Training);
      if (summary.stop_reason) last.should_stop = summary.stop_reason;
      signals_.post_training.emit(last);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  IterationMessage finished(summary.last_training_iter,
                            plan_.training ? IterationPhase::Training : IterationPhase::Inference);
  if (summary.stop_reason) finished.should_stop = summary.stop_reason;
  try {
    signals_.session_finished.emit(finished);
  } catch (...) {
    if (!failure) failure = std::current_exception();
  }
  if (failure) std::rethrow_exception(failure);
  return summary;
}

}  // namespace voxtrain
