// conv3d.hpp — 3-D convolution or transposed convolution with optional bias;
// weights [Cout, Cin, kD, kH, kW].
#pragma once

#include "voxtrain/nn/initializer.hpp"
#include "voxtrain/nn/module.hpp"

namespace voxtrain {

struct Conv3dOptions {
  std::int64_t in_channels = 1;
  std::int64_t out_channels = 1;
  ConvSpec spec;
  bool bias = true;
};

class Conv3d final : public Module {
 public:
  Conv3d(std::string name, const Conv3dOptions& options, const Initializer& init);
  Var forward(Var x) override;
  Parameter& weight() { return *weight_; }
  Parameter* bias() { return bias_; }
  const Conv3dOptions& options() const { return options_; }

 private:
  Conv3dOptions options_;
  Parameter* weight_;
  Parameter* bias_ = nullptr;
};

}  // namespace voxtrain
