// activation.hpp — the activation functions by NiftyNet's names (relu, leakyrelu, prelu, elu,
// relu6, selu, sigmoid, tanh, softplus); PReLU learns one slope per channel.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/nn/module.hpp"

namespace voxtrain {

struct ActivationChoice {
  bool prelu = false;
  ActivationSpec spec;  // when not PReLU
};

// An unknown name is an Error listing the valid ones and suggesting the closest.
ActivationChoice parse_activation(std::string_view name);
std::vector<std::string> activation_names();

class Activation final : public Module {
 public:
  Activation(std::string name, const ActivationChoice& choice, std::int64_t channels);
  Var forward(Var x) override;

 private:
  ActivationChoice choice_;
  Parameter* slope_ = nullptr;
};

}  // namespace voxtrain
