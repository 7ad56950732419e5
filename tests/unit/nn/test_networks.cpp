// test_networks.cpp — the registered networks: architecture (output shapes, parameter counts
// computed independently from the papers' descriptions), reproducible initialisation, and the
// errors a configuration can cause (gradient checks: test_network_gradcheck.cpp).
#include <catch2/catch.hpp>

#include "support/reference/gradcheck.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/functional.hpp"
#include "voxtrain/nn/network.hpp"

using voxtrain::NetworkConfig;
using voxtrain::Parameter;
using voxtrain::Tape;
using voxtrain::Tensor;
using voxtrain::Var;
using voxtrain::test::random_tensor;
using Catch::Matchers::Contains;

namespace {

Tensor run(voxtrain::Network& net, const Tensor& x) {
  Tape tape(voxtrain::cpu_backend());
  tape.set_recording(false);
  return voxtrain::fn::to_plain(net.forward(tape.input(x))).value();
}

std::int64_t conv_norm_block(std::int64_t in, std::int64_t out) { return out * in * 27 + 2 * out; }

}  // namespace

TEST_CASE("unet has the paper's layers: parameter count and output shape", "[nn]") {
  NetworkConfig config;
  config.in_channels = 1;
  config.num_classes = 3;
  config.normalisation = "instance";
  auto net = voxtrain::make_network("unet", config);
  // Depth 4, base 16: 1->16->32->64->128 down, transposed convolutions (2x2x2, bias) and
  // double blocks back up on concatenated skips, a 1x1x1 head with bias.
  std::int64_t expected = 0;
  std::int64_t in = 1;
  for (std::int64_t c : {16, 32, 64, 128}) {
    expected += conv_norm_block(in, c) + conv_norm_block(c, c);
    in = c;
  }
  for (std::int64_t c : {64, 32, 16}) {
    expected += c * in * 8 + c;
    expected += conv_norm_block(2 * c, c) + conv_norm_block(c, c);
    in = c;
  }
  expected += 3 * 16 + 3;
  CHECK(net->parameter_count() == expected);
  const Tensor y = run(*net, random_tensor({2, 1, 16, 24, 8}, 3));
  CHECK(y.shape() == voxtrain::Shape{2, 3, 16, 24, 8});
}

TEST_CASE("highres3dnet has NiftyNet's layers: parameter count and output shape", "[nn]") {
  NetworkConfig config;
  config.in_channels = 2;
  config.num_classes = 4;
  auto net = voxtrain::make_network("highres3dnet", config);
  std::int64_t expected = conv_norm_block(2, 16);
  std::int64_t in = 16;
  for (std::int64_t c : {16, 16, 16, 32, 32, 32, 64, 64, 64}) {
    expected += 2 * in + c * in * 27 + 2 * c + c * c * 27;  // pre-activated: norm before each conv
    in = c;
  }
  expected += 80 * 64 + 2 * 80 + 4 * 80 + 4;
  CHECK(net->parameter_count() == expected);
  const Tensor y = run(*net, random_tensor({1, 2, 9, 7, 8}, 4));
  CHECK(y.shape() == voxtrain::Shape{1, 4, 9, 7, 8});
}

TEST_CASE("toynet maps [N, C, D, H, W] to class logits", "[nn]") {
  NetworkConfig config;
  config.num_classes = 5;
  auto net = voxtrain::make_network("toynet", config);
  CHECK(net->parameter_count() == 10 * 27 + 2 * 10 + 5 * 10 + 5);
  CHECK(run(*net, random_tensor({3, 1, 5, 6, 7}, 5)).shape() == voxtrain::Shape{3, 5, 5, 6, 7});
}

TEST_CASE("initial weights depend only on the seed and the parameter's name", "[nn]") {
  NetworkConfig config;
  config.init.seed = 99;
  auto a = voxtrain::make_network("unet", config);
  auto b = voxtrain::make_network("unet", config);
  config.init.seed = 100;
  auto c = voxtrain::make_network("unet", config);
  const auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
  REQUIRE(pa.size() == pb.size());
  const Parameter& wa = *pa[0];
  CHECK(std::equal(wa.value().data<float>(), wa.value().data<float>() + wa.numel(), pb[0]->value().data<float>()));
  CHECK_FALSE(std::equal(wa.value().data<float>(), wa.value().data<float>() + wa.numel(), pc[0]->value().data<float>()));
  // He normal: standard deviation sqrt(2 / fan_in) with fan_in = 1 * 27 for the first convolution.
  double s2 = 0;
  for (std::int64_t i = 0; i < wa.numel(); ++i) s2 += wa.value().data<float>()[i] * wa.value().data<float>()[i];
  CHECK(std::sqrt(s2 / static_cast<double>(wa.numel())) == Approx(std::sqrt(2.0 / 27.0)).epsilon(0.15));
}

TEST_CASE("configuration mistakes give one clear line", "[nn]") {
  NetworkConfig config;
  CHECK_THROWS_WITH(voxtrain::make_network("unett", config),
                    "unknown network 'unett' in [NETWORK] name (did you mean 'unet'?): use one of highres3dnet, toynet, unet");
  auto unet = voxtrain::make_network("unet", config);
  Tape tape(voxtrain::cpu_backend());
  CHECK_THROWS_WITH(unet->forward(tape.input(Tensor::zeros({1, 1, 30, 32, 32}))),
                    "unet: spatial size 30 of input [1, 1, 30, 32, 32] is not divisible by 8 (depth 4 halves it 3 "
                    "times): use 32 or 24");
  CHECK_THROWS_WITH(unet->forward(tape.input(Tensor::zeros({1, 2, 32, 32, 32}))),
                    "unet: input of shape [1, 2, 32, 32, 32] but the network takes [N, 1, D, H, W]");
  CHECK_THROWS_WITH(unet->forward(tape.input(Tensor::zeros({1, 1, 32, 32, 32}, voxtrain::DType::Int32))),
                    "unet: the input images are int32 but networks take float32: convert them when loading (the "
                    "data pipeline does)");
  config.activation_function = "rellu";
  CHECK_THROWS_WITH(voxtrain::make_network("unet", config), Contains("unknown activation_function 'rellu' (did you mean 'relu'?)"));
  config.activation_function = "relu";
  config.normalisation = "layer";
  CHECK_THROWS_WITH(voxtrain::make_network("unet", config), Contains("unknown normalisation 'layer'"));
}
