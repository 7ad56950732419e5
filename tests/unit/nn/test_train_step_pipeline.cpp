// test_train_step_pipeline.cpp — TrainStep's stages seen from a recording reduction: hand-offs during
// backward, the optimizer after the one wait, frozen parameters, non-finite values, evaluation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "support/reference/gradcheck.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/functional.hpp"
#include "voxtrain/nn/train_step.hpp"

using voxtrain::Parameter;
using voxtrain::StepOptions;
using voxtrain::StepResult;
using voxtrain::Tensor;
using voxtrain::TrainStep;
using voxtrain::test::random_tensor;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A reduction that records what it is told, and in wait_all halves every gradient handed off (as
// an average over two ranks that all hold the same gradient would not: a change that shows).
class RecordingReduction final : public voxtrain::GradientReduction {
 public:
  struct HandOff {
    std::string name;
    Tensor grad;                            // the gradient as handed off
    std::vector<std::string> still_zero;    // trainable parameters whose gradient was still all zeros then
  };
  std::vector<Parameter*> expected;
  std::vector<HandOff> hand_offs;
  int waits = 0;
  int hand_offs_before_wait = -1;
  double scale = 0.5;
  // After scaling: poison element `poison_index` of the parameter named `poison`.
  std::string poison;
  std::int64_t poison_index = 0;

  void begin_step(std::span<Parameter* const> parameters) override {
    expected.assign(parameters.begin(), parameters.end());
    hand_offs.clear();
    waits = 0;
  }
  void gradient_ready(Parameter& p) override {
    HandOff h{p.name(), p.grad().clone(), {}};
    for (Parameter* q : expected) {
      bool zero = true;
      for (std::int64_t i = 0; i < q->numel() && zero; ++i) zero = q->grad().data<float>()[i] == 0.0f;
      if (zero) h.still_zero.push_back(q->name());
    }
    hand_offs.push_back(std::move(h));
  }
  void wait_all() override {
    ++waits;
    hand_offs_before_wait = static_cast<int>(hand_offs.size());
    for (Parameter* q : expected) {
      float* g = q->grad().data<float>();
      for (std::int64_t i = 0; i < q->numel(); ++i) g[i] = static_cast<float>(g[i] * scale);
      if (q->name() == poison) g[poison_index] = kNaN;
    }
  }
  const HandOff* find(const std::string& name) const {
    for (const HandOff& h : hand_offs)
      if (h.name == name) return &h;
    return nullptr;
  }
};

struct Batch {
  Tensor images = random_tensor({2, 1, 6, 5, 4}, 71);
  Tensor labels = Tensor::empty({2, 1, 6, 5, 4}, voxtrain::DType::Int32);
  Batch() {
    const float* x = images.data<float>();
    for (std::int64_t i = 0; i < labels.numel(); ++i) labels.data<std::int32_t>()[i] = x[i] > 0.2f ? 1 : 0;
  }
};

std::unique_ptr<voxtrain::Network> toynet(const std::string& normalisation = "instance") {
  voxtrain::NetworkConfig config;
  config.in_channels = 1;
  config.num_classes = 2;
  config.normalisation = normalisation;
  config.init.seed = 17;
  return voxtrain::make_network("toynet", config);
}

std::unique_ptr<voxtrain::Optimizer> plain_sgd() {
  voxtrain::OptimizerConfig c;
  c.name = "gradientdescent";
  return voxtrain::make_optimizer(c);
}

std::map<std::string, Tensor> values_of(voxtrain::Network& net) {
  std::map<std::string, Tensor> out;
  for (Parameter* p : net.parameters()) out[p->name()] = p->value().clone();
  return out;
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape())) return false;
  for (std::int64_t i = 0; i < a.numel(); ++i)
    if (std::memcmp(a.data<float>() + i, b.data<float>() + i, sizeof(float)) != 0) return false;
  return true;
}

StepOptions sgd_options(double lr) {
  StepOptions o;
  o.learning_rate = lr;
  return o;
}

}  // namespace

TEST_CASE("TrainStep hands every trainable gradient off once, during backward, and updates after the wait",
          "[nn][train_step]") {
  auto net = toynet();
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto sgd = plain_sgd();
  RecordingReduction reduction;
  const Batch b;
  const auto before = values_of(*net);
  TrainStep step(voxtrain::cpu_backend(), *net, *loss, *sgd, reduction, net->parameters());
  const double lr = 0.1;
  const StepResult r = step.run(b.images, b.labels, nullptr, sgd_options(lr));
  REQUIRE_FALSE(r.nonfinite);
  CHECK(r.updated);
  CHECK(std::isfinite(r.loss));

  // Every trainable parameter exactly once, all before the one wait.
  const auto params = net->parameters();
  REQUIRE(reduction.hand_offs.size() == params.size());
  for (Parameter* p : params) {
    int count = 0;
    for (const auto& h : reduction.hand_offs) count += h.name == p->name();
    INFO(p->name());
    CHECK(count == 1);
  }
  CHECK(reduction.waits == 1);
  CHECK(reduction.hand_offs_before_wait == static_cast<int>(params.size()));

  // During backward: when the classifier's gradient was handed off, the first convolution's
  // gradient had not been accumulated yet (it was still the zeros of the step's start).
  const auto& first = reduction.hand_offs.front();
  CHECK(first.name.find("conv_2") != std::string::npos);
  CHECK(std::find(first.still_zero.begin(), first.still_zero.end(), params.front()->name()) != first.still_zero.end());
  CHECK(reduction.hand_offs.back().still_zero.empty());

  // The handed-off gradients are d(loss)/dw of an independent forward and backward (a fresh tape).
  auto twin = toynet();
  {
    voxtrain::Tape tape(voxtrain::cpu_backend());
    const voxtrain::Var l = voxtrain::fn::loss(twin->forward(tape.input(b.images)), *loss, b.labels, nullptr);
    Tensor seed = Tensor::empty({1});
    seed.fill(1.0);
    tape.backward(l, seed);
  }
  // The update used the halved (reduced) gradient: w1 = w0 - lr * 0.5 * g, worked here in double.
  for (Parameter* p : twin->parameters()) {
    const auto* h = reduction.find(p->name());
    REQUIRE(h != nullptr);
    const Tensor& w0 = before.at(p->name());
    Parameter* updated = nullptr;
    for (Parameter* q : params)
      if (q->name() == p->name()) updated = q;
    INFO(p->name());
    for (std::int64_t i = 0; i < p->numel(); ++i) {
      REQUIRE(h->grad.data<float>()[i] == Approx(p->grad().data<float>()[i]).epsilon(1e-5).margin(1e-8));
      const double expected = w0.data<float>()[i] - lr * 0.5 * h->grad.data<float>()[i];
      REQUIRE(updated->value().data<float>()[i] == Approx(expected).epsilon(1e-6).margin(1e-7));
    }
  }
  // And the optimizer did move the weights (the check above is not vacuous).
  bool moved = false;
  for (Parameter* p : params) moved = moved || !bitwise_equal(p->value(), before.at(p->name()));
  CHECK(moved);
}

TEST_CASE("frozen parameters are neither handed off nor updated", "[nn][train_step]") {
  auto net = toynet();
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto sgd = plain_sgd();
  RecordingReduction reduction;
  const Batch b;
  const auto before = values_of(*net);
  std::vector<Parameter*> trainable, frozen;
  for (Parameter* p : net->parameters()) (p->name().find("conv_1") != std::string::npos ? frozen : trainable).push_back(p);
  REQUIRE_FALSE(frozen.empty());
  REQUIRE_FALSE(trainable.empty());
  TrainStep step(voxtrain::cpu_backend(), *net, *loss, *sgd, reduction, trainable);
  for (int i = 0; i < 2; ++i) REQUIRE(step.run(b.images, b.labels, nullptr, sgd_options(0.1)).updated);
  CHECK(reduction.hand_offs.size() == trainable.size());
  for (Parameter* p : frozen) {
    INFO(p->name());
    CHECK(reduction.find(p->name()) == nullptr);
    CHECK(bitwise_equal(p->value(), before.at(p->name())));
  }
  for (Parameter* p : trainable) {
    INFO(p->name());
    CHECK(reduction.find(p->name()) != nullptr);
    CHECK_FALSE(bitwise_equal(p->value(), before.at(p->name())));
  }
}

TEST_CASE("a NaN in the images is reported, handed off as NaN gradients, and no weight changes", "[nn][train_step]") {
  auto net = toynet();
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto sgd = plain_sgd();
  RecordingReduction reduction;
  Batch b;
  const std::int64_t at = b.images.numel() / 2 + 7;  // in the second image of the batch
  b.images.data<float>()[at] = kNaN;
  const auto before = values_of(*net);
  TrainStep step(voxtrain::cpu_backend(), *net, *loss, *sgd, reduction, net->parameters());
  const StepResult r = step.run(b.images, b.labels, nullptr, sgd_options(0.1));
  REQUIRE(r.nonfinite);
  CHECK(r.nonfinite->what == "images");
  CHECK(r.nonfinite->index == at);
  CHECK(r.nonfinite->item == 1);
  CHECK(std::isnan(r.nonfinite->value));
  CHECK(std::isnan(r.loss));
  CHECK_FALSE(r.updated);
  for (Parameter* p : net->parameters()) CHECK(bitwise_equal(p->value(), before.at(p->name())));
  // Every rank must skip together: this one still handed off every gradient, as NaN, and waited.
  CHECK(reduction.hand_offs.size() == net->parameters().size());
  for (const auto& h : reduction.hand_offs) CHECK(std::isnan(h.grad.data<float>()[0]));
  CHECK(reduction.waits == 1);

  // The next, clean, step trains again.
  const Batch clean;
  CHECK(step.run(clean.images, clean.labels, nullptr, sgd_options(0.1)).updated);
}

TEST_CASE("non-finite logits are reported with the batch item before the loss sees them", "[nn][train_step]") {
  auto net = toynet();
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto sgd = plain_sgd();
  RecordingReduction reduction;
  const Batch b;
  Parameter* classifier_weight = nullptr;
  for (Parameter* p : net->parameters())
    if (p->name().find("conv_2") != std::string::npos && p->name().find("weight") != std::string::npos)
      classifier_weight = p;
  REQUIRE(classifier_weight != nullptr);
  classifier_weight->value().data<float>()[0] = std::numeric_limits<float>::infinity();
  const auto before = values_of(*net);
  TrainStep step(voxtrain::cpu_backend(), *net, *loss, *sgd, reduction, net->parameters());
  const StepResult r = step.run(b.images, b.labels, nullptr, sgd_options(0.1));
  REQUIRE(r.nonfinite);
  CHECK(r.nonfinite->what == "logits");
  CHECK(r.nonfinite->item == 0);
  CHECK_FALSE(r.updated);
  for (Parameter* p : net->parameters()) CHECK(bitwise_equal(p->value(), before.at(p->name())));
}

TEST_CASE("a NaN that appears in one reduced gradient is reported with its parameter and element", "[nn][train_step]") {
  auto net = toynet();
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto sgd = plain_sgd();
  RecordingReduction reduction;
  const Batch b;
  const auto params = net->parameters();
  Parameter* victim = params.back();
  reduction.poison = victim->name();
  reduction.poison_index = victim->numel() - 1;
  const auto before = values_of(*net);
  TrainStep step(voxtrain::cpu_backend(), *net, *loss, *sgd, reduction, params);
  const StepResult r = step.run(b.images, b.labels, nullptr, sgd_options(0.1));
  REQUIRE(r.nonfinite);
  CHECK(r.nonfinite->what == victim->name());
  CHECK(r.nonfinite->index == victim->numel() - 1);
  CHECK(r.nonfinite->item == -1);
  CHECK(std::isfinite(r.loss));
  CHECK_FALSE(r.updated);
  for (Parameter* p : params) CHECK(bitwise_equal(p->value(), before.at(p->name())));

  // Without the check the optimizer itself refuses, naming the parameter.
  StepOptions unchecked = sgd_options(0.1);
  unchecked.check_nonfinite = false;
  CHECK_THROWS_WITH(step.run(b.images, b.labels, nullptr, unchecked), Catch::Contains(victim->name()));
  for (Parameter* p : params) CHECK(bitwise_equal(p->value(), before.at(p->name())));
}

TEST_CASE("first_nonfinite finds the first NaN or infinity in any chunk", "[nn][train_step]") {
  Tensor t = Tensor::zeros({10000});
  CHECK(voxtrain::first_nonfinite(t) == -1);
  t.data<float>()[9999] = -std::numeric_limits<float>::infinity();
  CHECK(voxtrain::first_nonfinite(t) == 9999);
  t.data<float>()[4100] = kNaN;
  CHECK(voxtrain::first_nonfinite(t) == 4100);
  t.data<float>()[3] = std::numeric_limits<float>::max();  // the largest finite float is finite
  t.data<float>()[4] = std::numeric_limits<float>::denorm_min();
  CHECK(voxtrain::first_nonfinite(t) == 4100);
}

TEST_CASE("TrainStep's stages refuse to run out of order, and apply_update = false leaves the weights",
          "[nn][train_step]") {
  auto net = toynet();
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto sgd = plain_sgd();
  voxtrain::LocalReduction reduction;
  const Batch b;
  TrainStep step(voxtrain::cpu_backend(), *net, *loss, *sgd, reduction, net->parameters());
  CHECK_THROWS_AS(step.backward(), voxtrain::InternalError);
  step.forward(b.images, b.labels, nullptr);
  CHECK_THROWS_AS(step.wait_for_reduction(), voxtrain::InternalError);
  CHECK_THROWS_AS(step.apply_update(0.1), voxtrain::InternalError);
  step.backward();
  step.wait_for_reduction();
  CHECK_FALSE(step.check_nonfinite());
  step.finish_without_update();

  // A user's mistake (int32 images) is the network's Error, not an internal one, and the step
  // after it starts afresh.
  const Tensor int_images = Tensor::zeros(b.images.shape(), voxtrain::DType::Int32);
  try {
    step.run(int_images, b.labels, nullptr, sgd_options(0.1));
    FAIL("int32 images were accepted");
  } catch (const voxtrain::InternalError& e) {
    FAIL("an internal error: " << e.what());
  } catch (const voxtrain::Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("float32"));
  }

  const auto before = values_of(*net);
  StepOptions options = sgd_options(0.1);
  options.apply_update = false;
  options.keep_logits = true;
  const StepResult r = step.run(b.images, b.labels, nullptr, options);
  CHECK_FALSE(r.updated);
  CHECK(r.logits.shape() == voxtrain::Shape({2, 2, 6, 5, 4}));
  for (Parameter* p : net->parameters()) CHECK(bitwise_equal(p->value(), before.at(p->name())));
  // The kept logits are the network's output for these weights (instance norm: the same in
  // inference mode).
  const Tensor expected = voxtrain::predict(voxtrain::cpu_backend(), *net, b.images);
  for (std::int64_t i = 0; i < expected.numel(); ++i)
    REQUIRE(r.logits.data<float>()[i] == Approx(expected.data<float>()[i]).epsilon(1e-5).margin(1e-6));
}

TEST_CASE("evaluate_batch uses the batch's statistics and leaves batch norm's running ones", "[nn][train_step]") {
  auto net = toynet("batch");
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto sgd = plain_sgd();
  voxtrain::LocalReduction reduction;
  const Batch b;
  const Batch other;  // a different batch moves the running statistics away from their start
  TrainStep step(voxtrain::cpu_backend(), *net, *loss, *sgd, reduction, net->parameters());
  Tensor shifted = other.images.clone();
  for (std::int64_t i = 0; i < shifted.numel(); ++i) shifted.data<float>()[i] = 3.0f * shifted.data<float>()[i] + 1.0f;
  step.run(shifted, other.labels, nullptr, sgd_options(0.1));

  std::map<std::string, Tensor> running;
  for (const auto& [name, t] : net->buffers()) running[name] = t->clone();
  REQUIRE(running.size() == 2);
  const voxtrain::EvalResult e = voxtrain::evaluate_batch(voxtrain::cpu_backend(), *net, *loss, b.images, b.labels);
  for (const auto& [name, t] : net->buffers()) {
    INFO(name);
    CHECK(bitwise_equal(*t, running.at(name)));
  }
  REQUIRE_FALSE(e.nonfinite);
  // The loss is the loss of the logits it returns; those are training mode's (a training step's
  // forward on the same weights), not inference mode's.
  CHECK(e.loss == Approx(loss->evaluate(e.logits, b.labels, nullptr).value).epsilon(1e-12));
  StepOptions forward_only = sgd_options(0.1);
  forward_only.apply_update = false;
  forward_only.keep_logits = true;
  const StepResult r = step.run(b.images, b.labels, nullptr, forward_only);
  CHECK(e.loss == Approx(r.loss).epsilon(1e-6));
  double differs_from_inference = 0;
  const Tensor inference = voxtrain::predict(voxtrain::cpu_backend(), *net, b.images);
  for (std::int64_t i = 0; i < e.logits.numel(); ++i) {
    REQUIRE(e.logits.data<float>()[i] == Approx(r.logits.data<float>()[i]).epsilon(1e-5).margin(1e-6));
    differs_from_inference = std::max<double>(differs_from_inference,
                                              std::abs(e.logits.data<float>()[i] - inference.data<float>()[i]));
  }
  CHECK(differs_from_inference > 1e-2);
}
