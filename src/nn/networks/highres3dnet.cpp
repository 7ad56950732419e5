// highres3dnet.cpp — HighRes3DNet's layers and residual blocks.
#include "voxtrain/nn/networks/highres3dnet.hpp"

#include <fmt/format.h>

#include "voxtrain/nn/functional.hpp"

namespace voxtrain {

HighResBlock::HighResBlock(std::string name, std::int64_t in_channels, std::int64_t out_channels, int dilation,
                           const NetworkConfig& config)
    : Module(std::move(name)), out_channels_(out_channels) {
  std::int64_t in = in_channels;
  for (int i = 0; i < 2; ++i) {
    ConvBlockOptions options;
    options.conv = {in, out_channels, {{3, 3, 3}, {1, 1, 1}, {dilation, dilation, dilation}, {dilation, dilation, dilation}, false}, false};
    options.norm = norm_spec_for(config, in);
    options.activation = parse_activation(config.activation_function);
    options.preactivation = true;
    convs_.push_back(&add_child<ConvBlock>(child_name(fmt::format("conv_{}", i)), options, config.init));
    in = out_channels;
  }
}

Var HighResBlock::forward(Var x) {
  Var y = x;
  for (ConvBlock* conv : convs_) y = conv->forward(y);
  return fn::add(y, fn::pad_channels(x, out_channels_));
}

HighRes3DNet::HighRes3DNet(const NetworkConfig& config) : Network("highres3dnet"), in_channels_(config.in_channels) {
  const auto activation = parse_activation(config.activation_function);
  ConvBlockOptions first;
  first.conv = {config.in_channels, 16, {{3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false}, true};
  first.norm = norm_spec_for(config, 16);
  first.activation = activation;
  first_ = &add_child<ConvBlock>(child_name("conv_0"), first, config.init);

  std::int64_t channels = 16;
  const struct {
    const char* name;
    std::int64_t features;
    int dilation;
  } stages[] = {{"res_1", 16, 1}, {"res_2", 32, 2}, {"res_3", 64, 4}};
  for (const auto& stage : stages) {
    for (int j = 0; j < 3; ++j) {
      blocks_.push_back(&add_child<HighResBlock>(child_name(fmt::format("{}_{}", stage.name, j)), channels,
                                                 stage.features, stage.dilation, config));
      channels = stage.features;
    }
  }
  ConvBlockOptions fc;
  fc.conv = {64, 80, {{1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, false}, true};
  fc.norm = norm_spec_for(config, 80);
  fc.activation = activation;
  fc_ = &add_child<ConvBlock>(child_name("conv_1"), fc, config.init);
  ConvBlockOptions classify;
  classify.conv = {80, config.num_classes, {{1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, false}, true};
  classify_ = &add_child<ConvBlock>(child_name("conv_2"), classify, config.init);
}

void HighRes3DNet::check_input(const Shape& x) const { check_network_input(name(), x, in_channels_, 1, ""); }

Var HighRes3DNet::forward(Var x) {
  check_images(x.value());
  x = first_->forward(x);
  for (HighResBlock* block : blocks_) x = block->forward(x);
  return classify_->forward(fc_->forward(x));
}

}  // namespace voxtrain
