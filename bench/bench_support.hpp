// bench_support.hpp — what the benchmarks share: timing with a median, the process's peak memory,
// command-line flags, and the machine's measured FP32 peak (an FMA loop).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace voxtrain::bench {

// Runs f warmup times untimed, then repeats times; the seconds of each timed run, sorted.
std::vector<double> sorted_seconds(const std::function<void()>& f, int warmup, int repeats);
// The median of sorted_seconds.
double median_seconds(const std::function<void()>& f, int warmup, int repeats);
// Peak resident set size of this process so far, in MiB.
double peak_rss_mib();
// "--name value" from argv, or fallback.
int int_flag(int argc, char** argv, const std::string& name, int fallback);
// FP32 FLOP/s of fused multiply-adds on `threads` OpenMP threads (AVX-512 where the CPU has it).
double fma_peak_flops(int threads);

}  // namespace voxtrain::bench
