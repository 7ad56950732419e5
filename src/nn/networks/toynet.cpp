// toynet.cpp — ToyNet's two layers.
#include "voxtrain/nn/networks/toynet.hpp"

namespace voxtrain {

ToyNet::ToyNet(const NetworkConfig& config) : Network("toynet"), in_channels_(config.in_channels) {
  constexpr std::int64_t hidden_features = 10;
  ConvBlockOptions hidden;
  hidden.conv = {config.in_channels, hidden_features, {{3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false}, true};
  hidden.norm = norm_spec_for(config, hidden_features);
  hidden.activation = parse_activation(config.activation_function);
  hidden_ = &add_child<ConvBlock>(child_name("conv_1"), hidden, config.init);
  ConvBlockOptions classify;
  classify.conv = {hidden_features, config.num_classes, {{1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, false}, true};
  classify_ = &add_child<ConvBlock>(child_name("conv_2"), classify, config.init);
}

void ToyNet::check_input(const Shape& x) const { check_network_input(name(), x, in_channels_, 1, ""); }

Var ToyNet::forward(Var x) {
  check_images(x.value());
  return classify_->forward(hidden_->forward(x));
}

}  // namespace voxtrain
