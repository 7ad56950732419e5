// parameter.cpp — Parameter construction and gradient reset.
#include "voxtrain/nn/parameter.hpp"

#include <cstring>

#include "voxtrain/core/error.hpp"

namespace voxtrain {

Parameter::Parameter(std::string name, Tensor value)
    : name_(std::move(name)), value_(std::move(value)), grad_(Tensor::zeros(value_.shape())) {
  if (value_.dtype() != DType::Float32 || !value_.device().is_cpu())
    throw InternalError(fmt::format("parameter '{}' must be a float32 host tensor", name_));
}

void Parameter::zero_grad() { std::memset(grad_.raw_data(), 0, grad_.nbytes()); }

}  // namespace voxtrain
