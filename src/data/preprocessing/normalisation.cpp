// normalisation.cpp — whitening, percentile clipping and the per-subject entry points that run
// the normalisation steps in NiftyNet's order; the settings' checks and fingerprint.
#include "voxtrain/data/preprocessing/normalisation.hpp"

#include <algorithm>
#include <cmath>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

constexpr std::array<std::string_view, 3> kRescaleNames{"none", "zero_one", "minus_one_one"};
constexpr double kMinStd = 1e-5;  // NiftyNet's floor on the standard deviation

struct Volume {
  std::int64_t channels, depth, slice;  // slice: voxels per k-slice
  std::size_t voxels() const { return static_cast<std::size_t>(depth * slice); }
};

Volume volume_of(const Tensor& image) {
  VOX_ASSERT(image.rank() == 4 && image.dtype() == DType::Float32);
  return {image.shape()[0], image.shape()[1], image.shape()[2] * image.shape()[3]};
}

const std::uint8_t* mask_of(const Tensor* mask, const Tensor& image, std::int64_t c) {
  if (mask == nullptr) return nullptr;
  VOX_ASSERT(mask->dtype() == DType::UInt8 && mask->shape() == image.shape());
  return mask->data<std::uint8_t>() + static_cast<std::size_t>(c) * volume_of(image).voxels();
}

// Sums f(v) over the masked voxels of one channel: per-slice partials in double, added in slice
// order, so the result does not depend on the thread count. Also counts the voxels.
template <class F>
std::pair<double, double> masked_sum(const Volume& vol, const std::uint8_t* mask, F f) {
  std::vector<double> sums(static_cast<std::size_t>(vol.depth), 0.0), counts(sums.size(), 0.0);
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < vol.depth; ++k) {
    double sum = 0, count = 0;
    for (std::int64_t v = k * vol.slice; v < (k + 1) * vol.slice; ++v)
      if (mask == nullptr || mask[v] != 0) {
        sum += f(v);
        count += 1;
      }
    sums[static_cast<std::size_t>(k)] = sum;
    counts[static_cast<std::size_t>(k)] = count;
  }
  double sum = 0, count = 0;
  for (std::size_t k = 0; k < sums.size(); ++k) {
    sum += sums[k];
    count += counts[k];
  }
  return {sum, count};
}

bool any_nonzero(std::span<const float> values) {
  return std::any_of(values.begin(), values.end(), [](float v) { return v != 0.0f; });
}

std::string bool_text(bool b) { return b ? "true" : "false"; }

std::string numbers_text(std::span<const double> values) {
  std::string text;
  for (std::size_t n = 0; n < values.size(); ++n) {
    if (n > 0) text.push_back(' ');
    text.append(fmt::format("{}", values[n]));
  }
  return text;
}

std::string channel_name(const std::vector<std::string>& modalities, std::int64_t c) {
  return static_cast<std::size_t>(c) < modalities.size()
             ? fmt::format("channel {} ('{}')", c, modalities[static_cast<std::size_t>(c)])
             : fmt::format("channel {}", c);
}

void check_subject_image(const Tensor& image, const std::vector<std::string>& modalities, bool need_modalities,
                         std::string_view subject_id) {
  if (!image.defined() || image.rank() != 4 || image.dtype() != DType::Float32)
    throw error("subject '{}': the image to normalise must be float32 [C, D, H, W]", subject_id);
  const Volume vol = volume_of(image);
  if ((need_modalities || !modalities.empty()) && vol.channels != static_cast<std::int64_t>(modalities.size()))
    throw error("subject '{}': the image has {} channels but {} modalities are named ({}); name one modality "
                "per channel",
                subject_id, vol.channels, modalities.size(), join(modalities));
  const float* data = image.data<float>();
  for (std::int64_t c = 0; c < vol.channels; ++c) {
    std::int64_t bad = 0;
    for (std::size_t v = 0; v < vol.voxels(); ++v)
      if (!std::isfinite(data[static_cast<std::size_t>(c) * vol.voxels() + v])) ++bad;
    if (bad > 0)
      throw error("subject '{}' {}: {} voxels are NaN or infinite; fix the image file", subject_id,
                  channel_name(modalities, c), bad);
  }
}

bool uses_mask(const NormalisationSettings& s) {
  return s.normalise_foreground_only && (s.whitening || s.normalisation || s.percentile_clipping);
}

}  // namespace

ClipRescale parse_clip_rescale(std::string_view text) {
  const std::string lower = to_lower(text);
  for (std::size_t i = 0; i < kRescaleNames.size(); ++i)
    if (lower == kRescaleNames[i]) return static_cast<ClipRescale>(i);
  std::vector<std::string> choices(kRescaleNames.begin(), kRescaleNames.end());
  throw error("[NETWORK] clipping_rescale = '{}' is not known{}: use one of {}", text, did_you_mean(text, choices),
              join(choices));
}

std::string_view to_string(ClipRescale rescale) { return kRescaleNames[static_cast<std::size_t>(rescale)]; }

void check_normalisation_settings(const NormalisationSettings& s) {
  const Cutoff& c = s.cutoff;
  if (!(c[0] >= 0.0 && c[1] <= 1.0 && c[0] < c[1]))
    throw error("[NETWORK] cutoff = ({}, {}) must be two fractions 0 <= low < high <= 1, e.g. (0.01, 0.99)", c[0],
                c[1]);
  const auto& p = s.clipping_percentiles;
  if (!(p[0] >= 0.0 && p[1] <= 100.0 && p[0] < p[1]))
    throw error("[NETWORK] clipping_percentiles = ({}, {}) must be two percentages 0 <= low < high <= 100, "
                "e.g. (0.5, 99.5)",
                p[0], p[1]);
  if ((s.normalisation || s.label_normalisation) && s.histogram_ref_file.empty())
    throw error("[NETWORK] histogram_ref_file is empty but {} = True needs it; set it to a file path, e.g. "
                "./histogram_ref_file.txt",
                s.normalisation ? "normalisation" : "label_normalisation");
}

std::map<std::string, std::string> normalisation_fingerprint(const NormalisationSettings& s,
                                                             const HistogramLandmarks* landmarks,
                                                             const LabelMapping* labels) {
  std::map<std::string, std::string> f;
  auto put = [&f](std::string_view key, std::string value) {
    f[fmt::format("normalisation.{}", key)] = std::move(value);
  };
  put("whitening", bool_text(s.whitening));
  put("normalisation", bool_text(s.normalisation));
  put("percentile_clipping", bool_text(s.percentile_clipping));
  put("label_normalisation", bool_text(s.label_normalisation));
  if (s.whitening || s.normalisation || s.percentile_clipping) {
    put("normalise_foreground_only", bool_text(s.normalise_foreground_only));
    if (s.normalise_foreground_only) {
      put("foreground_type", std::string(to_string(s.foreground_type)));
      put("multimod_foreground_type", std::string(to_string(s.multimod_foreground_type)));
    }
  }
  if (s.normalisation) {
    put("norm_type", std::string(to_string(s.norm_type)));
    put("cutoff", numbers_text(s.cutoff));
    if (landmarks != nullptr)
      for (const auto& [modality, values] : landmarks->modalities)
        put(fmt::format("landmarks.{}", modality), numbers_text(values));
  }
  if (s.percentile_clipping) {
    put("clipping_percentiles", numbers_text(s.clipping_percentiles));
    put("clipping_rescale", std::string(to_string(s.clipping_rescale)));
  }
  if (s.label_normalisation && labels != nullptr) {
    auto ints = [](const std::vector<std::int32_t>& v) {
      const std::vector<double> d(v.begin(), v.end());
      return numbers_text(d);
    };
    put("label_mapping.from", ints(labels->from));
    put("label_mapping.to", ints(labels->to));
  }
  return f;
}

void whiten(Tensor& image, const Tensor* mask) {
  const Volume vol = volume_of(image);
  for (std::int64_t c = 0; c < vol.channels; ++c) {
    float* x = image.data<float>() + static_cast<std::size_t>(c) * vol.voxels();
    const std::uint8_t* m = mask_of(mask, image, c);
    const auto [sum, count] = masked_sum(vol, m, [x](std::int64_t v) { return static_cast<double>(x[v]); });
    if (count == 0) continue;
    const double mean = sum / count;
    const auto [squares, unused] = masked_sum(vol, m, [x, mean](std::int64_t v) {
      const double d = static_cast<double>(x[v]) - mean;
      return d * d;
    });
    const double std_dev = std::max(std::sqrt(squares / count), kMinStd);
    const auto n = static_cast<std::int64_t>(vol.voxels());
#pragma omp parallel for schedule(static)
    for (std::int64_t v = 0; v < n; ++v) x[v] = static_cast<float>((static_cast<double>(x[v]) - mean) / std_dev);
  }
}

void clip_to_percentiles(Tensor& image, const Tensor* mask, const std::array<double, 2>& percentiles,
                         ClipRescale rescale) {
  VOX_ASSERT(percentiles[0] >= 0 && percentiles[1] <= 100 && percentiles[0] <= percentiles[1]);
  const Volume vol = volume_of(image);
  for (std::int64_t c = 0; c < vol.channels; ++c) {
    float* x = image.data<float>() + static_cast<std::size_t>(c) * vol.voxels();
    const std::uint8_t* m = mask_of(mask, image, c);
    const std::span<const std::uint8_t> mask_span =
        m == nullptr ? std::span<const std::uint8_t>{} : std::span<const std::uint8_t>(m, vol.voxels());
    if (!any_nonzero({x, vol.voxels()})) continue;  // a missing modality stays zero
    const std::vector<float> sorted = sorted_foreground({x, vol.voxels()}, mask_span);
    if (sorted.empty()) continue;
    const double lo = percentile_of_sorted(sorted, percentiles[0] / 100.0);
    const double hi = percentile_of_sorted(sorted, percentiles[1] / 100.0);
    const double out_lo = rescale == ClipRescale::MinusOneOne ? -1.0 : 0.0;
    const double out_width = rescale == ClipRescale::MinusOneOne ? 2.0 : 1.0;
    const auto n = static_cast<std::int64_t>(vol.voxels());
#pragma omp parallel for schedule(static)
    for (std::int64_t v = 0; v < n; ++v) {
      const double clipped = std::clamp(static_cast<double>(x[v]), lo, hi);
      double y = clipped;
      if (rescale != ClipRescale::None) y = hi > lo ? out_lo + out_width * (clipped - lo) / (hi - lo) : out_lo;
      x[v] = static_cast<float>(y);
    }
  }
}

Tensor normalise_subject_image(Tensor& image, const NormalisationSettings& settings,
                               const HistogramLandmarks* landmarks, const std::vector<std::string>& modalities,
                               std::string_view subject_id) {
  check_subject_image(image, modalities, settings.normalisation, subject_id);
  if (settings.normalisation && landmarks == nullptr)
    throw error("subject '{}': normalisation = True needs histogram landmarks; train first, or set [NETWORK] "
                "histogram_ref_file to a trained file",
                subject_id);
  Tensor mask;
  if (uses_mask(settings)) {
    mask = foreground_mask(image, settings.foreground_type, settings.multimod_foreground_type, subject_id);
    const Volume vol = volume_of(image);
    for (std::int64_t c = 0; c < vol.channels; ++c) {
      const std::span<const float> x(image.data<float>() + static_cast<std::size_t>(c) * vol.voxels(), vol.voxels());
      const std::span<const std::uint8_t> m(mask_of(&mask, image, c), vol.voxels());
      if (any_nonzero(x) && std::none_of(m.begin(), m.end(), [](std::uint8_t b) { return b != 0; }))
        throw error("subject '{}' {}: no voxel is foreground in every channel (multimod_foreground_type = {}); "
                    "use 'or' or 'multi', or another foreground_type",
                    subject_id, channel_name(modalities, c), to_string(settings.multimod_foreground_type));
    }
  }
  const Tensor* m = mask.defined() ? &mask : nullptr;
  if (settings.percentile_clipping) clip_to_percentiles(image, m, settings.clipping_percentiles, settings.clipping_rescale);
  if (settings.normalisation)
    apply_histogram_standardisation(image, m, *landmarks, modalities, settings.norm_type, settings.cutoff);
  if (settings.whitening) whiten(image, m);
  return mask;
}

void normalise_subject_label(Tensor& label, const NormalisationSettings& settings, const LabelMapping* mapping,
                             int num_classes, std::string_view subject_id) {
  if (!settings.label_normalisation) {
    check_label_values(label, num_classes, subject_id);
    return;
  }
  if (mapping == nullptr)
    throw error("subject '{}': label_normalisation = True needs the label mapping; train first, or set [NETWORK] "
                "histogram_ref_file to a trained file",
                subject_id);
  check_label_mapping(*mapping, num_classes);
  map_labels_forward(label, *mapping, subject_id);
}

std::map<std::string, Landmarks> training_image_landmarks(const TrainingImage& s,
                                                          const std::vector<std::string>& modalities,
                                                          const NormalisationSettings& settings) {
  // A copy to clip, its own per-channel masks, its landmarks.
  VOX_ASSERT(s.image != nullptr);
  check_subject_image(*s.image, modalities, true, s.id);
  Tensor mask;
  if (settings.normalise_foreground_only)
    mask = foreground_mask(*s.image, settings.foreground_type, MultimodForegroundType::Multi, s.id);
  const Tensor* m = mask.defined() ? &mask : nullptr;
  Tensor clipped;
  if (settings.percentile_clipping) {
    clipped = s.image->clone();
    clip_to_percentiles(clipped, m, settings.clipping_percentiles, settings.clipping_rescale);
  }
  const LandmarkSubject subject{.id = s.id, .image = clipped.defined() ? &clipped : s.image, .mask = m};
  return subject_landmarks(subject, modalities, settings.norm_type, settings.cutoff);
}

HistogramLandmarks train_histogram_landmarks(const std::vector<TrainingImage>& subjects,
                                             const std::vector<std::string>& modalities,
                                             const NormalisationSettings& settings) {
  std::map<std::string, std::vector<Landmarks>> per_subject;
  for (const TrainingImage& s : subjects)
    for (const auto& [modality, l] : training_image_landmarks(s, modalities, settings))
      per_subject[modality].push_back(l);
  return average_landmarks(per_subject, modalities);
}

}  // namespace voxtrain
