// unet3d.cpp — UNet3d's levels and its forward pass with skip connections.
#include "voxtrain/nn/networks/unet3d.hpp"

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/functional.hpp"

namespace voxtrain {
namespace {

ConvSpec same_3x3x3() { return {{3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false}; }

}  // namespace

UNet3d::Level UNet3d::add_level(const std::string& name, std::int64_t in, std::int64_t out,
                                const NetworkConfig& config) {
  ConvBlockOptions a;
  a.conv = {in, out, same_3x3x3(), true};
  a.norm = norm_spec_for(config, out);
  a.activation = parse_activation(config.activation_function);
  ConvBlockOptions b = a;
  b.conv.in_channels = out;
  return {&add_child<ConvBlock>(child_name(name + ".conv1"), a, config.init),
          &add_child<ConvBlock>(child_name(name + ".conv2"), b, config.init)};
}

UNet3d::UNet3d(const NetworkConfig& config) : Network("unet"), depth_(config.depth), in_channels_(config.in_channels) {
  if (config.depth < 1 || config.depth > 8)
    throw error("unet: depth {} is not supported: use 1 to 8 levels (4 is the default)", config.depth);
  if (config.base_channels < 1) throw error("unet: base channels {} must be positive", config.base_channels);
  std::int64_t channels = config.base_channels;
  std::int64_t in = config.in_channels;
  for (int level = 0; level < depth_; ++level) {
    down_.push_back(add_level(fmt::format("down{}", level), in, channels, config));
    in = channels;
    if (level + 1 < depth_) channels *= 2;
  }
  for (int level = depth_ - 2; level >= 0; --level) {
    const std::int64_t out = config.base_channels << level;
    up_conv_.push_back(&add_child<Conv3d>(child_name(fmt::format("up{}.transpose", level)),
                                          Conv3dOptions{in, out, {{2, 2, 2}, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, true}, true},
                                          config.init));
    up_.push_back(add_level(fmt::format("up{}", level), 2 * out, out, config));
    in = out;
  }
  head_ = &add_child<Conv3d>(child_name("head"),
                             Conv3dOptions{in, config.num_classes, {{1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, false}, true},
                             config.init);
}

void UNet3d::check_input(const Shape& x) const {
  check_network_input(name(), x, in_channels_, size_divisor(),
                      fmt::format("depth {} halves it {} times", depth_, depth_ - 1));
}

Var UNet3d::forward(Var x) {
  check_images(x.value());
  const PoolSpec pool{PoolKind::Max, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}};
  std::vector<Var> skips;
  for (int level = 0; level < depth_; ++level) {
    if (level > 0) x = fn::pool(x, pool);
    x = down_[static_cast<std::size_t>(level)].second->forward(down_[static_cast<std::size_t>(level)].first->forward(x));
    skips.push_back(x);
  }
  for (std::size_t i = 0; i < up_.size(); ++i) {
    x = up_conv_[i]->forward(x);
    x = fn::concat_channels({skips[skips.size() - 2 - i], x});
    x = up_[i].second->forward(up_[i].first->forward(x));
  }
  return head_->forward(x);
}

}  // namespace voxtrain
