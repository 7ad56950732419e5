// bench_train_step.cpp — one full training step (forward, DicePlusXEnt, backward, Adam) of the
// U-Net (depth 4, base 16, instance norm, ReLU, 2 classes) on a batch of two 1x64^3 volumes:
// median ms per step and peak RSS. bench/reference/unet_step_torch.py is the same step in PyTorch.
#include <omp.h>

#include <cstdio>

#include "bench_support.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/nn/train_step.hpp"

int main(int argc, char** argv) {
  using namespace voxtrain;
  const int threads = bench::int_flag(argc, argv, "--threads", omp_get_max_threads());
  const int steps = bench::int_flag(argc, argv, "--steps", 5);
  const int size = bench::int_flag(argc, argv, "--size", 64);
  omp_set_num_threads(threads);

  NetworkConfig config;
  config.in_channels = 1;
  config.num_classes = 2;
  config.normalisation = "instance";
  config.activation_function = "relu";
  auto net = make_network("unet", config);
  auto loss = make_loss("DicePlusXEnt", 2);
  OptimizerConfig adam;
  auto optimizer = make_optimizer(adam);

  Tensor images = Tensor::empty({2, 1, size, size, size});
  Tensor labels = Tensor::empty({2, 1, size, size, size}, DType::Int32);
  const auto key = random_key({1});
  for (std::int64_t i = 0; i < images.numel(); ++i) {
    images.data<float>()[i] = static_cast<float>(standard_normal(key, static_cast<std::uint64_t>(i)));
    labels.data<std::int32_t>()[i] = uniform01(key, static_cast<std::uint64_t>(i) + (1ull << 40)) < 0.3 ? 1 : 0;
  }
  double last_loss = 0;
  const double seconds = bench::median_seconds(
      [&] { last_loss = train_step(cpu_backend(), *net, *loss, *optimizer, 1e-3, images, labels).loss; }, 1, steps);
  std::printf("bench_train_step: unet depth 4, base 16, instance norm, ReLU, 2 classes, batch 2 x 1 x %d^3, "
              "DicePlusXEnt, Adam; %d threads\n",
              size, threads);
  std::printf("voxtrain median_ms=%.1f peak_rss_mib=%.0f steps=%d parameters=%lld last_loss=%.4f\n", seconds * 1e3,
              bench::peak_rss_mib(), steps, static_cast<long long>(net->parameter_count()), last_loss);
  return 0;
}
