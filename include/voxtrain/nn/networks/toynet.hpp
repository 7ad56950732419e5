// toynet.hpp — NiftyNet's toynet: one 3x3x3 convolution (10 channels, normalised, activated)
// and a 1x1x1 convolution to the classes. For smoke tests and tutorials.
#pragma once

#include "voxtrain/nn/layers/conv_block.hpp"
#include "voxtrain/nn/network.hpp"

namespace voxtrain {

class ToyNet final : public Network {
 public:
  explicit ToyNet(const NetworkConfig& config);
  Var forward(Var x) override;
  void check_input(const Shape& x) const override;

 private:
  std::int64_t in_channels_;
  ConvBlock* hidden_;
  ConvBlock* classify_;
};

}  // namespace voxtrain
