// test_cpu_norm_relu.cpp — a normalisation with its ReLU fused in gives what the separate
// operations give, forward and backward, in every normalisation kind and layout.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "cpu_test_support.hpp"

using namespace voxtrain;
using voxtrain::test::random_tensor;

namespace {

double max_difference(const Tensor& a, const Tensor& b) {
  const Tensor pa = cpu_backend().to_plain(a), pb = cpu_backend().to_plain(b);
  REQUIRE(pa.shape() == pb.shape());
  double worst = 0;
  for (std::int64_t i = 0; i < pa.numel(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(pa.data<float>()[i]) - pb.data<float>()[i]));
  return worst;
}

struct Case {
  const char* name;
  NormSpec spec;
  Shape shape;
  bool blocked;
};

}  // namespace

TEST_CASE("norm with a fused ReLU equals norm then ReLU, forward and backward", "[backend]") {
  Backend& be = cpu_backend();
  const ActivationSpec relu{ActivationKind::Relu, 0.0f};
  const Case cases[] = {
      {"batch, blocked", {NormKind::Batch, 1, 1e-5f, false}, {2, 16, 3, 4, 2}, true},
      {"instance, blocked", {NormKind::Instance, 1, 1e-5f, false}, {2, 16, 3, 4, 2}, true},
      {"instance, plain", {NormKind::Instance, 1, 1e-5f, false}, {2, 3, 3, 4, 2}, false},
      {"group, plain", {NormKind::Group, 2, 1e-5f, false}, {2, 4, 3, 4, 2}, false},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Tensor plain_x = random_tensor(c.shape, 1, -2.0f, 2.0f);
    const Tensor x = c.blocked ? voxtrain::test::blocked16(plain_x) : plain_x;
    const Tensor gamma = random_tensor({c.shape[1]}, 2, 0.5f, 1.5f), beta = random_tensor({c.shape[1]}, 3);
    const Tensor dy = random_tensor(c.shape, 4);

    const NormForward separate = be.norm_forward_training(x, &gamma, &beta, c.spec);
    const Tensor y = be.activation_forward(separate.y, relu);
    const NormBackward expected =
        be.norm_backward(x, be.activation_backward(separate.y, dy, relu), &gamma, separate.saved, c.spec);

    NormSpec fused_spec = c.spec;
    fused_spec.fuse_relu = true;
    const NormForward fused = be.norm_forward_training(x, &gamma, &beta, fused_spec);
    const NormBackward got = be.norm_backward(x, dy, &gamma, fused.saved, fused_spec);

    CHECK(max_difference(fused.y, y) < 1e-6);
    CHECK(max_difference(got.dx, expected.dx) < 1e-5);
    CHECK(max_difference(got.dgamma, expected.dgamma) < 1e-5);
    CHECK(max_difference(got.dbeta, expected.dbeta) < 1e-5);
    // Some outputs were clipped, so the fusion was exercised.
    const Tensor py = be.to_plain(fused.y);
    CHECK(std::count(py.data<float>(), py.data<float>() + py.numel(), 0.0f) > py.numel() / 10);
  }
}
