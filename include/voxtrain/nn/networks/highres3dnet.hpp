// highres3dnet.hpp — HighRes3DNet (Li et al. 2017, as in NiftyNet): a 3x3x3 convolution, three
// stages of three pre-activated residual blocks (16, 32, 64 channels; dilation 1, 2, 4), two 1x1x1 layers.
#pragma once

#include <vector>

#include "voxtrain/nn/layers/conv_block.hpp"
#include "voxtrain/nn/network.hpp"

namespace voxtrain {

// Two pre-activated convolutions (norm, activation, conv) with a residual connection; when the
// block widens, the bypass is padded with zero channels (NiftyNet's ElementwiseLayer 'SUM').
class HighResBlock final : public Module {
 public:
  HighResBlock(std::string name, std::int64_t in_channels, std::int64_t out_channels, int dilation,
               const NetworkConfig& config);
  Var forward(Var x) override;

 private:
  std::int64_t out_channels_;
  std::vector<ConvBlock*> convs_;
};

class HighRes3DNet final : public Network {
 public:
  explicit HighRes3DNet(const NetworkConfig& config);
  Var forward(Var x) override;
  void check_input(const Shape& x) const override;

 private:
  std::int64_t in_channels_;
  ConvBlock* first_;
  std::vector<HighResBlock*> blocks_;
  ConvBlock* fc_;
  ConvBlock* classify_;
};

}  // namespace voxtrain
