// test_norm_running_stats.cpp — the Norm layer's batch norm trained over several steps: outputs,
// running mean and (unbiased) running variance, and inference with them, against PyTorch's numbers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "support/fixtures.hpp"
#include "voxtrain/nn/layers/norm.hpp"
#include "voxtrain/nn/tape.hpp"

using voxtrain::Norm;
using voxtrain::Tape;
using voxtrain::Tensor;

namespace {

// One step of tests/data/batchnorm/expected.txt (written by make_fixtures.py with PyTorch).
struct Step {
  bool training = true;
  std::vector<std::int64_t> shape;
  std::vector<float> x, y, running_mean, running_var;
};

struct Fixture {
  std::int64_t channels = 0;
  double momentum = 0, epsilon = 0;
  std::vector<float> gamma, beta;
  std::vector<Step> steps;
};

std::vector<float> rest_as_floats(std::istringstream& line) {
  std::vector<float> out;
  for (double v; line >> v;) out.push_back(static_cast<float>(v));
  return out;
}

void read_step_line(const std::string& key, std::istringstream& line, Fixture& f) {
  if (key == "step") {
    Step s;
    std::string index, mode;
    line >> index >> mode;
    s.training = mode == "train";
    for (std::int64_t e; line >> e;) s.shape.push_back(e);
    f.steps.push_back(s);
    return;
  }
  REQUIRE(!f.steps.empty());
  Step& s = f.steps.back();
  if (key == "x") s.x = rest_as_floats(line);
  if (key == "y") s.y = rest_as_floats(line);
  if (key == "running_mean") s.running_mean = rest_as_floats(line);
  if (key == "running_var") s.running_var = rest_as_floats(line);
}

Fixture read_fixture() {
  std::ifstream in(voxtrain::testing::fixture_path("batchnorm/expected.txt"));
  REQUIRE(in);
  Fixture f;
  for (std::string text; std::getline(in, text);) {
    if (text.empty() || text[0] == '#') continue;
    std::istringstream line(text);
    std::string key;
    line >> key;
    if (key == "layer")
      line >> f.channels >> f.momentum >> f.epsilon;
    else if (key == "gamma")
      f.gamma = rest_as_floats(line);
    else if (key == "beta")
      f.beta = rest_as_floats(line);
    else
      read_step_line(key, line, f);
  }
  return f;
}

Tensor tensor_of(const std::vector<float>& values, const std::vector<std::int64_t>& shape) {
  Tensor t = Tensor::empty(voxtrain::Shape(std::span<const std::int64_t>(shape.data(), shape.size())));
  REQUIRE(t.numel() == static_cast<std::int64_t>(values.size()));
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

// Largest |a - b| / max(|b|, 1): float32 computations of the same formula agree to a few ulps.
double max_difference(const Tensor& a, const std::vector<float>& b) {
  REQUIRE(a.numel() == static_cast<std::int64_t>(b.size()));
  const Tensor plain = voxtrain::cpu_backend().to_plain(a);
  double worst = 0;
  for (std::size_t i = 0; i < b.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(plain.data<float>()[i]) - b[i]) /
                                std::max(1.0, std::abs(static_cast<double>(b[i]))));
  return worst;
}

Tensor forward(Norm& norm, const Tensor& x) {
  Tape tape(voxtrain::cpu_backend());
  return norm.forward(tape.input(x)).value();
}

}  // namespace

TEST_CASE("batch norm's running mean and unbiased variance follow PyTorch's over training steps", "[nn]") {
  const Fixture f = read_fixture();
  REQUIRE(f.channels == 3);
  REQUIRE(f.steps.size() == 6);
  voxtrain::NormSpec spec;
  spec.kind = voxtrain::NormKind::Batch;
  spec.epsilon = static_cast<float>(f.epsilon);
  Norm norm("bn", f.channels, spec);  // the default momentum, as the networks build it
  CHECK(f.momentum == Approx(0.1));   // the fixture's PyTorch momentum: weight of the newest batch
  std::copy(f.gamma.begin(), f.gamma.end(), norm.parameters()[0]->value().data<float>());
  std::copy(f.beta.begin(), f.beta.end(), norm.parameters()[1]->value().data<float>());

  // Float32 statistics over at most 72 elements, computed in different orders: a few ulps apart.
  constexpr double tolerance = 2e-6;
  for (std::size_t k = 0; k < f.steps.size(); ++k) {
    const Step& s = f.steps[k];
    INFO("step " << k << (s.training ? " (training)" : " (inference)"));
    norm.set_training(s.training);
    const Tensor y = forward(norm, tensor_of(s.x, s.shape));
    CHECK(max_difference(y, s.y) < tolerance);
    CHECK(max_difference(norm.running().mean, s.running_mean) < tolerance);
    CHECK(max_difference(norm.running().variance, s.running_var) < tolerance);
  }
}
