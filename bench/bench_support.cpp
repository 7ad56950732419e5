// bench_support.cpp — median timing, peak RSS, flags and the FMA peak loop.
#include "bench_support.hpp"

#include <immintrin.h>
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace voxtrain::bench {

std::vector<double> sorted_seconds(const std::function<void()>& f, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times;
}

double median_seconds(const std::function<void()>& f, int warmup, int repeats) {
  const auto times = sorted_seconds(f, warmup, repeats);
  return times[times.size() / 2];
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

int int_flag(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (name == argv[i]) return std::atoi(argv[i + 1]);
  return fallback;
}

namespace {

constexpr int kAccumulators = 16;
volatile double g_sink = 0;  // independent chains: enough to hide the FMA latency

// Independent chains of fused multiply-adds; explicit intrinsics, since ISO C++ mode does not
// contract a * b + c into an FMA by itself.
__attribute__((target("avx512f"))) double fma_loop_avx512(long iterations) {
  __m512 acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  float lanes[16];
  double sink = 0;
  for (int i = 0; i < kAccumulators; ++i) {
    _mm512_storeu_ps(lanes, acc[i]);
    for (float v : lanes) sink += v;
  }
  return sink;
}

__attribute__((target("avx2,fma"))) double fma_loop_avx2(long iterations) {
  __m256 acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  float lanes[8];
  double sink = 0;
  for (int i = 0; i < kAccumulators; ++i) {
    _mm256_storeu_ps(lanes, acc[i]);
    for (float v : lanes) sink += v;
  }
  return sink;
}

}  // namespace

double fma_peak_flops(int threads) {
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const int lanes = avx512 ? 16 : 8;
  const long iterations = 20'000'000;
  double best = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    double sink = 0;
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += avx512 ? fma_loop_avx512(iterations) : fma_loop_avx2(iterations);
    g_sink = sink;  // keeps the loop from being optimised away
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double flops = 2.0 * lanes * kAccumulators * static_cast<double>(iterations) * threads;
    best = std::max(best, flops / seconds);
  }
  return best;
}

}  // namespace voxtrain::bench
