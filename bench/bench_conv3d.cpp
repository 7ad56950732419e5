// bench_conv3d.cpp — conv3d forward, backward-data and backward-weights through the CPU backend
// (N=2, 32->32 channels, 64^3, 3x3x3, padding 1), as GFLOP/s and percent of the FMA peak.
#include <omp.h>

#include <algorithm>
#include <cstdio>

#include "bench_support.hpp"
#include "voxtrain/backend/backend.hpp"

int main(int argc, char** argv) {
  using namespace voxtrain;
  const int threads = bench::int_flag(argc, argv, "--threads", omp_get_max_threads());
  const int repeats = bench::int_flag(argc, argv, "--repeats", 10);
  omp_set_num_threads(threads);
  Backend& be = cpu_backend();

  const ConvSpec spec{{3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false};
  Tensor plain_x = Tensor::empty({2, 32, 64, 64, 64});
  plain_x.fill(0.5);
  Tensor w = Tensor::empty({32, 32, 3, 3, 3});
  w.fill(0.01);
  // Inputs in the layout a previous convolution leaves them in, as inside a network.
  const Tensor x = be.conv_forward(plain_x, w, nullptr, spec);
  const Tensor dy = be.conv_forward(x, w, nullptr, spec);
  Tensor dw = Tensor::empty(w.shape());
  Tensor db = Tensor::empty({32});

  const double flop = 2.0 * 2 * 32 * 32 * 27 * 64.0 * 64 * 64;
  // This shared machine's speed drifts from run to run: the peak is measured before and after
  // the convolutions (the larger counts), and each pass reports its best and median run.
  const double peak_before = bench::fma_peak_flops(threads);
  struct Row {
    const char* pass;
    std::vector<double> seconds;
  } rows[] = {
      {"forward", bench::sorted_seconds([&] { (void)be.conv_forward(x, w, nullptr, spec); }, 2, repeats)},
      {"backward-data", bench::sorted_seconds([&] { (void)be.conv_backward_data(dy, w, x.shape(), spec); }, 2, repeats)},
      {"backward-weights", bench::sorted_seconds([&] { be.conv_backward_weights(x, dy, spec, dw, &db); }, 2, repeats)},
  };
  const double peak = std::max(peak_before, bench::fma_peak_flops(threads));
  std::printf("bench_conv3d: N=2, 32->32 channels, 64^3, 3x3x3, padding 1; %d threads; %.1f GFLOP per pass; "
              "%d runs each\n",
              threads, flop / 1e9, repeats);
  std::printf("FMA peak (measured): %.1f GFLOP/s\n\n", peak / 1e9);
  std::printf("| pass | best ms | GFLOP/s (best) | %% of FMA peak (best) | median ms | %% of FMA peak (median) |\n"
              "|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    const double best = r.seconds.front(), median = r.seconds[r.seconds.size() / 2];
    std::printf("| %s | %.1f | %.1f | %.0f%% | %.1f | %.0f%% |\n", r.pass, best * 1e3, flop / best / 1e9,
                100.0 * flop / best / peak, median * 1e3, 100.0 * flop / median / peak);
  }
  return 0;
}
