// conv_block.hpp — NiftyNet's ConvolutionalLayer: convolution, then optional normalisation, then
// optional activation (or, pre-activated, normalisation and activation before the convolution).
#pragma once

#include <optional>

#include "voxtrain/nn/layers/activation.hpp"
#include "voxtrain/nn/layers/conv3d.hpp"
#include "voxtrain/nn/layers/norm.hpp"

namespace voxtrain {

struct ConvBlockOptions {
  Conv3dOptions conv;                       // its bias is dropped when a normalisation follows
  std::optional<NormSpec> norm;
  std::optional<ActivationChoice> activation;
  bool preactivation = false;               // norm -> activation -> conv (residual blocks)
};

class ConvBlock final : public Module {
 public:
  ConvBlock(std::string name, ConvBlockOptions options, const Initializer& init);
  Var forward(Var x) override;

 private:
  bool preactivation_;
  Conv3d* conv_;
  Norm* norm_ = nullptr;
  Activation* activation_ = nullptr;
};

}  // namespace voxtrain
