// early_stopping.cpp — NiftyNet's check_should_stop with numpy's and scipy's arithmetic: pairwise
// summation for means, linear percentiles, rank-based median filtering with reflected edges.
#include "voxtrain/engine/early_stopping.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {

namespace {

constexpr std::array<std::string_view, 6> kModeNames{"mean", "robust_mean", "median", "generalisation_loss",
                                                     "median_smoothing", "validation_up"};

// numpy's pairwise summation (np.add.reduce on a contiguous float64 array): under 8 values one by
// one, up to 128 with 8 interleaved accumulators, above that halves at a multiple of 8.
double numpy_sum(std::span<const double> a) {
  const std::size_t n = a.size();
  if (n < 8) {
    double sum = -0.0;
    for (double x : a) sum += x;
    return sum;
  }
  if (n <= 128) {
    std::array<double, 8> r{};
    std::copy_n(a.begin(), 8, r.begin());
    std::size_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += a[i];
    return sum;
  }
  std::size_t half = n / 2;
  half -= half % 8;
  return numpy_sum(a.first(half)) + numpy_sum(a.subspan(half));
}

// np.mean: NaN for no values.
double numpy_mean(std::span<const double> a) {
  if (a.empty()) return std::nan("");
  return numpy_sum(a) / static_cast<double>(a.size());
}

// np.median of values without NaN: the middle value, or the mean of the two middle values.
double numpy_median(std::span<const double> a) {
  if (a.empty()) return std::nan("");
  std::vector<double> sorted(a.begin(), a.end());
  std::sort(sorted.begin(), sorted.end());
  const std::size_t mid = sorted.size() / 2;
  if (sorted.size() % 2 == 1) return sorted[mid];
  const std::array<double, 2> pair{sorted[mid - 1], sorted[mid]};
  return numpy_mean(pair);
}

// np.percentile's default ('linear') of sorted values at fraction q: position q (n - 1), numpy's
// _lerp from the nearer neighbour.
double numpy_percentile(std::span<const double> sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const double below = std::floor(position);
  const auto lo = static_cast<std::size_t>(below);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double t = position - below;
  const double a = sorted[lo], b = sorted[hi];
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

// scipy.ndimage.median_filter(a, size=k) in its default mode 'reflect' (d c b a | a b c d | d c b a):
// for each i the (k / 2)-th smallest of a[i - k/2 .. i - k/2 + k - 1].
std::vector<double> median_filter_reflect(std::span<const double> a, int kernel_size) {
  const auto n = static_cast<std::int64_t>(a.size());
  const std::int64_t k = kernel_size;
  const auto at = [&](std::int64_t j) {
    std::int64_t m = j % (2 * n);
    if (m < 0) m += 2 * n;
    return a[static_cast<std::size_t>(m < n ? m : 2 * n - 1 - m)];
  };
  std::vector<double> out(a.size()), window(static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t w = 0; w < k; ++w) window[static_cast<std::size_t>(w)] = at(i - k / 2 + w);
    const auto rank = window.begin() + k / 2;
    std::nth_element(window.begin(), rank, window.end());
    out[static_cast<std::size_t>(i)] = *rank;
  }
  return out;
}

// np.gradient with unit spacing: central differences inside, one-sided at the ends (n >= 2).
std::vector<double> numpy_gradient(std::span<const double> f) {
  const std::size_t n = f.size();
  std::vector<double> g(n);
  g[0] = (f[1] - f[0]) / 1.0;
  g[n - 1] = (f[n - 1] - f[n - 2]) / 1.0;
  for (std::size_t i = 1; i + 1 < n; ++i) g[i] = (f[i + 1] - f[i - 1]) / 2.0;
  return g;
}

}  // namespace

std::string_view early_stopping_mode_name(EarlyStoppingMode mode) {
  return kModeNames.at(static_cast<std::size_t>(mode));
}

std::vector<std::string> early_stopping_mode_names() { return {kModeNames.begin(), kModeNames.end()}; }

EarlyStoppingMode parse_early_stopping_mode(std::string_view name, std::string_view where) {
  for (std::size_t i = 0; i < kModeNames.size(); ++i)
    if (kModeNames[i] == name) return static_cast<EarlyStoppingMode>(i);
  const auto names = early_stopping_mode_names();
  throw error("{} = '{}' is not an early-stopping mode{}: use one of {}", where, escape_for_display(name),
              did_you_mean(name, names), join(names));
}

double generalisation_loss(std::span<const double> history) {
  if (history.empty()) throw InternalError("generalisation_loss of an empty history");
  const auto [lo, hi] = std::minmax_element(history.begin(), history.end());
  const double last = history.back();
  if (*lo == 0.0) return last;
  return (last - *lo) / (*hi - *lo);
}

bool check_should_stop(std::span<const double> history, EarlyStoppingMode mode, double min_delta, int kernel_size,
                       int k_splits) {
  const std::string_view name = early_stopping_mode_name(mode);
  if (history.empty()) throw error("early stopping ({}): no validation loss to judge yet", name);
  if (kernel_size < 1 || k_splits < 1)
    throw error("early stopping ({}): kernel_size = {} and k_splits = {} must be at least 1", name, kernel_size,
                k_splits);
  if (std::any_of(history.begin(), history.end(), [](double v) { return std::isnan(v); })) return false;
  const double last = history.back();
  const auto earlier = history.first(history.size() - 1);

  switch (mode) {
    case EarlyStoppingMode::Mean:
      return last > numpy_mean(earlier);
    case EarlyStoppingMode::RobustMean: {
      if (earlier.empty()) return false;
      std::vector<double> sorted(earlier.begin(), earlier.end());
      std::sort(sorted.begin(), sorted.end());
      const double p5 = numpy_percentile(sorted, 5.0 / 100.0);
      const double p95 = numpy_percentile(sorted, 95.0 / 100.0);
      std::vector<double> inside;  // in their original order, as NiftyNet's loop keeps them
      for (double v : earlier)
        if (p5 < v && v < p95) inside.push_back(v);
      return last > numpy_mean(inside);
    }
    case EarlyStoppingMode::Median:
      return last > numpy_median(earlier);
    case EarlyStoppingMode::GeneralisationLoss:
      return generalisation_loss(history) > 0.2;
    case EarlyStoppingMode::MedianSmoothing: {
      if (earlier.size() < 2)
        throw error("early stopping (median_smoothing): {} validation loss(es); it needs at least 3 (raise patience)",
                    history.size());
      const std::vector<double> gradient = numpy_gradient(median_filter_reflect(earlier, kernel_size));
      const auto flat = std::count_if(gradient.begin(), gradient.end(), [&](double g) { return g < min_delta; });
      return static_cast<double>(flat) * 1.0 / static_cast<double>(gradient.size()) < 0.5;
    }
    case EarlyStoppingMode::ValidationUp: {
      const auto splits = static_cast<std::size_t>(k_splits);
      if (history.size() < splits)
        throw error("early stopping (validation_up): {} validation loss(es) cannot be cut into {} strips (raise "
                    "patience to at least {})", history.size(), k_splits, k_splits);
      const auto considered = history.subspan(history.size() % splits);
      const std::size_t strip = considered.size() / splits;
      for (std::size_t s = 0; s < splits; ++s)
        if (!(generalisation_loss(considered.subspan(s * strip, strip)) >= min_delta)) return false;
      return true;
    }
  }
  throw InternalError("early stopping: unknown mode");
}

}  // namespace voxtrain
