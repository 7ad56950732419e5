// metric_accumulator.cpp — weighted sums of scalar metrics per target (console, summary), their
// report, and the packed form (with a fingerprint of the metric list) that ranks sum.
#include "voxtrain/metrics/metric_accumulator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"

namespace voxtrain {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kLimbs = 4;           // the 64-bit fingerprint as four 16-bit limbs
constexpr std::size_t kFieldsPerMetric = 4;  // sum, weight, count, nan_count
constexpr std::size_t kNamesShown = 8;

std::string_view kind_name(MetricKind kind) { return kind == MetricKind::Mean ? "mean" : "ratio"; }

std::string list_names(const std::vector<std::string>& names) {
  std::string text = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i == kNamesShown) {
      text.append(fmt::format(", ... ({} in all)", names.size()));
      break;
    }
    if (i > 0) text.append(", ");
    text.append(names[i]);
  }
  text.append("]");
  return text;
}

// A hash of every name and kind, in order: equal lists give equal fingerprints.
std::uint64_t fingerprint(const MetricSums& s) {
  std::string text;
  for (std::size_t i = 0; i < s.size(); ++i) {
    text.append(s.names[i]);
    text.push_back('\0');
    text.push_back(s.kinds[i] == MetricKind::Mean ? 'm' : 'r');
  }
  return hash_name(text);
}

std::array<double, kLimbs> fingerprint_limbs(const MetricSums& s) {
  const std::uint64_t h = fingerprint(s);
  std::array<double, kLimbs> limbs{};
  for (std::size_t i = 0; i < kLimbs; ++i) limbs[i] = static_cast<double>((h >> (16 * i)) & 0xffffu);
  return limbs;
}

void check_same_metrics(const MetricSums& a, const MetricSums& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.names[i] != b.names[i] || a.kinds[i] != b.kinds[i])
      throw error("cannot combine metric sums: entry {} is '{}' ({}) in one and '{}' ({}) in the "
                  "other; every rank must add the same metric names, of the same kind, in the same "
                  "order between two reports",
                  i, a.names[i], kind_name(a.kinds[i]), b.names[i], kind_name(b.kinds[i]));
  }
  if (a.size() != b.size())
    throw error("cannot combine metric sums: one has {} metrics {}, the other {} {}; every rank must "
                "add the same metric names, of the same kind, in the same order between two reports",
                a.size(), list_names(a.names), b.size(), list_names(b.names));
}

// A reduced count: a non-negative whole number (sums of whole numbers are exact in a double).
bool is_count(double x) { return x >= 0.0 && x <= 9.0e15 && std::floor(x) == x; }

double tensor_value(const std::string& name, const Tensor& t) {
  if (!t.defined()) throw error("metric '{}': the tensor is undefined (no storage); add a value", name);
  if (t.numel() != 1)
    throw error("metric '{}': only scalars and size-1 tensors can be accumulated, but its tensor has "
                "shape {} ({} elements); reduce it to one value or add each element under its own name",
                name, t.shape().to_string(), t.numel());
  if (!t.device().is_cpu())
    throw error("metric '{}': its size-1 tensor lives on {}; copy it to the host before adding it",
                name, t.device().to_string());
  switch (t.dtype()) {
    case DType::Float32: return static_cast<double>(*t.data<float>());
    case DType::Int32: return static_cast<double>(*t.data<std::int32_t>());
    case DType::Int64: return static_cast<double>(*t.data<std::int64_t>());
    case DType::UInt8: return static_cast<double>(*t.data<std::uint8_t>());
  }
  VOX_ASSERT_MSG(false, "unknown dtype");
  return kNaN;
}

void check_name(const std::string& name) {
  if (name.empty()) throw error("a metric was added with an empty name; give every metric a name");
}

}  // namespace

std::string_view metric_target_name(MetricTarget target) {
  return target == MetricTarget::Console ? "console" : "summary";
}

MetricSums combine(const MetricSums& a, const MetricSums& b) {
  check_same_metrics(a, b);
  MetricSums out = a;
  for (std::size_t i = 0; i < out.size(); ++i) {
    out.sums[i] += b.sums[i];
    out.weights[i] += b.weights[i];
    out.counts[i] += b.counts[i];
    out.nan_counts[i] += b.nan_counts[i];
  }
  return out;
}

std::vector<ReportedMetric> reported_metrics(const MetricSums& s) {
  std::vector<ReportedMetric> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool counted = s.counts[i] > 0 && s.weights[i] > 0.0;
    out.push_back({.name = s.names[i],
                   .mean = counted ? s.sums[i] / s.weights[i] : kNaN,
                   .weight_sum = s.weights[i],
                   .count = s.counts[i],
                   .nan_count = s.nan_counts[i],
                   .kind = s.kinds[i]});
  }
  return out;
}

void MetricAccumulator::add(const MetricValue& v) {
  check_name(v.name);
  if (!(v.weight >= 0.0) || !std::isfinite(v.weight))
    throw error("metric '{}': weight {} is not a finite number >= 0 (it is what the value averages "
                "over: samples, voxels)",
                v.name, v.weight);
  const bool is_nan = std::isnan(v.value);
  add_entry(v.name, MetricKind::Mean, v.weight * v.value, v.weight, is_nan, v.do_summary,
            v.do_print);
}

void MetricAccumulator::add(const std::vector<MetricValue>& values) {
  for (const MetricValue& v : values) add(v);
}

void MetricAccumulator::add(std::string name, const Tensor& size_one_tensor, double weight,
                            bool do_summary, bool do_print) {
  check_name(name);
  const double value = tensor_value(name, size_one_tensor);
  add(MetricValue{.name = std::move(name), .value = value, .weight = weight,
                  .do_summary = do_summary, .do_print = do_print});
}

void MetricAccumulator::add_ratio(std::string name, double numerator, double denominator,
                                  bool do_summary, bool do_print) {
  check_name(name);
  const bool is_nan = std::isnan(numerator) || std::isnan(denominator);
  if (!is_nan && (denominator < 0.0 || !std::isfinite(denominator)))
    throw error("metric '{}': ratio denominator {} is not a finite number >= 0 (it is a size: voxels, "
                "samples)",
                name, denominator);
  add_entry(name, MetricKind::Ratio, numerator, denominator, is_nan, do_summary, do_print);
}

void MetricAccumulator::add_entry(const std::string& name, MetricKind kind, double sum,
                                  double weight, bool is_nan, bool do_summary, bool do_print) {
  // Check both targets before changing either, so a rejected add leaves no trace.
  for (Target t : {Target::Console, Target::Summary}) {
    if (t == Target::Console ? !do_print : !do_summary) continue;
    const MetricSums& s = state(t);
    const auto it = std::find(s.names.begin(), s.names.end(), name);
    if (it != s.names.end() && s.kinds[static_cast<std::size_t>(it - s.names.begin())] != kind)
      throw error("metric '{}' was added as a {} and as a {} between two reports; give each its own "
                  "name",
                  name, kind_name(s.kinds[static_cast<std::size_t>(it - s.names.begin())]),
                  kind_name(kind));
  }
  if (do_print) add_to(Target::Console, name, kind, sum, weight, is_nan);
  if (do_summary) add_to(Target::Summary, name, kind, sum, weight, is_nan);
}

void MetricAccumulator::add_to(Target target, const std::string& name, MetricKind kind, double sum,
                               double weight, bool is_nan) {
  MetricSums& s = state(target);
  auto it = std::find(s.names.begin(), s.names.end(), name);
  if (it == s.names.end()) {
    s.names.push_back(name);
    s.kinds.push_back(kind);
    s.sums.push_back(0.0);
    s.weights.push_back(0.0);
    s.counts.push_back(0);
    s.nan_counts.push_back(0);
    it = std::prev(s.names.end());
  }
  // The entry exists even when nothing is counted, so every rank lists the same names.
  const auto i = static_cast<std::size_t>(it - s.names.begin());
  if (weight == 0.0) return;  // a zero weight (or denominator) contributes nothing
  if (is_nan) {
    s.nan_counts[i] += 1;
    return;
  }
  s.sums[i] += sum;
  s.weights[i] += weight;
  s.counts[i] += 1;
}

std::vector<ReportedMetric> MetricAccumulator::report(Target target) {
  std::vector<ReportedMetric> out = reported_metrics(state(target));
  reset(target);
  return out;
}

void MetricAccumulator::reset(Target target) { state(target) = MetricSums{}; }

std::vector<double> MetricAccumulator::pack(Target target) const {
  const MetricSums& s = state(target);
  std::vector<double> out;
  out.reserve(packed_size(s.size()));
  out.push_back(1.0);  // sums to the number of ranks
  out.push_back(static_cast<double>(s.size()));
  const std::array<double, kLimbs> limbs = fingerprint_limbs(s);
  for (double limb : limbs) out.push_back(limb);
  for (double limb : limbs) out.push_back(limb * limb);
  for (std::size_t i = 0; i < s.size(); ++i) {
    out.push_back(s.sums[i]);
    out.push_back(s.weights[i]);
    out.push_back(static_cast<double>(s.counts[i]));
    out.push_back(static_cast<double>(s.nan_counts[i]));
  }
  VOX_ASSERT(out.size() == packed_size(s.size()));
  return out;
}

// Every rank's fingerprint limb f_r equals ours (f) exactly when Σ f_r = R·f and Σ f_r² = R·f²
// (then Σ (f_r - f)² = 0); with 16-bit limbs these sums are exact for up to 2^20 ranks.
void MetricAccumulator::load_reduced(Target target, std::span<const double> summed) {
  MetricSums& s = state(target);
  const std::string_view where = metric_target_name(target);
  const std::size_t n = s.size();
  const double ranks = summed.empty() ? 0.0 : summed[0];
  bool same = summed.size() == packed_size(n) && ranks >= 1.0 && is_count(ranks) &&
              summed[1] == ranks * static_cast<double>(n);
  const std::array<double, kLimbs> limbs = fingerprint_limbs(s);
  for (std::size_t i = 0; same && i < kLimbs; ++i)
    same = summed[2 + i] == ranks * limbs[i] && summed[2 + kLimbs + i] == ranks * limbs[i] * limbs[i];
  if (!same)
    throw error("metric sums ({}) reduced over the ranks ({} values, rank count {}) do not match this rank's "
                "{} metrics {}: every rank must add the same metric names, of the same kind, in the "
                "same order between two reports, and pack the same target",
                where, summed.size(), ranks, n, list_names(s.names));
  for (std::size_t i = 0; i < n; ++i) {
    const std::span<const double> f = summed.subspan(kPackHeader + kFieldsPerMetric * i, kFieldsPerMetric);
    if (!is_count(f[2]) || !is_count(f[3]))
      throw error("metric sums ({}): metric '{}' has counts {} and {} after the reduction; the "
                  "packed vectors must be summed elementwise (MPI_SUM), not averaged",
                  where, s.names[i], f[2], f[3]);
    s.sums[i] = f[0];
    s.weights[i] = f[1];
    s.counts[i] = static_cast<std::int64_t>(f[2]);
    s.nan_counts[i] = static_cast<std::int64_t>(f[3]);
  }
}

}  // namespace voxtrain
