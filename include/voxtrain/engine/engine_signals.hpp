// engine_signals.hpp — the signals the driver emits (NiftyNet's GRAPH_CREATED, SESS_STARTED,
// ITER_STARTED, ITER_FINISHED, SESS_FINISHED, and post_training), in the order of a run.
#pragma once

#include "voxtrain/engine/iteration_message.hpp"
#include "voxtrain/engine/signal.hpp"

namespace voxtrain {

struct EngineSignals {
  Signal<> graph_created;                         // the application has built its network and samplers
  Signal<> session_started;                       // before the first iteration (restore, start samplers)
  Signal<IterationMessage&> iteration_started;    // before the application runs the iteration
  Signal<IterationMessage&> iteration_finished;   // after it ran; outputs are in the message
  Signal<IterationMessage&> post_training;        // training reached max_iter or was stopped; not after an error
  Signal<IterationMessage&> session_finished;     // always, also after an error or Ctrl-C; the message
                                                  // holds the last completed training iteration
};

}  // namespace voxtrain
