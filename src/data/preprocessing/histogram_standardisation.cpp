// histogram_standardisation.cpp — NiftyNet's histogram_standardisation.py in C++: landmarks,
// their training average, the piecewise-linear mapping and the histogram_ref_file text format.
#include "voxtrain/data/preprocessing/histogram_standardisation.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 3> kNormTypeNames{"percentile", "quartile", "median"};
constexpr std::array<double, kLandmarkCount - 2> kInnerFractions{0.1, 0.2, 0.25, 0.3, 0.4, 0.5,
                                                                 0.6, 0.7, 0.75, 0.8, 0.9};

struct ChannelView {
  std::span<const float> values;
  std::span<const std::uint8_t> mask;  // empty: every voxel
};

std::size_t voxels_per_channel(const Tensor& image) {
  return static_cast<std::size_t>(image.shape()[1] * image.shape()[2] * image.shape()[3]);
}

void check_image(const Tensor& image, const std::vector<std::string>& modalities, std::string_view who) {
  if (!image.defined() || image.rank() != 4 || image.dtype() != DType::Float32)
    throw error("{}: histogram standardisation needs a float32 image [C, D, H, W]", who);
  if (image.shape()[0] != static_cast<std::int64_t>(modalities.size()))
    throw error("{}: the image has {} channels but {} modalities are named ({}); list one modality per "
                "channel",
                who, image.shape()[0], modalities.size(), join(modalities));
}

ChannelView channel_view(const Tensor& image, const Tensor* mask, std::int64_t c) {
  const std::size_t n = voxels_per_channel(image);
  ChannelView view{.values = {image.data<float>() + static_cast<std::size_t>(c) * n, n}, .mask = {}};
  if (mask != nullptr) {
    VOX_ASSERT(mask->dtype() == DType::UInt8 && mask->shape() == image.shape());
    view.mask = {mask->data<std::uint8_t>() + static_cast<std::size_t>(c) * n, n};
  }
  return view;
}

bool all_zero(std::span<const float> values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return v == 0.0f; });
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// Parses a number as Python's float() would (also "nan", "inf"); false for anything else.
bool parse_number(std::string_view token, double& value) {
  const char* begin = token.data();
  const char* end = token.data() + token.size();
  if (begin != end && *begin == '+') ++begin;
  const auto result = std::from_chars(begin, end, value);
  return result.ec == std::errc() && result.ptr == end;
}

}  // namespace

NormType parse_norm_type(std::string_view text) {
  const std::string lower = to_lower(text);
  for (std::size_t i = 0; i < kNormTypeNames.size(); ++i)
    if (lower == kNormTypeNames[i]) return static_cast<NormType>(i);
  std::vector<std::string> choices(kNormTypeNames.begin(), kNormTypeNames.end());
  throw error("[NETWORK] norm_type = '{}' is not known{}: use one of {}", text, did_you_mean(text, choices),
              join(choices));
}

std::string_view to_string(NormType type) { return kNormTypeNames[static_cast<std::size_t>(type)]; }

Cutoff standardise_cutoff(Cutoff cutoff, NormType type) {
  if (cutoff[0] > cutoff[1]) std::swap(cutoff[0], cutoff[1]);
  cutoff[0] = std::max(0.0, cutoff[0]);
  cutoff[1] = std::min(1.0, cutoff[1]);
  const bool quartile = type == NormType::Quartile;
  cutoff[0] = std::min(cutoff[0], quartile ? 0.24 : 0.09);
  cutoff[1] = std::max(cutoff[1], quartile ? 0.76 : 0.91);
  return cutoff;
}

Landmarks landmark_fractions(const Cutoff& cutoff) {
  Landmarks f{};
  f[0] = cutoff[0];
  std::copy(kInnerFractions.begin(), kInnerFractions.end(), f.begin() + 1);
  f[kLandmarkCount - 1] = cutoff[1];
  return f;
}

std::vector<std::size_t> landmarks_used(NormType type) {
  switch (type) {
    case NormType::Percentile: return {0, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12};
    case NormType::Quartile: return {0, 3, 6, 9, 12};
    case NormType::Median: return {0, 6, 12};
  }
  return {};
}

double percentile_of_sorted(std::span<const float> sorted, double q) {
  VOX_ASSERT(!sorted.empty() && q >= 0.0 && q <= 1.0);
  const double position = static_cast<double>(sorted.size() - 1) * q;
  const double below = std::floor(position);
  const auto lo = static_cast<std::size_t>(below);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double t = position - below;
  const double a = sorted[lo], b = sorted[hi];
  // numpy's _lerp: from the nearer end, so t = 1 gives b exactly.
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

std::vector<float> sorted_foreground(std::span<const float> channel, std::span<const std::uint8_t> mask) {
  VOX_ASSERT(mask.empty() || mask.size() == channel.size());
  std::vector<float> values;
  if (mask.empty()) {
    values.assign(channel.begin(), channel.end());
  } else {
    for (std::size_t v = 0; v < channel.size(); ++v)
      if (mask[v] != 0) values.push_back(channel[v]);
  }
  std::sort(values.begin(), values.end());
  return values;
}

Landmarks image_landmarks(std::span<const float> channel, std::span<const std::uint8_t> mask,
                          const Cutoff& cutoff) {
  const std::vector<float> sorted = sorted_foreground(channel, mask);
  if (sorted.empty()) throw error("cannot compute histogram landmarks over an empty foreground mask");
  const Landmarks fractions = landmark_fractions(cutoff);
  Landmarks result{};
  // np.percentile(values, 100 * fraction) divides by 100 again: keep that rounding.
  for (std::size_t k = 0; k < kLandmarkCount; ++k)
    result[k] = percentile_of_sorted(sorted, (100.0 * fractions[k]) / 100.0);
  return result;
}

std::map<std::string, Landmarks> subject_landmarks(const LandmarkSubject& s,
                                                   const std::vector<std::string>& modalities, NormType type,
                                                   const Cutoff& cutoff) {
  VOX_ASSERT(s.image != nullptr);
  check_image(*s.image, modalities, fmt::format("subject '{}'", s.id));
  const Cutoff used = standardise_cutoff(cutoff, type);
  std::map<std::string, Landmarks> result;
  for (std::size_t m = 0; m < modalities.size(); ++m) {
    const ChannelView view = channel_view(*s.image, s.mask, static_cast<std::int64_t>(m));
    if (all_zero(view.values)) continue;  // a missing modality
    if (!view.mask.empty() && std::none_of(view.mask.begin(), view.mask.end(), [](auto v) { return v != 0; }))
      throw error("subject '{}' modality '{}': the foreground mask is empty; check the image or choose "
                  "another foreground_type",
                  s.id, modalities[m]);
    const Landmarks l = image_landmarks(view.values, view.mask, used);
    if (!(l[kLandmarkCount - 1] > l[0]))
      throw error("subject '{}' modality '{}': the foreground's {} and {} percentiles are equal ({}), so "
                  "its histogram cannot be standardised; check the image and its foreground mask",
                  s.id, modalities[m], 100 * used[0], 100 * used[1], l[0]);
    result[modalities[m]] = l;
  }
  return result;
}

HistogramLandmarks average_landmarks(const std::map<std::string, std::vector<Landmarks>>& per_subject,
                                     const std::vector<std::string>& modalities) {
  const double range = kStandardScaleMax - kStandardScaleMin;
  HistogramLandmarks result;
  for (const std::string& modality : modalities) {
    const auto found = per_subject.find(modality);
    if (found == per_subject.end() || found->second.empty())
      throw error("modality '{}': no training subject has a non-zero image, so its histogram landmarks "
                  "cannot be trained",
                  modality);
    // NiftyNet's __averaged_mapping: mean of slope * landmarks plus mean of (s1 - slope * first).
    const auto n = static_cast<double>(found->second.size());
    Landmarks averaged{};
    double intercept = 0;
    for (const Landmarks& l : found->second) {
      const double slope = range / (l[kLandmarkCount - 1] - l[0]);
      for (std::size_t k = 0; k < kLandmarkCount; ++k) averaged[k] += slope * l[k];
      intercept += kStandardScaleMin - slope * l[0];
    }
    for (double& a : averaged) a = a / n + intercept / n;
    result.modalities[modality] = averaged;
  }
  return result;
}

HistogramLandmarks train_landmarks(const std::vector<LandmarkSubject>& subjects,
                                   const std::vector<std::string>& modalities, NormType type,
                                   const Cutoff& cutoff) {
  std::map<std::string, std::vector<Landmarks>> per_subject;
  for (const LandmarkSubject& s : subjects)
    for (const auto& [modality, l] : subject_landmarks(s, modalities, type, cutoff))
      per_subject[modality].push_back(l);
  return average_landmarks(per_subject, modalities);
}

double PiecewiseLinear::operator()(double x) const {
  VOX_ASSERT(breaks.size() >= 2);
  // np.digitize(x, breaks[1:-1]): the number of inner breaks <= x.
  const auto inner_begin = breaks.begin() + 1, inner_end = breaks.end() - 1;
  const auto segment = static_cast<std::size_t>(std::upper_bound(inner_begin, inner_end, x) - inner_begin);
  return slope[segment] * x + intercept[segment];
}

PiecewiseLinear nyul_mapping(const Landmarks& image, const Landmarks& reference, NormType type) {
  const std::vector<std::size_t> used = landmarks_used(type);
  PiecewiseLinear map;
  for (std::size_t k : used) map.breaks.push_back(image[k]);
  for (std::size_t s = 0; s + 1 < used.size(); ++s) {
    const double dx = image[used[s + 1]] - image[used[s]];
    const double dy = reference[used[s + 1]] - reference[used[s]];
    const double slope = dx == 0 ? 0.0 : dy / dx;  // NiftyNet divides by inf there
    map.slope.push_back(slope);
    map.intercept.push_back(reference[used[s]] - slope * image[used[s]]);
  }
  return map;
}

void apply_histogram_standardisation(Tensor& image, const Tensor* mask, const HistogramLandmarks& landmarks,
                                     const std::vector<std::string>& modalities, NormType type,
                                     const Cutoff& cutoff) {
  check_image(image, modalities, "histogram standardisation");
  const Cutoff used = standardise_cutoff(cutoff, type);
  for (std::size_t m = 0; m < modalities.size(); ++m) {
    const auto found = landmarks.modalities.find(modalities[m]);
    if (found == landmarks.modalities.end()) {
      std::vector<std::string> known;
      for (const auto& [name, values] : landmarks.modalities) known.push_back(name);
      throw error("{}: no histogram landmarks for modality '{}' (it has: {}); train again with "
                  "normalisation = True or set [NETWORK] histogram_ref_file to a file that has it",
                  landmarks.source.empty() ? std::string("histogram landmarks") : landmarks.source,
                  modalities[m], known.empty() ? std::string("none") : join(known));
    }
    const ChannelView view = channel_view(image, mask, static_cast<std::int64_t>(m));
    if (all_zero(view.values)) continue;  // a missing modality stays zero
    const PiecewiseLinear map = nyul_mapping(image_landmarks(view.values, view.mask, used), found->second, type);
    float* out = image.data<float>() + static_cast<std::size_t>(m) * view.values.size();
    const auto n = static_cast<std::int64_t>(view.values.size());
#pragma omp parallel for schedule(static)
    for (std::int64_t v = 0; v < n; ++v) out[v] = static_cast<float>(map(static_cast<double>(out[v])));
  }
}

std::vector<ReferenceLine> read_reference_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (!fs::exists(path))
      throw error("{}: histogram_ref_file does not exist; train first (it is written during training with "
                  "normalisation or label_normalisation = True) or set [NETWORK] histogram_ref_file to an "
                  "existing file",
                  path);
    throw error("{}: cannot open the histogram_ref_file; check its permissions", path);
  }
  std::vector<ReferenceLine> lines;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    std::istringstream tokens(text);
    ReferenceLine line{.name = {}, .values = {}, .line = number};
    if (!(tokens >> line.name)) continue;
    for (std::string token; tokens >> token;) {
      double value = 0;
      if (!parse_number(token, value))
        throw error("{}:{}: '{}' is not a number; expected '<name> <value> <value> ...' (the line is '{}')",
                    path, number, token, trim(text));
      line.values.push_back(value);
    }
    if (!line.values.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

void write_reference_file(const std::string& path, const std::vector<ReferenceLine>& lines) {
  for (const ReferenceLine& line : lines)
    if (line.name.empty() || line.name.find_first_of(" \t\r\n") != std::string::npos)
      throw error("{}: cannot store '{}' in the histogram_ref_file: names there cannot be empty or hold "
                  "spaces; rename the modality or label section",
                  path, line.name);
  static std::atomic<unsigned> counter{0};
  const fs::path target(path);
  fs::path tmp = target;
  std::string tmp_name(".");
  tmp_name.append(target.filename().string()).append(fmt::format(".tmp-{}-{}", ::getpid(), counter.fetch_add(1)));
  tmp.replace_filename(tmp_name);
  auto fail = [&](const std::string& why) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return error("{}: cannot write the histogram_ref_file ({}); check that the directory exists and is "
                 "writable",
                 path, why);
  };
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw fail("cannot create a file there");
    for (const ReferenceLine& line : lines) {
      out << line.name;
      for (double v : line.values) out << ' ' << fmt::format("{}", v);
      out << '\n';
    }
    out.flush();
    if (!out) throw fail("write error");
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) throw fail(ec.message());
}

void update_reference_file(const std::string& path, const std::vector<ReferenceLine>& lines) {
  std::vector<ReferenceLine> merged;
  if (fs::exists(path)) merged = read_reference_file(path);
  for (const ReferenceLine& line : lines) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const ReferenceLine& l) { return l.name == line.name; });
    if (same != merged.end()) same->values = line.values;
    else merged.push_back(line);
  }
  write_reference_file(path, merged);
}

HistogramLandmarks read_landmarks_file(const std::string& path, const std::vector<std::string>& modalities) {
  const std::vector<ReferenceLine> lines = read_reference_file(path);
  HistogramLandmarks result;
  result.source = path;
  for (const std::string& modality : modalities) {
    // The last line wins, as in NiftyNet's dictionary.
    auto found = std::find_if(lines.rbegin(), lines.rend(), [&](const ReferenceLine& l) { return l.name == modality; });
    if (found == lines.rend()) {
      std::vector<std::string> names;
      for (const ReferenceLine& l : lines) names.push_back(l.name);
      throw error("{}: no histogram landmarks for modality '{}'{} (the file has: {}); train again with "
                  "normalisation = True, or set [NETWORK] histogram_ref_file to a file trained on it",
                  path, modality, did_you_mean(modality, names), names.empty() ? std::string("nothing") : join(names));
    }
    if (found->values.size() != kLandmarkCount)
      throw error("{}:{}: modality '{}' has {} values, expected {} landmarks (cutoff, 10, 20, 25, 30, 40, 50, "
                  "60, 70, 75, 80, 90 %, cutoff); train again to rewrite it",
                  path, found->line, modality, found->values.size(), kLandmarkCount);
    Landmarks l{};
    std::copy(found->values.begin(), found->values.end(), l.begin());
    result.modalities[modality] = l;
  }
  return result;
}

void write_landmarks_file(const std::string& path, const HistogramLandmarks& landmarks) {
  std::vector<ReferenceLine> lines;
  for (const auto& [name, values] : landmarks.modalities)
    lines.push_back({.name = name, .values = {values.begin(), values.end()}, .line = 0});
  update_reference_file(path, lines);
}

}  // namespace voxtrain
