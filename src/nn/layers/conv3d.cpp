// conv3d.cpp — Conv3d: initialises its weights and records a convolution on the tape.
#include "voxtrain/nn/layers/conv3d.hpp"

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/functional.hpp"

namespace voxtrain {

Conv3d::Conv3d(std::string name, const Conv3dOptions& options, const Initializer& init)
    : Module(std::move(name)), options_(options) {
  const auto& k = options.spec.kernel;
  const Shape shape{options.out_channels, options.in_channels, k[0], k[1], k[2]};
  weight_ = &add_parameter("weight", initial_weights(shape, init, child_name("weight")));
  if (options.bias) bias_ = &add_parameter("bias", Tensor::zeros({options.out_channels}));
}

Var Conv3d::forward(Var x) {
  if (x.shape().rank() != 5 || x.shape()[1] != options_.in_channels)
    throw error("{}: input of shape {} but this layer takes [N, {}, D, H, W]: check the number of input "
                "channels (modalities) in the configuration",
                name(), x.shape().to_string(), options_.in_channels);
  Tape& tape = *x.tape;
  const Var w = tape.parameter(*weight_);
  const Var b = bias_ ? tape.parameter(*bias_) : Var{};
  return fn::conv3d(x, w, b, options_.spec, name());
}

}  // namespace voxtrain
