// example_handler.cpp — an event handler built as a shared library and loaded by name
// (event_handler = /path/libvoxtrain_example_handler.so:ExampleHandler); docs/ENGINE.md shows it.
#include "voxtrain/engine/handler_registry.hpp"

namespace {

// Counts the training iterations it sees and reports the count as a console value.
class ExampleHandler final : public voxtrain::Handler {
 public:
  explicit ExampleHandler(voxtrain::EngineContext&) {}
  void connect(voxtrain::EngineSignals& signals) override {
    listen(signals.iteration_finished, [this](voxtrain::IterationMessage& m) {
      if (m.is_training()) m.console.emplace_back("example_handler_count", static_cast<double>(++count_));
    });
  }

 private:
  int count_ = 0;
};

}  // namespace

VOXTRAIN_REGISTER_HANDLER(ExampleHandler);
