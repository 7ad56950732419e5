// basic_handlers.cpp — apply_gradients, output_interpreter, sampler_threading.
#include "voxtrain/engine/handlers/basic_handlers.hpp"

namespace voxtrain {

void ApplyGradients::connect(EngineSignals& signals) {
  listen(signals.iteration_started, [](IterationMessage& m) {
    if (m.is_training()) m.apply_gradients = true;
  });
}

void OutputInterpreter::connect(EngineSignals& signals) {
  listen(signals.iteration_finished, [this](IterationMessage& m) {
    m.status = application_.interpret_output(m);
    if (!m.status) m.stop("output_interpreter");
  });
}

void SamplerThreading::connect(EngineSignals& signals) {
  listen(signals.session_started, [this] { application_.start_sampling(); });
  listen(signals.session_finished, [this](IterationMessage&) { application_.stop_sampling(); });
}

}  // namespace voxtrain
