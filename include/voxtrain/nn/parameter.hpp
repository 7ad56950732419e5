// parameter.hpp — a trainable tensor and its gradient, named ("unet.down0.conv1.weight") for
// checkpoints, optimizer state and error messages. Both are plain float32 host tensors.
#pragma once

#include <string>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

class Parameter {
 public:
  Parameter() = default;
  // Takes the initial value; the gradient starts as zeros of the same shape.
  Parameter(std::string name, Tensor value);

  const std::string& name() const { return name_; }
  Tensor& value() { return value_; }
  const Tensor& value() const { return value_; }
  Tensor& grad() { return grad_; }
  const Tensor& grad() const { return grad_; }
  std::int64_t numel() const { return value_.numel(); }

  void zero_grad();

 private:
  std::string name_;
  Tensor value_;
  Tensor grad_;
};

}  // namespace voxtrain
