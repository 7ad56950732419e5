// train_probe.cpp — trains a small U-Net for a few steps on a synthetic volume and writes every
// weight's bytes to a file; compare_processes.cmake compares what separate processes wrote.
#include <omp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>

#include "voxtrain/backend/backend.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/nn/train_step.hpp"

namespace {

constexpr std::int64_t kSize = 16;  // the volume's edge: a few steps take about a second

struct Batch {
  voxtrain::Tensor image = voxtrain::Tensor::empty({1, 1, kSize, kSize, kSize});
  voxtrain::Tensor labels = voxtrain::Tensor::zeros({1, 1, kSize, kSize, kSize}, voxtrain::DType::Int32);
};

// A ball of label 1 whose intensity is higher inside, with noise; the same in every process.
Batch ball_batch() {
  Batch b;
  float* image = b.image.data<float>();
  std::int32_t* labels = b.labels.data<std::int32_t>();
  const auto key = voxtrain::random_key({2026, 12});
  const double c = (kSize - 1) / 2.0, r2_max = (kSize / 3.0) * (kSize / 3.0);
  std::int64_t i = 0;
  for (std::int64_t z = 0; z < kSize; ++z)
    for (std::int64_t y = 0; y < kSize; ++y)
      for (std::int64_t x = 0; x < kSize; ++x, ++i) {
        const bool inside = (z - c) * (z - c) + (y - c + 1) * (y - c + 1) + (x - c) * (x - c) < r2_max;
        labels[i] = inside ? 1 : 0;
        image[i] = static_cast<float>(inside + 0.3 * voxtrain::standard_normal(key, static_cast<std::uint64_t>(i)));
      }
  return b;
}

voxtrain::NetworkConfig unet_config(std::uint64_t seed) {
  voxtrain::NetworkConfig config;
  config.num_classes = 2;
  config.base_channels = 8;
  config.depth = 3;
  config.normalisation = "instance";
  config.init.seed = seed;
  return config;
}

// Trains `steps` Adam steps and writes each parameter's float32 bytes, in order, to `out`.
std::int64_t train_and_write(std::uint64_t seed, int steps, const std::string& out) {
  const Batch batch = ball_batch();
  auto net = voxtrain::make_network("unet", unet_config(seed));
  auto loss = voxtrain::make_loss("DicePlusXEnt", 2);
  auto optimizer = voxtrain::make_optimizer(voxtrain::OptimizerConfig{});
  voxtrain::LocalReduction reduction;
  voxtrain::TrainStep step(voxtrain::cpu_backend(), *net, *loss, *optimizer, reduction, net->parameters());
  voxtrain::StepOptions options;
  options.learning_rate = 1e-2;
  for (int i = 0; i < steps; ++i)
    if (step.run(batch.image, batch.labels, nullptr, options).nonfinite)
      throw std::runtime_error("a non-finite value in training step " + std::to_string(i));
  std::ofstream file(out, std::ios::binary);
  std::int64_t count = 0;
  for (voxtrain::Parameter* p : net->parameters()) {
    file.write(static_cast<const char*>(p->value().raw_data()), static_cast<std::streamsize>(p->value().nbytes()));
    count += p->numel();
  }
  if (!file) throw std::runtime_error("cannot write " + out);
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: train_probe <seed> <steps> <weights-file>\n");
    return 2;
  }
  try {
    const std::uint64_t seed = std::stoull(argv[1]);
    const int steps = std::stoi(argv[2]);
    const std::int64_t weights = train_and_write(seed, steps, argv[3]);
    const char* setting = std::getenv("VOXTRAIN_DETERMINISTIC_THREADS");
    // compare_processes.cmake checks this line: the environment really reached the process.
    std::printf("train_probe: seed=%llu steps=%d omp_threads=%d deterministic_threads=%s weights=%lld\n",
                static_cast<unsigned long long>(seed), steps, omp_get_max_threads(), setting ? setting : "unset",
                static_cast<long long>(weights));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_probe: %s\n", e.what());
    return 1;
  }
}
