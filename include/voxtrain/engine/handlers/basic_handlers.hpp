// basic_handlers.hpp — the small built-in handlers that drive the loop itself: apply_gradients,
// output_interpreter and sampler_threading (NiftyNet's handlers of the same names).
#pragma once

#include "voxtrain/engine/application.hpp"
#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

// Asks for a weight update on every training iteration (never on validation or inference).
class ApplyGradients final : public Handler {
 public:
  void connect(EngineSignals& signals) override;
};

// After each iteration, hands the network outputs to the application; stops the loop (reason
// "output_interpreter") once the application reports that inference is complete.
class OutputInterpreter final : public Handler {
 public:
  explicit OutputInterpreter(Application& application) : application_(application) {}
  void connect(EngineSignals& signals) override;

 private:
  Application& application_;
};

// Starts the application's prefetch threads when the session starts and stops them at its end.
class SamplerThreading final : public Handler {
 public:
  explicit SamplerThreading(Application& application) : application_(application) {}
  void connect(EngineSignals& signals) override;

 private:
  Application& application_;
};

}  // namespace voxtrain
