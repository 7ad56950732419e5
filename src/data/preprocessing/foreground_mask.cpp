// foreground_mask.cpp — NiftyNet's BinaryMaskingLayer: numpy-style histogram, Otsu threshold,
// 6-neighbour dilation and hole filling per channel, fusion across channels.
#include "voxtrain/data/preprocessing/foreground_mask.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

constexpr std::array<std::string_view, 5> kForegroundNames{"otsu_plus", "otsu_minus", "threshold_plus",
                                                           "threshold_minus", "mean_plus"};
constexpr std::array<std::string_view, 3> kMultimodNames{"and", "or", "multi"};

template <std::size_t N>
std::size_t parse_choice(std::string_view text, const std::array<std::string_view, N>& names,
                         std::string_view key) {
  const std::string lower = to_lower(text);
  for (std::size_t i = 0; i < N; ++i)
    if (lower == names[i]) return i;
  std::vector<std::string> choices(names.begin(), names.end());
  throw error("[NETWORK] {} = '{}' is not known{}: use one of {}", key, text, did_you_mean(text, choices),
              join(choices));
}

bool all_zero(std::span<const float> values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return v == 0.0f; });
}

// The mean in double, summed in voxel order.
double mean_of(std::span<const float> values) {
  double sum = 0;
  for (float v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

struct Grid {
  std::int64_t d, h, w;
  std::int64_t index(std::int64_t k, std::int64_t j, std::int64_t i) const { return (k * h + j) * w + i; }
};

// One dilation with the 6-neighbourhood; voxels outside the grid count as background.
std::vector<std::uint8_t> dilate6(const std::vector<std::uint8_t>& in, const Grid& g) {
  std::vector<std::uint8_t> out(in.size(), 0);
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < g.d; ++k)
    for (std::int64_t j = 0; j < g.h; ++j)
      for (std::int64_t i = 0; i < g.w; ++i) {
        auto at = [&](std::int64_t kk, std::int64_t jj, std::int64_t ii) {
          return in[static_cast<std::size_t>(g.index(kk, jj, ii))] != 0;
        };
        const bool on = at(k, j, i) || (k > 0 && at(k - 1, j, i)) || (k + 1 < g.d && at(k + 1, j, i)) ||
                        (j > 0 && at(k, j - 1, i)) || (j + 1 < g.h && at(k, j + 1, i)) ||
                        (i > 0 && at(k, j, i - 1)) || (i + 1 < g.w && at(k, j, i + 1));
        out[static_cast<std::size_t>(g.index(k, j, i))] = on ? 1 : 0;
      }
  return out;
}

// Background voxels 6-connected to a face of the grid stay background; the rest become foreground.
void fill_holes6(std::vector<std::uint8_t>& mask, const Grid& g) {
  constexpr std::uint8_t kOutside = 2;
  std::vector<std::int64_t> stack;
  auto visit = [&](std::int64_t k, std::int64_t j, std::int64_t i) {
    auto& m = mask[static_cast<std::size_t>(g.index(k, j, i))];
    if (m == 0) {
      m = kOutside;
      stack.push_back(g.index(k, j, i));
    }
  };
  for (std::int64_t k = 0; k < g.d; ++k)
    for (std::int64_t j = 0; j < g.h; ++j)
      for (std::int64_t i = 0; i < g.w; ++i)
        if (k == 0 || k == g.d - 1 || j == 0 || j == g.h - 1 || i == 0 || i == g.w - 1) visit(k, j, i);
  while (!stack.empty()) {
    const std::int64_t v = stack.back();
    stack.pop_back();
    const std::int64_t i = v % g.w, j = (v / g.w) % g.h, k = v / (g.w * g.h);
    if (k > 0) visit(k - 1, j, i);
    if (k + 1 < g.d) visit(k + 1, j, i);
    if (j > 0) visit(k, j - 1, i);
    if (j + 1 < g.h) visit(k, j + 1, i);
    if (i > 0) visit(k, j, i - 1);
    if (i + 1 < g.w) visit(k, j, i + 1);
  }
  for (auto& m : mask) m = (m == kOutside) ? 0 : 1;
}

}  // namespace

ForegroundType parse_foreground_type(std::string_view text) {
  return static_cast<ForegroundType>(parse_choice(text, kForegroundNames, "foreground_type"));
}

MultimodForegroundType parse_multimod_foreground_type(std::string_view text) {
  return static_cast<MultimodForegroundType>(parse_choice(text, kMultimodNames, "multimod_foreground_type"));
}

std::string_view to_string(ForegroundType type) { return kForegroundNames[static_cast<std::size_t>(type)]; }

std::string_view to_string(MultimodForegroundType type) {
  return kMultimodNames[static_cast<std::size_t>(type)];
}

double Histogram::bin_centre(std::size_t bin) const {
  // numpy's edges are low + e * step; NiftyNet adds half of (edge 1 - edge 0) to the left edge.
  const double step = (high - low) / static_cast<double>(counts.size());
  const double half_bin = ((low + step) - low) * 0.5;
  return (low + static_cast<double>(bin) * step) + half_bin;
}

Histogram equal_width_histogram(std::span<const float> values, int bins) {
  VOX_ASSERT(bins > 0);
  if (values.empty()) throw error("cannot compute a histogram of no values: the image or its mask is empty");
  double lo = values[0], hi = values[0];
  for (float v : values) {
    if (!std::isfinite(v))
      throw error("cannot compute a histogram of an image with NaN or infinite values: fix the image");
    lo = std::min(lo, static_cast<double>(v));
    hi = std::max(hi, static_cast<double>(v));
  }
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  Histogram h{.counts = std::vector<double>(static_cast<std::size_t>(bins), 0.0), .low = lo, .high = hi};
  // numpy: index = floor((x - lo) * bins / (hi - lo)), then corrected against the edges.
  const double step = (hi - lo) / bins;
  auto edge = [&](std::int64_t e) { return e == bins ? hi : lo + static_cast<double>(e) * step; };
  const double norm = bins / (hi - lo);
  for (float f : values) {
    const double x = f;
    auto b = static_cast<std::int64_t>((x - lo) * norm);
    if (b >= bins) b = bins - 1;
    if (x < edge(b)) --b;
    else if (b != bins - 1 && x >= edge(b + 1)) ++b;
    h.counts[static_cast<std::size_t>(b)] += 1.0;
  }
  return h;
}

double otsu_threshold(const Histogram& histogram) {
  const std::vector<double>& n = histogram.counts;
  const std::size_t bins = n.size();
  VOX_ASSERT(bins > 0);
  // Cumulative weight and first moment from the left (class 1) and from the right (class 2).
  std::vector<double> w1(bins), m1(bins), w2(bins), m2(bins);
  for (std::size_t b = 0; b < bins; ++b) {
    w1[b] = n[b] + (b > 0 ? w1[b - 1] : 0.0);
    m1[b] = n[b] * histogram.bin_centre(b) + (b > 0 ? m1[b - 1] : 0.0);
  }
  for (std::size_t b = bins; b-- > 0;) {
    w2[b] = n[b] + (b + 1 < bins ? w2[b + 1] : 0.0);
    m2[b] = n[b] * histogram.bin_centre(b) + (b + 1 < bins ? m2[b + 1] : 0.0);
  }
  double best = 0;
  double threshold = histogram.bin_centre(0);
  for (std::size_t b = 0; b + 1 < bins; ++b) {
    if (w1[b] == 0 || w2[b + 1] == 0) continue;
    const double gap = m1[b] / w1[b] - m2[b + 1] / w2[b + 1];
    const double target = w1[b] * w2[b + 1] * gap * gap;
    if (target > best) {
      best = target;
      threshold = histogram.bin_centre(b);
    }
  }
  return threshold;
}

double otsu_threshold(std::span<const float> values, int bins) {
  return otsu_threshold(equal_width_histogram(values, bins));
}

double foreground_threshold(std::span<const float> channel, ForegroundType type) {
  switch (type) {
    case ForegroundType::OtsuPlus:
    case ForegroundType::OtsuMinus: return all_zero(channel) ? 0.0 : otsu_threshold(channel);
    case ForegroundType::ThresholdPlus:
    case ForegroundType::ThresholdMinus: return 0.0;
    case ForegroundType::MeanPlus: return channel.empty() ? 0.0 : mean_of(channel);
  }
  return 0.0;
}

std::vector<std::uint8_t> channel_foreground_mask(std::span<const float> channel, std::int64_t depth,
                                                  std::int64_t height, std::int64_t width,
                                                  ForegroundType type) {
  const Grid g{depth, height, width};
  VOX_ASSERT(static_cast<std::int64_t>(channel.size()) == depth * height * width);
  const double threshold = foreground_threshold(channel, type);
  const bool above = type != ForegroundType::OtsuMinus && type != ForegroundType::ThresholdMinus;
  std::vector<std::uint8_t> mask(channel.size());
  for (std::size_t v = 0; v < channel.size(); ++v) {
    const double x = channel[v];
    mask[v] = (above ? x > threshold : x < threshold) ? 1 : 0;
  }
  mask = dilate6(dilate6(mask, g), g);
  fill_holes6(mask, g);
  return mask;
}

Tensor foreground_mask(const Tensor& image, ForegroundType type, MultimodForegroundType fusion,
                       std::string_view subject_id) {
  if (image.rank() != 4 || image.dtype() != DType::Float32)
    throw error("subject '{}': a foreground mask needs a float32 image [C, D, H, W], got {} {}", subject_id,
                dtype_name(image.dtype()), image.shape().to_string());
  const std::int64_t channels = image.shape()[0], d = image.shape()[1], h = image.shape()[2],
                     w = image.shape()[3];
  const auto voxels = static_cast<std::size_t>(d * h * w);
  Tensor mask = Tensor::zeros(Shape{channels, d, h, w}, DType::UInt8);
  const float* in = image.data<float>();
  std::uint8_t* out = mask.data<std::uint8_t>();
  std::vector<std::uint8_t> fused(voxels, fusion == MultimodForegroundType::And ? 1 : 0);
  std::vector<bool> present(static_cast<std::size_t>(channels), false);
  for (std::int64_t c = 0; c < channels; ++c) {
    const std::span<const float> channel(in + static_cast<std::size_t>(c) * voxels, voxels);
    if (all_zero(channel)) continue;  // a missing modality: empty mask, no vote
    present[static_cast<std::size_t>(c)] = true;
    std::vector<std::uint8_t> own = channel_foreground_mask(channel, d, h, w, type);
    if (std::none_of(own.begin(), own.end(), [](std::uint8_t m) { return m != 0; }))
      throw error("subject '{}' channel {}: foreground_type = {} leaves no foreground; choose another "
                  "foreground_type or check the image",
                  subject_id, c, to_string(type));
    std::uint8_t* target = out + static_cast<std::size_t>(c) * voxels;
    std::memcpy(target, own.data(), voxels);
    for (std::size_t v = 0; v < voxels; ++v) {
      if (fusion == MultimodForegroundType::And) fused[v] = fused[v] & own[v];
      if (fusion == MultimodForegroundType::Or) fused[v] = fused[v] | own[v];
    }
  }
  if (fusion == MultimodForegroundType::Multi) return mask;
  for (std::int64_t c = 0; c < channels; ++c)
    if (present[static_cast<std::size_t>(c)])
      std::memcpy(out + static_cast<std::size_t>(c) * voxels, fused.data(), voxels);
  return mask;
}

}  // namespace voxtrain
