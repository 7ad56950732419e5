// iteration_generator.cpp — NiftyNet's interleaved training/validation order.
#include "voxtrain/engine/iteration_generator.hpp"

namespace voxtrain {

IterationGenerator::IterationGenerator(const IterationPlan& plan)
    : plan_(plan), iter_(plan.training ? plan.initial_iter : -1) {}

std::optional<IterationMessage> IterationGenerator::next() {
  if (!plan_.training) return IterationMessage(++iter_, IterationPhase::Inference);
  if (validation_left_ > 0) {
    --validation_left_;
    return IterationMessage(iter_, IterationPhase::Validation);
  }
  if (volume_validation_due_) {
    volume_validation_due_ = false;
    return IterationMessage(iter_, IterationPhase::VolumeValidation);
  }
  if (iter_ >= plan_.final_iter) return std::nullopt;
  ++iter_;
  if (iter_ > 0 && plan_.validation_every_n > 0 && iter_ % plan_.validation_every_n == 0)
    validation_left_ = plan_.validation_max_iter;
  volume_validation_due_ = plan_.volume_validation_every_n > 0 && iter_ % plan_.volume_validation_every_n == 0;
  return IterationMessage(iter_, IterationPhase::Training);
}

}  // namespace voxtrain
