// iteration_generator.hpp — the sequence of iterations a run goes through (NiftyNet's
// IterationMessageGenerator): training starting_iter+1 .. max_iter with interleaved validation, or
// inference until the application says it is done.
#pragma once

#include <cstdint>
#include <optional>

#include "voxtrain/engine/iteration_message.hpp"

namespace voxtrain {

struct IterationPlan {
  bool training = true;                  // false: inference
  std::int64_t initial_iter = 0;         // training resumes after this iteration
  std::int64_t final_iter = 0;           // [TRAINING] max_iter
  std::int64_t validation_every_n = -1;  // <= 0: no validation
  std::int64_t validation_max_iter = 1;  // validation iterations per validation round
  std::int64_t volume_validation_every_n = -1;  // <= 0: no validation by whole volumes
};

// Training: iterations initial_iter+1 .. final_iter (phase training); after iteration i with
// i > 0 and validation_every_n > 0 and i % validation_every_n == 0, validation_max_iter messages
// of phase validation with the same current_iter i; then, when volume_validation_every_n > 0 and
// i % volume_validation_every_n == 0, one message of phase volume_validation with current_iter i.
// Inference: 0, 1, 2, ... without end.
class IterationGenerator {
 public:
  explicit IterationGenerator(const IterationPlan& plan);
  std::optional<IterationMessage> next();

 private:
  IterationPlan plan_;
  std::int64_t iter_;                 // the last training (or inference) iteration handed out
  std::int64_t validation_left_ = 0;  // validation messages still due after iter_
  bool volume_validation_due_ = false;  // a volume_validation message is due after them
};

}  // namespace voxtrain
