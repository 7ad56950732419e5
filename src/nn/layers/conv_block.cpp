// conv_block.cpp — ConvBlock: wires a convolution with its normalisation and activation.
#include "voxtrain/nn/layers/conv_block.hpp"

namespace voxtrain {

ConvBlock::ConvBlock(std::string name, ConvBlockOptions options, const Initializer& init)
    : Module(std::move(name)), preactivation_(options.preactivation) {
  // A bias right before a normalisation is cancelled by it; pre-activated blocks keep it.
  if (options.norm && !options.preactivation) options.conv.bias = false;
  conv_ = &add_child<Conv3d>(child_name("conv"), options.conv, init);
  const std::int64_t norm_channels = preactivation_ ? options.conv.in_channels : options.conv.out_channels;
  // A ReLU right after the normalisation runs inside it: one pass and one activation less.
  const bool fuse_relu = options.norm && options.activation && !preactivation_ && !options.activation->prelu &&
                         options.activation->spec.kind == ActivationKind::Relu;
  if (options.norm) {
    NormSpec spec = *options.norm;
    spec.fuse_relu = fuse_relu;
    norm_ = &add_child<Norm>(child_name("norm"), norm_channels, spec);
  }
  if (options.activation && !fuse_relu)
    activation_ = &add_child<Activation>(child_name("act"), *options.activation, norm_channels);
}

Var ConvBlock::forward(Var x) {
  if (preactivation_) {
    if (norm_) x = norm_->forward(x);
    if (activation_) x = activation_->forward(x);
    return conv_->forward(x);
  }
  x = conv_->forward(x);
  if (norm_) x = norm_->forward(x);
  if (activation_) x = activation_->forward(x);
  return x;
}

}  // namespace voxtrain
