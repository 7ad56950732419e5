// unet3d.hpp — 3-D U-Net (Çiçek et al. 2016): per level two 3x3x3 convolutions with
// normalisation and activation, max-pooling down, transposed convolutions up, concatenated skips.
#pragma once

#include <vector>

#include "voxtrain/nn/layers/conv_block.hpp"
#include "voxtrain/nn/network.hpp"

namespace voxtrain {

class UNet3d final : public Network {
 public:
  explicit UNet3d(const NetworkConfig& config);
  Var forward(Var x) override;
  void check_input(const Shape& x) const override;
  std::int64_t size_divisor() const override { return std::int64_t{1} << (depth_ - 1); }

 private:
  struct Level {
    ConvBlock* first;
    ConvBlock* second;
  };
  Level add_level(const std::string& name, std::int64_t in, std::int64_t out, const NetworkConfig& config);

  int depth_;
  std::int64_t in_channels_;
  std::vector<Level> down_;      // depth levels, the last one is the bottom
  std::vector<Conv3d*> up_conv_;  // depth - 1 transposed convolutions
  std::vector<Level> up_;        // depth - 1 levels
  Conv3d* head_;
};

}  // namespace voxtrain
