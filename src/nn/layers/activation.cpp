// activation.cpp — activation names, and the Activation module (with PReLU's slopes).
#include "voxtrain/nn/layers/activation.hpp"

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/nn/functional.hpp"

namespace voxtrain {

std::vector<std::string> activation_names() {
  return {"relu", "leakyrelu", "prelu", "elu", "relu6", "selu", "sigmoid", "tanh", "softplus"};
}

ActivationChoice parse_activation(std::string_view name) {
  if (name == "relu") return {false, {ActivationKind::Relu, 0.0f}};
  if (name == "leakyrelu") return {false, {ActivationKind::LeakyRelu, 0.01f}};
  if (name == "prelu") return {true, {}};
  if (name == "elu") return {false, {ActivationKind::Elu, 1.0f}};
  if (name == "relu6") return {false, {ActivationKind::Relu6, 0.0f}};
  if (name == "selu") return {false, {ActivationKind::Selu, 0.0f}};
  if (name == "sigmoid") return {false, {ActivationKind::Sigmoid, 0.0f}};
  if (name == "tanh") return {false, {ActivationKind::Tanh, 0.0f}};
  if (name == "softplus") return {false, {ActivationKind::Softplus, 0.0f}};
  const auto valid = activation_names();
  throw error("unknown activation_function '{}'{}: use one of {}", name,
              did_you_mean(name, valid), join(valid));
}

Activation::Activation(std::string name, const ActivationChoice& choice, std::int64_t channels)
    : Module(std::move(name)), choice_(choice) {
  if (choice.prelu) {
    Tensor slope = Tensor::empty({channels});
    slope.fill(0.25);  // PyTorch's and NiftyNet's initial PReLU slope
    slope_ = &add_parameter("slope", slope);
  }
}

Var Activation::forward(Var x) {
  if (slope_) return fn::prelu(x, x.tape->parameter(*slope_));
  return fn::activation(x, choice_.spec);
}

}  // namespace voxtrain
