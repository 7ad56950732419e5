// bench_train_step.cpp — one full training step (forward, DicePlusXEnt, backward, Adam) of the
// U-Net (depth 4, base 16, instance norm, ReLU, 2 classes) on a batch of two 1x64^3 volumes:
// median ms per step, peak RSS and each stage's share (TrainStep's timing).
// bench/reference/unet_step_torch.py is the same step in PyTorch.
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
  LocalReduction reduction;
  TrainStep step(cpu_backend(), *net, *loss, *optimizer, reduction, net->parameters());
  StepOptions options;
  options.learning_rate = 1e-3;
  double last_loss = 0;
  StepTiming sum;  // over the timed steps (the first, warm-up, step is not counted)
  int timed = -1;
  const double seconds = bench::median_seconds(
      [&] {
        const StepResult r = step.run(images, labels, nullptr, options);
        last_loss = r.loss;
        if (++timed == 0) return;
        sum.forward += r.timing.forward;
        sum.backward += r.timing.backward;
        sum.reduction_wait += r.timing.reduction_wait;
        sum.check += r.timing.check;
        sum.optimizer += r.timing.optimizer;
      },
      1, steps);
  const double total = sum.total();
  std::printf("bench_train_step: unet depth 4, base 16, instance norm, ReLU, 2 classes, batch 2 x 1 x %d^3, "
              "DicePlusXEnt, Adam; %d threads\n",
              size, threads);
  std::printf("voxtrain median_ms=%.1f peak_rss_mib=%.0f steps=%d parameters=%lld last_loss=%.4f\n", seconds * 1e3,
              bench::peak_rss_mib(), steps, static_cast<long long>(net->parameter_count()), last_loss);
  std::printf("stage shares: forward=%.1f%% backward=%.1f%% reduction_wait=%.2f%% nonfinite_check=%.2f%% "
              "(%.2f ms) optimizer=%.1f%%\n",
              100 * sum.forward / total, 100 * sum.backward / total, 100 * sum.reduction_wait / total,
              100 * sum.check / total, 1e3 * sum.check / timed, 100 * sum.optimizer / total);
  return 0;
}
