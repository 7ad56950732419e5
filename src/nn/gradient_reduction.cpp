// gradient_reduction.cpp — the single-device reduction stage: records the hand-offs and checks
// that every expected parameter arrived exactly once before the optimizer runs.
#include "voxtrain/nn/gradient_reduction.hpp"

#include <algorithm>

#include "voxtrain/core/error.hpp"

namespace voxtrain {

void LocalReduction::begin_step(std::span<Parameter* const> parameters) {
  expected_.assign(parameters.begin(), parameters.end());
  ready_.clear();
}

void LocalReduction::gradient_ready(Parameter& parameter) {
  if (std::find(expected_.begin(), expected_.end(), &parameter) == expected_.end())
    throw InternalError(fmt::format("gradient of '{}' handed off but not expected this step", parameter.name()));
  if (std::find(ready_.begin(), ready_.end(), &parameter) != ready_.end())
    throw InternalError(fmt::format("gradient of '{}' handed off twice in one step", parameter.name()));
  ready_.push_back(&parameter);
}

void LocalReduction::wait_all() {
  if (ready_.size() == expected_.size()) return;
  for (Parameter* p : expected_)
    if (std::find(ready_.begin(), ready_.end(), p) == ready_.end())
      throw InternalError(fmt::format("gradient of '{}' never became ready ({} of {} arrived)", p->name(),
                                      ready_.size(), expected_.size()));
}

}  // namespace voxtrain
