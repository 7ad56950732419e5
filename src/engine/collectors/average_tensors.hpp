// average_tensors.hpp — the element-wise mean both collectors take over devices: float32 host
// tensors of one shape, summed in double in the order given, rounded once to float32.
#pragma once

#include <span>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

// values must be non-empty, defined, plain float32 host tensors of one shape (checked by the callers).
Tensor average_tensors(std::span<const Tensor> values);

}  // namespace voxtrain
