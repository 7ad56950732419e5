// test_application_driver.cpp — the driver's signal order (NiftyNet's interleaved validation),
// IterationMessage's fields and console line, handlers connecting and disconnecting, clean
// shutdown on errors and SIGINT, and the handler registry's errors.
#include <catch2/catch.hpp>

#include <csignal>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/engine/application_driver.hpp"
#include "voxtrain/engine/handler_registry.hpp"
#include "voxtrain/engine/handlers/basic_handlers.hpp"

using namespace voxtrain;

namespace {

// Records what the driver asks of it; optionally fails or raises a signal at one iteration.
class RecordingApp final : public Application {
 public:
  explicit RecordingApp(std::vector<std::string>& log) : log_(log) {}
  void initialise(EngineContext&) override { log_.push_back("initialise"); }
  void start_sampling() override { log_.push_back("start_sampling"); }
  void stop_sampling() override { log_.push_back("stop_sampling"); }
  void run_iteration(IterationMessage& m) override {
    log_.push_back(fmt::format("run {} {}{}", iteration_phase_name(m.phase()), m.current_iter(),
                               m.apply_gradients ? " +grad" : ""));
    if (m.current_iter() == fail_at && m.is_training()) throw Error("boom");
    if (m.current_iter() == signal_at && m.is_training()) std::raise(SIGINT);
    m.console.emplace_back("loss", 0.5);
  }
  bool interpret_output(IterationMessage& m) override { return !(m.is_inference() && m.current_iter() >= last_window); }
  void save_checkpoint(CheckpointData&) override {}
  void restore_checkpoint(const CheckpointData&, const std::string&) override {}

  std::int64_t fail_at = -1, signal_at = -1, last_window = 2;

 private:
  std::vector<std::string>& log_;
};

// Logs every signal with its message's phase and iteration.
class SignalRecorder final : public Handler {
 public:
  explicit SignalRecorder(std::vector<std::string>& log) : log_(log) {}
  void connect(EngineSignals& s) override {
    listen(s.graph_created, [this] { log_.push_back("graph_created"); });
    listen(s.session_started, [this] { log_.push_back("session_started"); });
    listen(s.iteration_started, [this](IterationMessage& m) { log_.push_back(entry("iteration_started", m)); });
    listen(s.iteration_finished, [this](IterationMessage& m) { log_.push_back(entry("iteration_finished", m)); });
    listen(s.post_training, [this](IterationMessage& m) { log_.push_back(entry("post_training", m)); });
    listen(s.session_finished, [this](IterationMessage& m) { log_.push_back(entry("session_finished", m)); });
  }

 private:
  static std::string entry(const char* name, const IterationMessage& m) {
    return fmt::format("{} {} {}", name, iteration_phase_name(m.phase()), m.current_iter());
  }
  std::vector<std::string>& log_;
};

struct Run {
  std::vector<std::string> log;
  EngineContext context;
  std::unique_ptr<ApplicationDriver> driver;
  RecordingApp* app = nullptr;

  explicit Run(IterationPlan plan) {
    auto a = std::make_unique<RecordingApp>(log);
    app = a.get();
    driver = std::make_unique<ApplicationDriver>(std::move(a), context, plan);
    driver->add_handler(std::make_unique<SignalRecorder>(log));
  }
};

IterationPlan training_plan(std::int64_t initial, std::int64_t final_iter, std::int64_t every, std::int64_t max_valid) {
  return IterationPlan{.training = true, .initial_iter = initial, .final_iter = final_iter,
                       .validation_every_n = every, .validation_max_iter = max_valid};
}

std::vector<std::string> phases_of(const IterationPlan& plan) {
  IterationGenerator g(plan);
  std::vector<std::string> out;
  while (auto m = g.next()) out.push_back(fmt::format("{}({})", iteration_phase_name(m->phase()), m->current_iter()));
  return out;
}

}  // namespace

TEST_CASE("iterations follow NiftyNet's interleaved order", "[engine]") {
  // reference: initial 0, final 3, validation_every_n 2, validation_max_iter 1 (run_vars_test).
  CHECK(phases_of(training_plan(0, 3, 2, 1)) ==
        std::vector<std::string>{"training(1)", "training(2)", "validation(2)", "training(3)"});
  CHECK(phases_of(training_plan(2, 6, 3, 2)) ==
        std::vector<std::string>{"training(3)", "validation(3)", "validation(3)", "training(4)", "training(5)",
                                 "training(6)", "validation(6)", "validation(6)"});
  CHECK(phases_of(training_plan(0, 2, -1, 5)) == std::vector<std::string>{"training(1)", "training(2)"});
  CHECK(phases_of(training_plan(5, 5, 1, 1)).empty());  // resumed at max_iter: nothing left to do
  IterationGenerator inference(IterationPlan{.training = false});
  CHECK(inference.next()->current_iter() == 0);
  CHECK(inference.next()->current_iter() == 1);
  CHECK(inference.next()->is_inference());
}

TEST_CASE("validation by whole volumes follows the patch validation of its iteration", "[engine]") {
  IterationPlan plan = training_plan(0, 4, 2, 1);
  plan.volume_validation_every_n = 4;
  CHECK(phases_of(plan) == std::vector<std::string>{"training(1)", "training(2)", "validation(2)", "training(3)",
                                                    "training(4)", "validation(4)", "volume_validation(4)"});
  plan = training_plan(1, 3, -1, 1);  // without patch validation, resumed after iteration 1
  plan.volume_validation_every_n = 1;
  CHECK(phases_of(plan) == std::vector<std::string>{"training(2)", "volume_validation(2)", "training(3)",
                                                    "volume_validation(3)"});
  IterationMessage m(4, IterationPhase::VolumeValidation);
  m.console.emplace_back("volume_dice", 0.875);
  CHECK(m.is_volume_validation());
  CHECK_FALSE(m.is_validation());  // the early stopper's patch-level losses never mix with these
  CHECK(m.to_console_string().starts_with("    volume_validation iter 4, volume_dice=0.875 ("));
}

TEST_CASE("a training run with validation emits the signals in NiftyNet's order", "[engine]") {
  Run run(training_plan(0, 3, 2, 1));
  run.driver->add_handler(std::make_unique<ApplyGradients>());
  run.driver->add_handler(std::make_unique<SamplerThreading>(*run.app));
  const RunSummary summary = run.driver->run();
  const std::vector<std::string> expected{
      "initialise", "graph_created", "session_started", "start_sampling",
      "iteration_started training 1", "run training 1 +grad", "iteration_finished training 1",
      "iteration_started training 2", "run training 2 +grad", "iteration_finished training 2",
      "iteration_started validation 2", "run validation 2", "iteration_finished validation 2",
      "iteration_started training 3", "run training 3 +grad", "iteration_finished training 3",
      "post_training training 3", "session_finished training 3", "stop_sampling"};
  CHECK(run.log == expected);
  CHECK(summary.last_training_iter == 3);
  CHECK(summary.iterations == 4);
  CHECK_FALSE(summary.stop_reason);
}

TEST_CASE("inference runs until the application has interpreted its last output", "[engine]") {
  Run run(IterationPlan{.training = false});
  run.driver->add_handler(std::make_unique<OutputInterpreter>(*run.app));
  const RunSummary summary = run.driver->run();
  CHECK(summary.iterations == 3);  // windows 0, 1, 2; interpret_output is false after 2
  CHECK(summary.stop_reason == std::optional<std::string>("output_interpreter"));
  CHECK(run.log.back() == "session_finished inference 0");
  CHECK(std::find(run.log.begin(), run.log.end(), std::string("post_training training 0")) == run.log.end());
}

TEST_CASE("an error in an iteration still finishes the session, then propagates", "[engine]") {
  Run run(training_plan(0, 5, -1, 1));
  run.app->fail_at = 3;
  CHECK_THROWS_WITH(run.driver->run(), "boom");
  // session_finished holds the last COMPLETED training iteration (the model saver saves that one).
  CHECK(run.log.back() == "session_finished training 2");
  for (const auto& entry : run.log) CHECK(entry.rfind("post_training", 0) == std::string::npos);
}

TEST_CASE("SIGINT stops the loop after the current iteration and the session finishes", "[engine]") {
  void (*before)(int) = std::signal(SIGINT, SIG_DFL);
  std::signal(SIGINT, before);
  Run run(training_plan(0, 10, -1, 1));
  run.app->signal_at = 4;
  const RunSummary summary = run.driver->run();
  CHECK(summary.interrupted_by == SIGINT);
  CHECK(summary.last_training_iter == 4);
  CHECK(run.log.back() == "session_finished training 4");
  CHECK(summary.stop_reason == std::optional<std::string>("interrupted (SIGINT)"));
  // The driver put the previous disposition back: SIGINT is not caught by it any more.
  void (*after)(int) = std::signal(SIGINT, before);
  CHECK(after == before);
}

TEST_CASE("should_stop set by a handler ends training after that iteration", "[engine]") {
  class StopAt final : public Handler {
   public:
    void connect(EngineSignals& s) override {
      listen(s.iteration_finished, [](IterationMessage& m) {
        if (m.current_iter() == 2) m.stop("early_stopper");
      });
    }
  };
  Run run(training_plan(0, 10, -1, 1));
  run.driver->add_handler(std::make_unique<StopAt>());
  const RunSummary summary = run.driver->run();
  CHECK(summary.last_training_iter == 2);
  CHECK(summary.stop_reason == std::optional<std::string>("early_stopper"));
  CHECK(run.log[run.log.size() - 2] == "post_training training 2");
}

TEST_CASE("handlers connect to signals and disconnect again", "[engine]") {
  EngineSignals signals;
  std::vector<std::string> log;
  {
    SignalRecorder recorder(log);
    recorder.connect(signals);
    CHECK(recorder.connections() == 6);
    CHECK(signals.iteration_finished.connections() == 1);
    IterationMessage m(7, IterationPhase::Validation);
    signals.iteration_finished.emit(m);
    CHECK(log == std::vector<std::string>{"iteration_finished validation 7"});
    recorder.disconnect();
    CHECK(signals.iteration_finished.connections() == 0);
    signals.iteration_finished.emit(m);
    CHECK(log.size() == 1);
    recorder.connect(signals);
  }  // destroyed: disconnects
  CHECK(signals.session_started.connections() == 0);
  CHECK(signals.graph_created.connections() == 0);
}

TEST_CASE("a slot connected during emit runs from the next emit on", "[engine]") {
  Signal<int&> signal;
  int calls = 0;
  signal.connect([&](int& v) {
    ++v;
    if (calls++ == 0) signal.connect([](int& w) { w += 10; });
  });
  int value = 0;
  signal.emit(value);
  CHECK(value == 1);
  signal.emit(value);
  CHECK(value == 12);
}

TEST_CASE("IterationMessage starts as NiftyNet's does and prints its console line", "[engine]") {
  IterationMessage m;
  CHECK(m.current_iter() == 0);
  CHECK(m.phase() == IterationPhase::Training);
  CHECK(m.console.empty());
  CHECK_FALSE(m.should_stop);
  CHECK_FALSE(m.apply_gradients);
  CHECK(m.to_console_string().rfind("training", 0) == 0);
  m.console = {{"test", 0.5}, {"dice", 3.0}};
  m.finish_timing();
  CHECK_THAT(m.to_console_string(), Catch::Matches(R"(training iter 0, test=0\.5, dice=3\.0 \(0\.\d{6}s\))"));
  m.set_current_iter(4);
  CHECK(m.console.empty());  // the setter clears the outputs
  IterationMessage v(2, IterationPhase::Validation);
  CHECK(v.to_console_string().rfind("    validation iter 2 (", 0) == 0);  // no values: no comma
  m.stop("first");
  m.stop("second");
  CHECK(m.should_stop == std::optional<std::string>("first"));
  CHECK(format_console_value(0.1) == "0.1");
  CHECK(format_console_value(std::nan("")) == "nan");
  CHECK(format_console_value(1e-7) == "1e-07");
  // A float32 value (what the collectors hold) prints as numpy prints the float, not its double.
  CHECK(format_console_value(static_cast<double>(0.1f)) == "0.1");
  CHECK(format_console_value(static_cast<double>(1.6953019f)) == "1.6953019");
}

TEST_CASE("unknown handler names and bad plugins give one clear line", "[engine]") {
  EngineContext context;
  CHECK_THROWS_WITH(make_handler("console_loger", context),
                    Catch::StartsWith("unknown event_handler 'console_loger' (did you mean 'console_logger'?)"));
  CHECK_THROWS_WITH(make_handler("/nonexistent/libmine.so:MyHandler", context),
                    Catch::StartsWith("event_handler plugin '/nonexistent/libmine.so' does not exist"));
  // A file that is not a shared library: dlopen's reason is in the message.
  CHECK_THROWS_WITH(make_handler(std::string(VOXTRAIN_SOURCE_DIR) + "/README.md:MyHandler", context),
                    Catch::Contains("could not be loaded") && Catch::Contains("README.md"));
  for (const std::string& name : default_event_handlers()) INFO(name);
  CHECK(has_handler("apply_gradients"));
}

TEST_CASE("a handler from a plugin library is loaded by path:ClassName and runs", "[engine]") {
  const std::string plugin = VOXTRAIN_EXAMPLE_PLUGIN;
  Run run(training_plan(0, 3, -1, 1));
  std::vector<double> counts;
  class Collect final : public Handler {
   public:
    explicit Collect(std::vector<double>& out) : out_(out) {}
    void connect(EngineSignals& s) override {
      listen(s.iteration_finished, [this](IterationMessage& m) {
        for (const auto& [name, value] : m.console)
          if (name == "example_handler_count") out_.push_back(value);
      });
    }

   private:
    std::vector<double>& out_;
  };
  run.driver->add_handlers({plugin + ":ExampleHandler"});
  run.driver->add_handler(std::make_unique<Collect>(counts));
  run.driver->run();
  CHECK(counts == std::vector<double>{1, 2, 3});
  EngineContext context;
  CHECK_THROWS_WITH(make_handler(plugin + ":NoSuchHandler", context),
                    Catch::Contains("was loaded but registers no handler 'NoSuchHandler'"));
}
