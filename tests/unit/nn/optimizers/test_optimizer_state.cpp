// test_optimizer_state.cpp — resuming from state() is bit-exact for every optimizer; damaged or
// foreign state, non-finite gradients and bad settings are refused with an actionable message
// and without touching any weight.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "unit/nn/optimizers/optimizer_test_support.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/optimizer.hpp"

using Catch::Matchers::Contains;
using voxtrain::Error;
using voxtrain::NamedTensors;
using voxtrain::OptimizerConfig;
using voxtrain::Parameter;
using voxtrain::Tensor;
using voxtrain::make_optimizer;
using voxtrain::test::gradient_at;
using voxtrain::test::lr_at;
using voxtrain::test::make_parameter;
using voxtrain::test::values_of;

namespace {

// Two parameters with a gradient that depends on the step and on the weights (so that a wrong
// resume shows up in later gradients too).
struct Model {
  Parameter a = make_parameter("net.a", {0.5f, -1.0f, 2.0f, 0.0f, 0.125f});
  Parameter b = make_parameter("net.b", {3.0f, -0.75f, 1.0f});
  std::vector<Parameter*> params() { return {&a, &b}; }

  void set_gradients(int k) {
    for (Parameter* p : params()) {
      float* g = p->grad().data<float>();
      const float* w = p->value().data<float>();
      for (std::int64_t i = 0; i < p->numel(); ++i)
        g[i] = gradient_at(k, static_cast<std::size_t>(i) + (p == &b ? 7 : 0)) + 0.5f * w[i];
    }
  }
};

OptimizerConfig resume_config(const std::string& name) {
  OptimizerConfig c;
  c.name = name;
  c.decay = 1e-3;            // L2 through the gradient
  c.clip_global_norm = 3.0;  // active on most steps
  if (name == "adamw") c.weight_decay = 0.01;
  if (name == "rmsprop") c.rmsprop_momentum = 0.5;
  return c;
}

void run_steps(voxtrain::Optimizer& opt, Model& m, int from, int to) {
  for (int k = from; k < to; ++k) {
    m.set_gradients(k);
    auto params = m.params();
    opt.step(params, lr_at(k, 0.05));
  }
}

bool same_bits(const Tensor& x, const Tensor& y) {
  return x.dtype() == y.dtype() && x.shape() == y.shape() &&
         std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0;
}

bool same_state(const NamedTensors& x, const NamedTensors& y) {
  if (x.size() != y.size()) return false;
  for (const auto& [key, t] : x) {
    const auto found = y.find(key);
    if (found == y.end() || !same_bits(t, found->second)) return false;
  }
  return true;
}

Tensor int64_scalar(std::int64_t v) {
  Tensor t = Tensor::empty({1}, voxtrain::DType::Int64);
  t.data<std::int64_t>()[0] = v;
  return t;
}

}  // namespace

TEST_CASE("resuming from state() continues bit for bit", "[nn][optim]") {
  for (const std::string& name : voxtrain::optimizer_names()) {
    INFO(name);
    // Uninterrupted: 8 steps.
    Model whole;
    auto opt = make_optimizer(resume_config(name));
    run_steps(*opt, whole, 0, 8);

    // Interrupted after 3 steps: the weights and the state go to a fresh optimizer.
    Model first;
    auto before = make_optimizer(resume_config(name));
    run_steps(*before, first, 0, 3);
    const NamedTensors saved = before->state();
    Model resumed;  // a checkpoint's weights
    resumed.a.value() = first.a.value().clone();
    resumed.b.value() = first.b.value().clone();
    run_steps(*before, first, 3, 4);  // the saved state is a copy, not a view

    auto after = make_optimizer(resume_config(name));
    after->load_state(saved);
    CHECK(after->steps() == 3);
    CHECK(same_state(after->state(), saved));
    run_steps(*after, resumed, 3, 8);

    CHECK(same_bits(resumed.a.value(), whole.a.value()));
    CHECK(same_bits(resumed.b.value(), whole.b.value()));
    CHECK(same_state(after->state(), opt->state()));
  }
}

TEST_CASE("state() names a step count and each parameter's slots", "[nn][optim]") {
  Model m;
  OptimizerConfig c;
  c.name = "adam";
  auto opt = make_optimizer(c);
  run_steps(*opt, m, 0, 2);
  const NamedTensors s = opt->state();
  std::vector<std::string> keys;
  for (const auto& [key, t] : s) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"net.a/m", "net.a/step", "net.a/v", "net.b/m", "net.b/step", "net.b/v", "step"});
  CHECK(s.at("step").data<std::int64_t>()[0] == 2);
  CHECK(s.at("net.b/step").data<std::int64_t>()[0] == 2);
  CHECK(s.at("net.a/m").shape() == m.a.value().shape());

  c.name = "gradientdescent";
  auto plain = make_optimizer(c);
  run_steps(*plain, m, 0, 1);
  CHECK(plain->state().size() == 3);  // step, net.a/step, net.b/step
}

TEST_CASE("a parameter that joins later starts with fresh state", "[nn][optim]") {
  OptimizerConfig c;
  c.name = "adam";
  auto opt = make_optimizer(c);
  Parameter a = make_parameter("a", {1.0f, 2.0f});
  Parameter b = make_parameter("b", {-1.0f, 0.5f, 4.0f});
  std::vector<Parameter*> only_a = {&a};
  for (int k = 0; k < 3; ++k) {
    voxtrain::test::set_grad(a, {0.3f, -0.2f});
    opt->step(only_a, 0.01);
  }
  voxtrain::test::set_grad(b, {0.1f, -2.0f, 0.7f});
  std::vector<Parameter*> both = {&a, &b};
  opt->step(both, 0.01);

  // b's first update is that of a fresh Adam (bias correction for t = 1), not of t = 4.
  auto fresh = make_optimizer(c);
  Parameter b_alone = make_parameter("b", {-1.0f, 0.5f, 4.0f});
  voxtrain::test::set_grad(b_alone, {0.1f, -2.0f, 0.7f});
  std::vector<Parameter*> just_b = {&b_alone};
  fresh->step(just_b, 0.01);
  CHECK(values_of(b.value()) == values_of(b_alone.value()));
  CHECK(opt->state().at("b/step").data<std::int64_t>()[0] == 1);
  CHECK(opt->state().at("a/step").data<std::int64_t>()[0] == 4);
}

TEST_CASE("a non-finite gradient is refused before any weight changes", "[nn][optim]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (const std::string& name : voxtrain::optimizer_names()) {
    for (const bool in_b : {true, false}) {
      INFO(name << (in_b ? ", NaN in net.b" : ", -Inf in net.a"));
      Model m;
      auto opt = make_optimizer(resume_config(name));
      run_steps(*opt, m, 0, 2);
      const auto a_before = values_of(m.a.value());
      const auto b_before = values_of(m.b.value());
      const NamedTensors state_before = opt->state();

      m.set_gradients(2);
      if (in_b) m.b.grad().data<float>()[2] = nan;
      else m.a.grad().data<float>()[0] = -inf;
      auto params = m.params();
      try {
        opt->step(params, 0.01);
        FAIL("step() accepted a non-finite gradient");
      } catch (const Error& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Contains(in_b ? "parameter 'net.b'" : "parameter 'net.a'"));
        CHECK_THAT(what, Contains(in_b ? "element 2" : "element 0"));
        CHECK_THAT(what, Contains(in_b ? "nan" : "-inf"));
        CHECK_THAT(what, Contains("no weight was updated"));
      }
      CHECK(values_of(m.a.value()) == a_before);
      CHECK(values_of(m.b.value()) == b_before);
      CHECK(opt->steps() == 2);
      CHECK(same_state(opt->state(), state_before));
    }
  }
}

TEST_CASE("load_state names the missing or mismatched entry and keeps the old state", "[nn][optim]") {
  OptimizerConfig adam;
  adam.name = "adam";
  Model m;
  auto opt = make_optimizer(adam);
  run_steps(*opt, m, 0, 2);
  const NamedTensors good = opt->state();

  auto fresh = make_optimizer(adam);
  run_steps(*fresh, m, 0, 1);
  const NamedTensors fresh_before = fresh->state();
  auto refuses = [&](const NamedTensors& state, const std::string& needle) {
    INFO(needle);
    CHECK_THROWS_WITH(fresh->load_state(state), Contains(needle));
    CHECK(same_state(fresh->state(), fresh_before));
  };

  NamedTensors s = good;
  s.erase("step");
  refuses(s, "no 'step' entry");

  s = good;
  s.erase("net.a/v");
  refuses(s, "lacks the entry 'net.a/v'");

  s = good;
  s.erase("net.b/step");
  refuses(s, "'net.b/step'");

  s = good;
  s["net.a/velocity"] = good.at("net.a/m").clone();
  refuses(s, "'net.a/velocity' is not one optimiser 'adam' keeps (per parameter: m, v, step)");

  s = good;
  s["net.a/m"] = Tensor::zeros(good.at("net.a/m").shape(), voxtrain::DType::Int32);
  refuses(s, "'net.a/m' must be a float32 host tensor, not int32");

  s = good;
  s["net.a/v"] = Tensor::zeros({4});
  refuses(s, "'net.a/v' has shape [4] but 'net.a/m' has shape [5]");

  s = good;
  s["net.a/step"] = int64_scalar(0);
  refuses(s, "'net.a/step' = 0 must be >= 1");

  // Another optimiser's state.
  OptimizerConfig momentum;
  momentum.name = "momentum";
  auto sgd = make_optimizer(momentum);
  CHECK_THROWS_WITH(sgd->load_state(good), Contains("'net.a/m' is not one optimiser 'momentum' keeps"));
  run_steps(*sgd, m, 0, 1);
  refuses(sgd->state(), "'net.a/momentum' is not one optimiser 'adam' keeps");

  // State of a parameter whose shape has changed: refused at the next step, weights untouched.
  auto loaded = make_optimizer(adam);
  loaded->load_state(good);
  Parameter smaller = make_parameter("net.a", {1.0f, 2.0f, 3.0f, 4.0f});
  std::vector<Parameter*> params = {&smaller};
  CHECK_THROWS_WITH(loaded->step(params, 0.01),
                    Contains("optimizer state 'net.a/m' has shape [5] but parameter 'net.a' has shape [4]"));
  CHECK(values_of(smaller.value()) == std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f});
}

TEST_CASE("an unknown optimiser name lists the valid ones and suggests the closest", "[nn][optim]") {
  OptimizerConfig c;
  c.name = "adma";
  try {
    make_optimizer(c);
    FAIL("make_optimizer accepted 'adma'");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "[TRAINING] optimiser = 'adma' is not an optimiser voxtrain knows: use one of adam, adamw, "
          "gradientdescent, sgd, momentum, nesterov, adagrad, rmsprop (did you mean 'adam'?)");
  }
  c.name = "rmsprob";
  CHECK_THROWS_WITH(make_optimizer(c), Contains("(did you mean 'rmsprop'?)"));
  c.name = "lbfgs";
  CHECK_THROWS_WITH(make_optimizer(c), !Contains("did you mean"));
  c.name = "Adam";  // NiftyNet's names, any case
  CHECK(make_optimizer(c)->name() == "adam");
}

TEST_CASE("out-of-range optimizer settings name their key and a usable value", "[nn][optim]") {
  auto refuses = [](OptimizerConfig c, const std::string& needle) {
    INFO(needle);
    try {
      make_optimizer(c);
      FAIL("accepted");
    } catch (const Error& e) {
      const std::string what = e.what();
      CHECK_THAT(what, Contains(needle));
      CHECK(what.find('\n') == std::string::npos);
    }
  };
  OptimizerConfig c;
  c.beta1 = 1.0;
  refuses(c, "[TRAINING] beta1 = 1 is outside [0, 1) for optimiser 'adam': use a value such as 0.9");
  c = {};
  c.beta2 = -0.1;
  refuses(c, "[TRAINING] beta2 = -0.1 is outside [0, 1)");
  c = {};
  c.epsilon = 0;
  refuses(c, "[TRAINING] epsilon = 0 must be a finite number > 0");
  c = {};
  c.reg_type = "L3";
  refuses(c, "[NETWORK] reg_type = 'L3' is not a regularisation voxtrain knows: use L2 or L1 (did you mean 'L2'?)");
  c = {};
  c.decay = -1e-4;
  refuses(c, "[NETWORK] decay = -0.0001 must be a finite number >= 0");
  c = {};
  c.weight_decay = 0.01;
  refuses(c, "[TRAINING] weight_decay = 0.01 applies only to optimiser 'adamw', not 'adam'");
  c = {};
  c.clip_global_norm = std::numeric_limits<double>::quiet_NaN();
  refuses(c, "[TRAINING] clip_global_norm = nan must be a finite number >= 0");
  c = {};
  c.name = "momentum";
  c.momentum = 1.0;
  refuses(c, "[TRAINING] momentum = 1 is outside [0, 1) for optimiser 'momentum'");
  c = {};
  c.name = "gradientdescent";
  c.nesterov = true;
  refuses(c, "nesterov = true needs momentum");
  c = {};
  c.name = "nesterov";
  c.momentum = 0;
  refuses(c, "Nesterov momentum needs [TRAINING] momentum > 0");
  c = {};
  c.nesterov = true;
  refuses(c, "[TRAINING] nesterov = true applies only to optimisers sgd, momentum and nesterov, not 'adam'");
  c = {};
  c.name = "adamw";
  c.rmsprop_momentum = 0.9;
  refuses(c, "[TRAINING] rmsprop_momentum = 0.9 applies only to optimiser 'rmsprop', not 'adamw'");
  c = {};
  c.name = "adagrad";
  c.initial_accumulator = 0;
  refuses(c, "[TRAINING] initial_accumulator = 0 must be a finite number > 0 for optimiser 'adagrad'");
  c = {};
  c.name = "rmsprop";
  c.rho = 1.5;
  refuses(c, "[TRAINING] rho = 1.5 is outside [0, 1) for optimiser 'rmsprop'");

  // A negative or non-finite learning rate is refused at step(), before any change.
  c = {};
  auto opt = make_optimizer(c);
  Parameter p = make_parameter("w", {1.0f});
  std::vector<Parameter*> params = {&p};
  CHECK_THROWS_WITH(opt->step(params, -0.01), Contains("learning rate -0.01 for optimiser 'adam'"));
  CHECK_THROWS_WITH(opt->step(params, std::numeric_limits<double>::infinity()), Contains("check [TRAINING] lr"));
  CHECK(p.value().data<float>()[0] == 1.0f);
  CHECK(opt->steps() == 0);
}
