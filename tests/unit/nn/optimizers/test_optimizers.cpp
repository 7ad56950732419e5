// test_optimizers.cpp — each optimizer's updates against a per-element scalar recurrence written
// out here from the framework's documented formula (TF 1.x for NiftyNet's optimisers, PyTorch for
// AdamW), kept in double; plus regularisation, clipping and convergence on a convex quadratic.
//
// No PyTorch reference values are embedded: torch could not be installed on the machine these
// tests were written on (no network access to download.pytorch.org); the recurrences below are
// transcribed from the TF 1.15 / PyTorch 2.x documentation instead.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "unit/nn/optimizers/optimizer_test_support.hpp"
#include "voxtrain/nn/optimizer.hpp"

using voxtrain::OptimizerConfig;
using voxtrain::Parameter;
using voxtrain::make_optimizer;
using voxtrain::test::gradient_at;
using voxtrain::test::lr_at;
using voxtrain::test::make_parameter;
using voxtrain::test::set_grad;
using voxtrain::test::values_of;

namespace {

const std::vector<float> kStart = {0.5f, -1.25f, 2.0f, 0.0f, -0.3f};
constexpr int kSteps = 6;
constexpr double kBaseLr = 0.1;

// Runs kSteps of the optimizer on one parameter starting at kStart with gradient_at(k, i) and
// lr_at(k); returns the weights after each step.
std::vector<std::vector<float>> run(const OptimizerConfig& config) {
  auto opt = make_optimizer(config);
  Parameter p = make_parameter("w", kStart);
  std::vector<Parameter*> params = {&p};
  std::vector<std::vector<float>> history;
  for (int k = 0; k < kSteps; ++k) {
    std::vector<float> g(kStart.size());
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = gradient_at(k, i);
    set_grad(p, g);
    opt->step(params, lr_at(k, kBaseLr));
    history.push_back(values_of(p.value()));
  }
  return history;
}

// The same trajectory from a scalar recurrence: next(k, i, w, g, lr) returns the new weight of
// element i and keeps whatever state it needs per element.
template <class Recurrence>
std::vector<std::vector<double>> reference(Recurrence next) {
  std::vector<double> w(kStart.begin(), kStart.end());
  std::vector<std::vector<double>> history;
  for (int k = 0; k < kSteps; ++k) {
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = next(k, i, w[i], static_cast<double>(gradient_at(k, i)), lr_at(k, kBaseLr));
    history.push_back(w);
  }
  return history;
}

void check_trajectory(const std::vector<std::vector<float>>& actual, const std::vector<std::vector<double>>& expected) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t k = 0; k < actual.size(); ++k)
    for (std::size_t i = 0; i < actual[k].size(); ++i) {
      INFO("step " << k + 1 << ", element " << i);
      CHECK(actual[k][i] == Approx(expected[k][i]).epsilon(1e-5).margin(1e-6));
    }
}

OptimizerConfig named(const std::string& name) {
  OptimizerConfig c;
  c.name = name;
  return c;
}

}  // namespace

TEST_CASE("gradientdescent is w -= lr * g", "[nn][optim]") {
  check_trajectory(run(named("gradientdescent")),
                   reference([](int, std::size_t, double w, double g, double lr) { return w - lr * g; }));
}

TEST_CASE("momentum and nesterov follow TF's MomentumOptimizer recurrences", "[nn][optim]") {
  // TF 1.x docs: accumulation = momentum * accumulation + gradient;
  //   variable -= learning_rate * accumulation, or with use_nesterov
  //   variable -= learning_rate * (gradient + momentum * accumulation).
  for (const bool nesterov : {false, true}) {
    for (const double mu : {0.9, 0.5}) {
      OptimizerConfig c = named(nesterov ? "nesterov" : "momentum");
      c.momentum = mu;
      std::vector<double> acc(kStart.size(), 0.0);
      INFO("nesterov " << nesterov << ", momentum " << mu);
      check_trajectory(run(c), reference([&](int, std::size_t i, double w, double g, double lr) {
                         acc[i] = mu * acc[i] + g;
                         return nesterov ? w - lr * (g + mu * acc[i]) : w - lr * acc[i];
                       }));
    }
  }
}

TEST_CASE("sgd takes momentum and nesterov from the config", "[nn][optim]") {
  OptimizerConfig sgd = named("sgd");
  sgd.momentum = 0.0;
  CHECK(run(sgd) == run(named("gradientdescent")));
  sgd.momentum = 0.9;
  CHECK(run(sgd) == run(named("momentum")));
  sgd.nesterov = true;
  CHECK(run(sgd) == run(named("nesterov")));
  CHECK(run(sgd) != run(named("momentum")));
}

TEST_CASE("adam follows TF's update rule element by element", "[nn][optim]") {
  // TF 1.x AdamOptimizer docs (Kingma & Ba section 2, "efficient" form):
  //   lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m = beta1 m + (1 - beta1) g;
  //   v = beta2 v + (1 - beta2) g^2; variable -= lr_t * m / (sqrt(v) + epsilon).
  // A large epsilon makes the "epsilon hat" placement visible.
  for (const double eps : {1e-8, 0.3}) {
    OptimizerConfig c = named("adam");
    c.beta1 = 0.8;
    c.beta2 = 0.95;
    c.epsilon = eps;
    std::vector<double> m(kStart.size(), 0.0), v(kStart.size(), 0.0);
    INFO("epsilon " << eps);
    check_trajectory(run(c), reference([&](int k, std::size_t i, double w, double g, double lr) {
                       const double t = k + 1;
                       const double lr_t = lr * std::sqrt(1 - std::pow(0.95, t)) / (1 - std::pow(0.8, t));
                       m[i] = 0.8 * m[i] + 0.2 * g;
                       v[i] = 0.95 * v[i] + 0.05 * g * g;
                       return w - lr_t * m[i] / (std::sqrt(v[i]) + eps);
                     }));
  }
}

TEST_CASE("adam with a tiny epsilon matches Kingma and Ba's Algorithm 1", "[nn][optim]") {
  // Algorithm 1 with bias-corrected moments m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t):
  // theta -= alpha * m_hat / (sqrt(v_hat) + eps). With eps -> 0 the two forms agree.
  OptimizerConfig c = named("adam");
  c.epsilon = 1e-12;
  std::vector<double> m(kStart.size(), 0.0), v(kStart.size(), 0.0);
  check_trajectory(run(c), reference([&](int k, std::size_t i, double w, double g, double lr) {
                     const int t = k + 1;
                     m[i] = 0.9 * m[i] + 0.1 * g;
                     v[i] = 0.999 * v[i] + 0.001 * g * g;
                     double b1t = 1, b2t = 1;
                     for (int s = 0; s < t; ++s) b1t *= 0.9, b2t *= 0.999;
                     return w - lr * (m[i] / (1 - b1t)) / (std::sqrt(v[i] / (1 - b2t)) + 1e-12);
                   }));
}

TEST_CASE("adam's first step moves every weight by about lr against its gradient", "[nn][optim]") {
  // After one step m_hat = g and v_hat = g^2, so the step is lr * g / |g| (Kingma & Ba, 2.1).
  const auto history = run(named("adam"));
  for (std::size_t i = 0; i < kStart.size(); ++i) {
    const double sign = gradient_at(0, i) > 0 ? 1.0 : -1.0;
    CHECK(history[0][i] == Approx(kStart[i] - kBaseLr * sign).margin(1e-6));
  }
}

TEST_CASE("adamw decays the weights apart from the gradient, unlike adam's L2 decay", "[nn][optim]") {
  // PyTorch's AdamW: theta *= (1 - lr * weight_decay), then the Adam step (here in TF's form).
  OptimizerConfig c = named("adamw");
  c.weight_decay = 0.3;
  std::vector<double> m(kStart.size(), 0.0), v(kStart.size(), 0.0);
  const auto adamw = run(c);
  check_trajectory(adamw, reference([&](int k, std::size_t i, double w, double g, double lr) {
                     const double t = k + 1;
                     w *= 1 - lr * 0.3;
                     m[i] = 0.9 * m[i] + 0.1 * g;
                     v[i] = 0.999 * v[i] + 0.001 * g * g;
                     const double lr_t = lr * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
                     return w - lr_t * m[i] / (std::sqrt(v[i]) + 1e-8);
                   }));

  // The same coefficient as L2 regularisation goes through m and v and gives another path.
  OptimizerConfig l2 = named("adam");
  l2.decay = 0.3;
  const auto adam_l2 = run(l2);
  double largest_difference = 0;
  for (std::size_t i = 0; i < kStart.size(); ++i)
    largest_difference = std::max(largest_difference, std::abs(static_cast<double>(adamw.back()[i] - adam_l2.back()[i])));
  CHECK(largest_difference > 1e-3);

  // Without decay, adamw is adam, bit for bit.
  CHECK(run(named("adamw")) == run(named("adam")));
}

TEST_CASE("adagrad follows TF's AdagradOptimizer", "[nn][optim]") {
  // TF 1.x: accum starts at initial_accumulator_value; accum += g^2; var -= lr * g / sqrt(accum).
  for (const double start : {0.1, 2.0}) {
    OptimizerConfig c = named("adagrad");
    c.initial_accumulator = start;
    std::vector<double> acc(kStart.size(), start);
    INFO("initial accumulator " << start);
    check_trajectory(run(c), reference([&](int, std::size_t i, double w, double g, double lr) {
                       acc[i] += g * g;
                       return w - lr * g / std::sqrt(acc[i]);
                     }));
  }
}

TEST_CASE("rmsprop follows TF's RMSPropOptimizer", "[nn][optim]") {
  // TF 1.x docs: mean_square = decay * mean_square + (1 - decay) * g^2 (mean_square starts at 1);
  //   mom = momentum * mom + lr * g / sqrt(mean_square + epsilon); var -= mom.
  for (const double mu : {0.0, 0.7}) {
    OptimizerConfig c = named("rmsprop");
    c.rho = 0.8;
    c.rmsprop_momentum = mu;
    c.rmsprop_epsilon = 0.01;
    std::vector<double> ms(kStart.size(), 1.0), mom(kStart.size(), 0.0);
    INFO("momentum " << mu);
    check_trajectory(run(c), reference([&](int, std::size_t i, double w, double g, double lr) {
                       ms[i] = 0.8 * ms[i] + 0.2 * g * g;
                       mom[i] = mu * mom[i] + lr * g / std::sqrt(ms[i] + 0.01);
                       return w - mom[i];
                     }));
  }
}

TEST_CASE("L2 regularisation adds decay * w to the gradient, L1 adds decay * sign(w)", "[nn][optim]") {
  // tf l2_regularizer(d) = d * sum(w^2) / 2, whose gradient is d * w; l1_regularizer(d) = d * sum|w|.
  const double decay = 0.25;
  for (const std::string type : {"L2", "l1"}) {
    OptimizerConfig c = named("gradientdescent");
    c.decay = decay;
    c.reg_type = type;
    const auto history = run(c);
    const double lr = lr_at(0, kBaseLr);
    for (std::size_t i = 0; i < kStart.size(); ++i) {
      const double w = kStart[i];
      const double penalty = type == "L2" ? decay * w : decay * (w > 0 ? 1.0 : w < 0 ? -1.0 : 0.0);
      INFO(type << ", element " << i);
      CHECK(history[0][i] == Approx(w - lr * (gradient_at(0, i) + penalty)).margin(1e-7));
    }
  }
  // No decay: the reg_type makes no difference.
  OptimizerConfig l1 = named("gradientdescent");
  l1.reg_type = "L1";
  CHECK(run(l1) == run(named("gradientdescent")));
}

TEST_CASE("global-norm clipping scales all gradients to the limit together", "[nn][optim]") {
  // Two parameters; with w = 0 and lr = 1, one gradientdescent step leaves w = -clipped grad.
  const std::vector<float> ga = {3.0f, -4.0f, 1.0f};
  const std::vector<float> gb = {2.0f, 0.5f};
  double norm = 0;
  for (float g : ga) norm += double(g) * g;
  for (float g : gb) norm += double(g) * g;
  norm = std::sqrt(norm);  // sqrt(30.25) = 5.5

  auto step_once = [&](double clip, std::vector<float>& a_out, std::vector<float>& b_out) {
    OptimizerConfig c = named("gradientdescent");
    c.clip_global_norm = clip;
    auto opt = make_optimizer(c);
    Parameter a = make_parameter("a", {0, 0, 0});
    Parameter b = make_parameter("b", {0, 0});
    set_grad(a, ga);
    set_grad(b, gb);
    std::vector<Parameter*> params = {&a, &b};
    opt->step(params, 1.0);
    a_out = values_of(a.value());
    b_out = values_of(b.value());
  };

  std::vector<float> a, b;
  step_once(2.0, a, b);
  double clipped = 0;
  for (float x : a) clipped += double(x) * x;
  for (float x : b) clipped += double(x) * x;
  CHECK(std::sqrt(clipped) == Approx(2.0).epsilon(1e-6));
  for (std::size_t i = 0; i < ga.size(); ++i) CHECK(-a[i] == Approx(ga[i] * 2.0 / norm).epsilon(1e-6));
  for (std::size_t i = 0; i < gb.size(); ++i) CHECK(-b[i] == Approx(gb[i] * 2.0 / norm).epsilon(1e-6));

  // At or below the limit nothing changes, bit for bit.
  std::vector<float> a0, b0, a1, b1;
  step_once(0.0, a0, b0);
  step_once(5.5, a1, b1);
  CHECK(a1 == a0);
  CHECK(b1 == b0);
  step_once(100.0, a1, b1);
  CHECK(a1 == a0);
  CHECK(b1 == b0);
  for (std::size_t i = 0; i < ga.size(); ++i) CHECK(a0[i] == -ga[i]);
}

TEST_CASE("clipping applies to the regularised gradient", "[nn][optim]") {
  // w = (1, 2), g = (0, 0), L2 decay 2: regularised gradient (2, 4), norm sqrt(20), clipped to 1.
  OptimizerConfig c = named("gradientdescent");
  c.decay = 2.0;
  c.clip_global_norm = 1.0;
  auto opt = make_optimizer(c);
  Parameter p = make_parameter("w", {1.0f, 2.0f});
  std::vector<Parameter*> params = {&p};
  opt->step(params, 1.0);
  CHECK(p.value().data<float>()[0] == Approx(1.0 - 2.0 / std::sqrt(20.0)).epsilon(1e-6));
  CHECK(p.value().data<float>()[1] == Approx(2.0 - 4.0 / std::sqrt(20.0)).epsilon(1e-6));
}

TEST_CASE("every optimizer minimises a convex quadratic", "[nn][optim]") {
  // f(w) = sum_i (w_i - target_i)^2, gradient 2 (w - target); minimum 0 at target.
  struct Case {
    std::string name;
    double lr;
    int steps;
  };
  const std::vector<Case> cases = {{"gradientdescent", 0.1, 200}, {"sgd", 0.02, 300},   {"momentum", 0.02, 300},
                                   {"nesterov", 0.02, 300},       {"adam", 0.02, 1500}, {"adamw", 0.02, 1500},
                                   {"adagrad", 0.5, 1000},        {"rmsprop", 0.01, 1500}};
  const std::vector<float> target = {1.5f, -2.0f, 0.25f, 3.0f};
  for (const Case& k : cases) {
    INFO(k.name);
    auto opt = make_optimizer(named(k.name));
    Parameter p = make_parameter("w", {0.0f, 0.0f, 0.0f, 0.0f});
    std::vector<Parameter*> params = {&p};
    auto loss = [&] {
      double f = 0;
      for (std::size_t i = 0; i < target.size(); ++i) f += std::pow(p.value().data<float>()[i] - target[i], 2);
      return f;
    };
    const double initial = loss();
    for (int s = 0; s < k.steps; ++s) {
      for (std::size_t i = 0; i < target.size(); ++i)
        p.grad().data<float>()[i] = 2.0f * (p.value().data<float>()[i] - target[i]);
      opt->step(params, k.lr);
    }
    CHECK(loss() < 1e-4 * initial);
  }
}
