// test_training.cpp — whole training steps: a U-Net learns one synthetic volume to Dice > 0.95
// within a step budget, and the same seed and thread count give bitwise-identical weights.
#include <catch2/catch.hpp>

#include <omp.h>

#include <cmath>

#include "../backend/cpu_test_support.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/nn/train_step.hpp"

using voxtrain::Tensor;

namespace {

// A sphere of label 1 in a noisy 32^3 volume whose intensity is higher inside.
struct Volume {
  Tensor image = Tensor::empty({1, 1, 32, 32, 32});
  Tensor labels = Tensor::zeros({1, 1, 32, 32, 32}, voxtrain::DType::Int32);
};

Volume sphere_volume() {
  Volume v;
  float* img = v.image.data<float>();
  std::int32_t* lab = v.labels.data<std::int32_t>();
  const auto key = voxtrain::random_key({2026, 11});
  for (std::int64_t z = 0, i = 0; z < 32; ++z)
    for (std::int64_t y = 0; y < 32; ++y)
      for (std::int64_t x = 0; x < 32; ++x, ++i) {
        const double r2 = (z - 14.5) * (z - 14.5) + (y - 17.0) * (y - 17.0) + (x - 15.5) * (x - 15.5);
        const bool inside = r2 < 81.0;
        lab[i] = inside ? 1 : 0;
        img[i] = static_cast<float>((inside ? 1.0 : 0.0) + 0.3 * voxtrain::standard_normal(key, static_cast<std::uint64_t>(i)));
      }
  return v;
}

// Steps of a network on one volume through TrainStep with the single-device reduction.
struct Trainer {
  voxtrain::LocalReduction reduction;
  voxtrain::TrainStep step;
  Trainer(voxtrain::Network& net, const voxtrain::Loss& loss, voxtrain::Optimizer& optimizer)
      : step(voxtrain::cpu_backend(), net, loss, optimizer, reduction, net.parameters()) {}
  double run(const Volume& v, double learning_rate) {
    voxtrain::StepOptions options;
    options.learning_rate = learning_rate;
    const voxtrain::StepResult r = step.run(v.image, v.labels, nullptr, options);
    REQUIRE(r.updated);
    return r.loss;
  }
};

double foreground_dice(const Tensor& logits, const Tensor& labels) {
  const float* l = logits.data<float>();
  const std::int32_t* g = labels.data<std::int32_t>();
  const std::int64_t n = labels.numel();
  double both = 0, predicted = 0, truth = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const bool p = l[n + i] > l[i];  // class 1 beats class 0
    both += p && g[i] == 1;
    predicted += p;
    truth += g[i] == 1;
  }
  return 2 * both / (predicted + truth);
}

voxtrain::NetworkConfig small_unet(std::uint64_t seed) {
  voxtrain::NetworkConfig config;
  config.num_classes = 2;
  config.base_channels = 8;
  config.depth = 3;
  config.normalisation = "instance";
  config.init.seed = seed;
  return config;
}

// Every weight of a small U-Net after `steps` training steps on `threads` OpenMP threads.
std::vector<float> weights_after(const Volume& v, std::uint64_t seed, int steps, int threads) {
  omp_set_num_threads(threads);
  auto net = voxtrain::make_network("unet", small_unet(seed));
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto optimizer = voxtrain::make_optimizer(voxtrain::OptimizerConfig{});
  Trainer trainer(*net, *loss, *optimizer);
  for (int i = 0; i < steps; ++i) trainer.run(v, 1e-2);
  std::vector<float> weights;
  for (voxtrain::Parameter* p : net->parameters())
    weights.insert(weights.end(), p->value().data<float>(), p->value().data<float>() + p->numel());
  return weights;
}

}  // namespace

// An iteration budget, not a wall-clock limit: a slow machine cannot fail this test and a fast
// one cannot hide a regression that needs more steps. Measured (2-core Zen 4, oneDNN 2.6, Dice
// after every step): Dice first exceeds 0.95 at step 13 (0.954) with 1 and 2 threads and with
// VOXTRAIN_DETERMINISTIC_THREADS=4, i.e. at the check after step 15 (0.968); thread splits moved
// Dice by at most 0.002 at any step. 30 steps is twice that (Dice 0.993 there): twice as slow
// learning fails, rounding differences between machines do not.
constexpr int kOverfitStepBudget = 30;

TEST_CASE("a U-Net overfits one synthetic 32^3 volume to Dice > 0.95 within its step budget", "[nn][training]") {
  const Volume v = sphere_volume();
  auto net = voxtrain::make_network("unet", small_unet(1));
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  voxtrain::OptimizerConfig adam;
  auto optimizer = voxtrain::make_optimizer(adam);
  auto& backend = voxtrain::cpu_backend();
  Trainer trainer(*net, *loss, *optimizer);
  double dice = 0;
  int steps = 0;
  while (dice <= 0.95 && steps < kOverfitStepBudget) {
    for (int i = 0; i < 5; ++i, ++steps) trainer.run(v, 1e-2);
    dice = foreground_dice(voxtrain::predict(backend, *net, v.image), v.labels);
  }
  INFO("Dice " << dice << " after " << steps << " steps (budget " << kOverfitStepBudget << ")");
  CHECK(dice > 0.95);
}

TEST_CASE("the same seed and thread count give bitwise-identical weights", "[nn][training]") {
  const Volume v = sphere_volume();
  const int threads = omp_get_max_threads();
  const auto a = weights_after(v, 5, 3, threads);
  const auto b = weights_after(v, 5, 3, threads);
  omp_set_num_threads(threads);
  REQUIRE(a.size() == b.size());
  CHECK(a == b);
}

TEST_CASE("deterministic mode gives bitwise-identical weights for any thread count", "[nn][training]") {
  const Volume v = sphere_volume();
  const int threads = omp_get_max_threads();
  voxtrain::set_cpu_deterministic_threads(4);
  const auto one = weights_after(v, 6, 2, 1);
  const auto three = weights_after(v, 6, 2, 3);
  voxtrain::set_cpu_deterministic_threads(0);
  omp_set_num_threads(threads);
  // Without the switch (0) the two runs differ in convolution backward-weights' rounding.
  CHECK(one == three);
}

TEST_CASE("after its first step a training loop creates no oneDNN primitive", "[nn][training]") {
  const Volume v = sphere_volume();
  auto net = voxtrain::make_network("unet", small_unet(8));
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto optimizer = voxtrain::make_optimizer(voxtrain::OptimizerConfig{});
  Trainer trainer(*net, *loss, *optimizer);
  trainer.run(v, 1e-3);
  const auto after_first = voxtrain::test::primitives_created();
  for (int i = 0; i < 2; ++i) trainer.run(v, 1e-3);
  CHECK(voxtrain::test::primitives_created() == after_first);
}
