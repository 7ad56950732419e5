// test_network_gradcheck.cpp — whole networks (unet, highres3dnet, toynet) back-propagated by the
// tape, every parameter and the input, against finite differences within the float32 noise.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "tape_gradcheck.hpp"
#include "voxtrain/nn/network.hpp"

using voxtrain::NetworkConfig;
using voxtrain::Parameter;
using voxtrain::Tape;
using voxtrain::Tensor;
using voxtrain::test::random_tensor;

namespace {

struct NetworkCheck {
  NetworkConfig config;
  voxtrain::Shape input;
  std::int64_t elements_per_parameter = 0;  // 0: all
  bool richardson = true;
  double step = 1e-2;
};

// Every parameter's gradient (and the input's) against Richardson-extrapolated central differences.
// Why these numbers: the networks' normalisations take statistics over few voxels (8 at the
// unet's lower level), so f is strongly curved: a plain central difference at h = 1e-2 was off by
// 2e-3 to 3e-3 absolute (1e-3: 3e-4; the h^2 term, measured on unet.down0.conv1 and up0.conv2).
// Richardson's (4 D(h) - D(2h)) / 3 cancels that term. What remains is f's float32 rounding: its
// standard deviation s is measured (noise_aware: 1.5e-6 to 1e-5 here, several ulps of f), and a
// numeric gradient may be off by 5 * 1.34 s / (sqrt(2) h), which is not counted. The rest must be
// within 1% of the gradient (or of 1% of the tensor's largest). Each tensor's largest gradient
// must stand 5 times above the allowance (the deepest HighRes3DNet blocks reach 7 to 8 times),
// so that a gradient wrong by a fifth of it or more (a sign, a factor, a missing path) fails.
constexpr double kTolerance = 1e-2;

void check_network(const std::string& name, const NetworkCheck& c) {
  auto net = voxtrain::make_network(name, c.config);
  Parameter x("x", random_tensor(c.input, 8));
  const voxtrain::test::Graph graph = [&](Tape& tape) { return net->forward(tape.parameter(x)); };
  const Tensor r = random_tensor(voxtrain::test::output_of(graph).shape(), 9);
  std::vector<Parameter*> params = net->parameters();
  params.push_back(&x);
  voxtrain::test::backpropagate(graph, r, params);
  auto f = [&](const Tensor&) { return voxtrain::test::weighted_output(graph, r); };

  voxtrain::test::GradcheckOptions options = voxtrain::test::noise_aware(f, x.value(), c.step, c.richardson);
  options.max_elements = c.elements_per_parameter;
  INFO("numeric gradients uncertain by " << options.numeric_uncertainty << " through rounding");
  for (Parameter* p : params) {
    const auto result = voxtrain::test::gradcheck(f, p->value(), p->grad(), options);
    INFO(p->name() << ": " << result.describe());
    CHECK(result.largest_numeric > 5 * options.numeric_uncertainty);  // the check has teeth
    CHECK(result.max_relative_error < kTolerance);
  }
}

}  // namespace

// ReLU (the default) has a kink at 0 that a float32 finite difference cannot avoid (a step below
// the rounding noise is useless): one voxel crossing it moves a numeric gradient by 1e-1 (measured
// on toynet). The networks are checked with ELU, smooth and otherwise wired the same; ReLU's own
// backward, fused into the normalisation, is checked away from its kink in test_cpu_norm_relu.cpp.
TEST_CASE("a whole small unet back-propagates like finite differences", "[nn][gradcheck]") {
  NetworkCheck c;
  c.config.num_classes = 2;
  c.config.base_channels = 4;
  c.config.depth = 2;
  c.config.normalisation = "instance";
  c.config.activation_function = "elu";
  c.config.init.seed = 7;
  c.input = {1, 1, 4, 4, 4};
  c.elements_per_parameter = 16;
  check_network("unet", c);
}

TEST_CASE("a whole small highres3dnet back-propagates like finite differences", "[nn][gradcheck]") {
  NetworkCheck c;  // batch norm, the default
  c.config.num_classes = 2;
  c.config.activation_function = "elu";
  c.config.init.seed = 7;
  // At least 5 voxels along each axis, so that every tap of the dilation-4 convolutions sees data.
  c.input = {1, 1, 5, 5, 5};
  c.elements_per_parameter = 2;
  c.step = 2e-2;  // f's noise (1e-5) over h = 1e-2 would come within 5 times of the deepest blocks' gradients
  check_network("highres3dnet", c);
}

TEST_CASE("toynet with batch norm back-propagates like finite differences", "[nn][gradcheck]") {
  NetworkCheck c;  // batch norm, the default
  c.config.num_classes = 3;
  c.config.activation_function = "elu";
  c.config.init.seed = 7;
  c.input = {2, 1, 4, 5, 3};
  check_network("toynet", c);
}
