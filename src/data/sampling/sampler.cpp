// sampler.cpp — the candidate region (NiftyNet's crop_sampling_map), the weighted CDF and the
// per-class voxel lists built once per subject, and the keyed draws from them.
#include "voxtrain/data/sampling/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

constexpr std::int64_t kManyClasses = 500;  // NiftyNet warns above this many labels

// An index in [0, n) from u in [0, 1).
std::int64_t pick(double u, std::int64_t n) {
  return std::min(static_cast<std::int64_t>(u * static_cast<double>(n)), n - 1);
}

bool fits(std::int64_t window, std::int64_t size) { return window <= size; }

// Map value at region offset order, read as double from float32 or int32 storage.
class MapReader {
 public:
  explicit MapReader(const Tensor& map)
      : f_(map.dtype() == DType::Float32 ? map.data<float>() : nullptr),
        n_(map.dtype() == DType::Int32 ? map.data<std::int32_t>() : nullptr) {}
  double operator()(std::int64_t e) const {
    return f_ ? static_cast<double>(f_[e]) : static_cast<double>(n_[e]);
  }

 private:
  const float* f_;
  const std::int32_t* n_;
};

void check_map(const SamplerInput& input, SamplerKind kind) {
  const std::string_view name = sampler_kind_name(kind);
  if (!input.map.defined())
    throw error("subject '{}': window_sampling = {} needs a sampling map, and the subject has none; "
                "name the input that holds it with [SEGMENTATION] sampler",
                input.subject_id, name);
  const auto& s = input.map.shape();
  const auto& n = input.size_ijk;
  if (s.rank() != 4 || s[0] != 1 || s[1] != n[2] || s[2] != n[1] || s[3] != n[0])
    throw error("subject '{}': the {} sampling map has shape {} but the image grid is "
                "[1, {}, {}, {}] ([C, D, H, W]); resample the map onto the image grid",
                input.subject_id, name, s.to_string(), n[2], n[1], n[0]);
  if (input.map.dtype() != DType::Float32 && input.map.dtype() != DType::Int32)
    throw error("subject '{}': the {} sampling map is {}; voxtrain reads float32 or int32 maps",
                input.subject_id, name, dtype_name(input.map.dtype()));
  if (!input.map.is_plain() || input.map.device() != Device::cpu())
    throw InternalError(fmt::format("subject '{}': sampling map must be a plain host tensor",
                                    input.subject_id));
}

}  // namespace

std::string_view sampler_kind_name(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::Uniform: return "uniform";
    case SamplerKind::Weighted: return "weighted";
    case SamplerKind::Balanced: return "balanced";
  }
  return "?";
}

SamplerKind parse_sampler_kind(std::string_view text, std::string_view where) {
  const std::string lower = to_lower(text);
  for (SamplerKind k : {SamplerKind::Uniform, SamplerKind::Weighted, SamplerKind::Balanced})
    if (lower == sampler_kind_name(k)) return k;
  const std::vector<std::string> names{"uniform", "weighted", "balanced"};
  throw error("{}: window_sampling = '{}' is not a training sampler{}; use one of {}", where, text,
              did_you_mean(text, names), join(names));
}

SamplerInput sampler_input(SamplerKind kind, const Subject& subject, std::int64_t subject_index) {
  SamplerInput in;
  in.subject = subject_index;
  in.subject_id = subject.id;
  in.size_ijk = subject.size_ijk();
  if (kind == SamplerKind::Weighted) in.map = subject.sampling_map;
  if (kind == SamplerKind::Balanced)
    in.map = subject.sampling_map.defined() ? subject.sampling_map : subject.label;
  if (kind != SamplerKind::Uniform) check_map(in, kind);
  return in;
}

SamplerIndex::SamplerIndex(SamplerKind kind, const SamplerInput& input, WindowSize window)
    : kind_(kind), subject_(input.subject), size_(input.size_ijk), window_(window) {
  for (int a = 0; a < 3; ++a) {
    if (window[a] < 1 || size_[a] < 1)
      throw error("subject '{}': spatial_window_size ({}, {}, {}) and image size ({}, {}, {}) "
                  "must be at least 1 along every axis",
                  input.subject_id, window[0], window[1], window[2], size_[0], size_[1], size_[2]);
    if (fits(window[a], size_[a])) {
      // NiftyNet's crop_sampling_map: start int(w/2), end n - w + int(w/2 + 0.6), at least one.
      const std::int64_t lo = window[a] / 2;
      const std::int64_t hi = size_[a] - window[a] + window[a] / 2 + window[a] % 2;
      region_lo_[a] = lo;
      region_extent_[a] = std::max<std::int64_t>(hi - lo, 1);
    } else {
      region_lo_[a] = 0;
      region_extent_[a] = size_[a];
    }
  }
  region_voxels_ = region_extent_[0] * region_extent_[1] * region_extent_[2];
  if (kind_ != SamplerKind::Uniform) {
    check_map(input, kind_);
    if (region_voxels_ > std::numeric_limits<std::uint32_t>::max())
      throw error("subject '{}': {} candidate window centres exceed the sampler's 2^32 limit; "
                  "use a larger spatial_window_size or a smaller image",
                  input.subject_id, region_voxels_);
  }
  if (kind_ == SamplerKind::Weighted) build_weighted(input);
  if (kind_ == SamplerKind::Balanced) build_balanced(input);
}

void SamplerIndex::build_weighted(const SamplerInput& input) {
  const MapReader value(input.map);
  const auto& lo = region_lo_;
  const auto& ext = region_extent_;
  // Visits the region in offset order (i fastest), handing (offset, map value).
  auto for_each_voxel = [&](auto&& visit) {
    std::int64_t offset = 0;
    for (std::int64_t k = 0; k < ext[2]; ++k)
      for (std::int64_t j = 0; j < ext[1]; ++j) {
        const std::int64_t row = ((lo[2] + k) * size_[1] + (lo[1] + j)) * size_[0] + lo[0];
        for (std::int64_t i = 0; i < ext[0]; ++i, ++offset) visit(offset, value(row + i));
      }
  };
  double minimum = std::numeric_limits<double>::infinity();
  for_each_voxel([&](std::int64_t offset, double v) {
    if (!std::isfinite(v)) {
      const std::int64_t i = lo[0] + offset % ext[0], j = lo[1] + offset / ext[0] % ext[1],
                         k = lo[2] + offset / (ext[0] * ext[1]);
      throw error("subject '{}': the weighted sampling map holds {} at voxel ({}, {}, {}); "
                  "weights must be finite",
                  input.subject_id, v, i, j, k);
    }
    minimum = std::min(minimum, v);
  });
  const double shift = minimum < 0 ? -minimum : 0.0;  // NiftyNet: negative maps shifted by min
  double total = 0;
  for_each_voxel([&](std::int64_t offset, double v) {
    const double w = v + shift;
    if (w <= 0) return;
    total += w;
    offsets_.push_back(static_cast<std::uint32_t>(offset));
    cumulative_.push_back(total);
  });
  offsets_.shrink_to_fit();
  cumulative_.shrink_to_fit();
}

void SamplerIndex::build_balanced(const SamplerInput& input) {
  const MapReader value(input.map);
  const auto& lo = region_lo_;
  const auto& ext = region_extent_;
  // Pass 1: the classes and their voxel counts (runs of one label skip the hash lookup).
  std::unordered_map<double, std::int64_t> count;
  std::vector<double> per_voxel(static_cast<std::size_t>(region_voxels_));
  std::size_t offset = 0;
  double last = std::numeric_limits<double>::quiet_NaN();
  std::int64_t* last_count = nullptr;
  for (std::int64_t k = 0; k < ext[2]; ++k)
    for (std::int64_t j = 0; j < ext[1]; ++j) {
      const std::int64_t row = ((lo[2] + k) * size_[1] + (lo[1] + j)) * size_[0] + lo[0];
      for (std::int64_t i = 0; i < ext[0]; ++i, ++offset) {
        const double v = value(row + i);
        if (!std::isfinite(v))
          throw error("subject '{}': the balanced sampling map holds {} at voxel ({}, {}, {}); "
                      "class values must be finite",
                      input.subject_id, v, lo[0] + i, lo[1] + j, lo[2] + k);
        if (v != last) {
          last = v;
          last_count = &count[v];
        }
        ++*last_count;
        per_voxel[offset] = v;
      }
    }
  for (const auto& [v, n] : count) classes_.push_back(v);
  std::sort(classes_.begin(), classes_.end());
  if (static_cast<std::int64_t>(classes_.size()) > kManyClasses)
    log_warning("subject '{}': balanced sampling over {} distinct map values; is the sampling map "
                "a label map?",
                input.subject_id, classes_.size());
  // Pass 2: a counting sort of the region offsets by class.
  std::unordered_map<double, std::int64_t> next;  // class value -> its next free slot
  class_begin_.assign(classes_.size() + 1, 0);
  for (std::size_t c = 0; c < classes_.size(); ++c) {
    class_begin_[c + 1] = class_begin_[c] + count[classes_[c]];
    next[classes_[c]] = class_begin_[c];
  }
  offsets_.resize(static_cast<std::size_t>(region_voxels_));
  std::int64_t* slot = nullptr;
  last = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t o = 0; o < per_voxel.size(); ++o) {
    if (per_voxel[o] != last) {
      last = per_voxel[o];
      slot = &next[last];
    }
    offsets_[static_cast<std::size_t>((*slot)++)] = static_cast<std::uint32_t>(o);
  }
}

std::int64_t SamplerIndex::uniform_start(int axis, double u) const {
  const std::int64_t n = size_[axis], w = window_[axis];
  if (!fits(w, n)) return -((w - n) / 2);
  // NiftyNet's rand_spatial_coordinates: centre = randint(0, n - w + 1) + floor(w/2).
  return pick(u, n - w + 1);
}

PatchLocation SamplerIndex::location_of(std::int64_t region_offset) const {
  const std::array<std::int64_t, 3> in_region{region_offset % region_extent_[0],
                                               region_offset / region_extent_[0] % region_extent_[1],
                                               region_offset / (region_extent_[0] * region_extent_[1])};
  PatchLocation at;
  at.subject = subject_;
  for (int a = 0; a < 3; ++a) {
    const std::int64_t centre = region_lo_[a] + in_region[a];
    at.start[a] = fits(window_[a], size_[a]) ? centre - window_[a] / 2
                                             : -((window_[a] - size_[a]) / 2);
    at.end[a] = at.start[a] + window_[a];
  }
  return at;
}

PatchLocation SamplerIndex::draw(std::uint64_t key) const {
  switch (kind_) {
    case SamplerKind::Uniform: {
      PatchLocation at;
      at.subject = subject_;
      for (int a = 0; a < 3; ++a) {
        at.start[a] = uniform_start(a, uniform01(key, static_cast<std::uint64_t>(a)));
        at.end[a] = at.start[a] + window_[a];
      }
      return at;
    }
    case SamplerKind::Weighted: {
      const double u = uniform01(key, 0);
      if (cumulative_.empty()) return location_of(pick(u, region_voxels_));  // all-zero map
      // Inverse CDF: the first voxel whose running sum exceeds u * total (its weight is > 0).
      const double target = u * cumulative_.back();
      const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), target);
      const auto n = std::min<std::ptrdiff_t>(it - cumulative_.begin(),
                                              static_cast<std::ptrdiff_t>(cumulative_.size()) - 1);
      return location_of(offsets_[static_cast<std::size_t>(n)]);
    }
    case SamplerKind::Balanced: {
      VOX_ASSERT(!classes_.empty());
      const auto c = static_cast<std::size_t>(
          pick(uniform01(key, 0), static_cast<std::int64_t>(classes_.size())));
      const std::int64_t begin = class_begin_[c], members = class_begin_[c + 1] - begin;
      return location_of(offsets_[static_cast<std::size_t>(begin + pick(uniform01(key, 1), members))]);
    }
  }
  VOX_ASSERT(false);
  return {};
}

std::int64_t SamplerIndex::candidates() const {
  if (kind_ == SamplerKind::Uniform) {
    std::int64_t starts = 1;
    for (int a = 0; a < 3; ++a) starts *= fits(window_[a], size_[a]) ? size_[a] - window_[a] + 1 : 1;
    return starts;
  }
  if (kind_ == SamplerKind::Weighted && !cumulative_.empty())
    return static_cast<std::int64_t>(cumulative_.size());
  return region_voxels_;
}

std::size_t SamplerIndex::bytes() const {
  return offsets_.capacity() * sizeof(std::uint32_t) + cumulative_.capacity() * sizeof(double) +
         classes_.capacity() * sizeof(double) + class_begin_.capacity() * sizeof(std::int64_t);
}

PatchLocation draw_location(SamplerKind kind, const SamplerInput& input, WindowSize window,
                            std::uint64_t key) {
  return SamplerIndex(kind, input, window).draw(key);
}

PatchLocation concentric_location(const PatchLocation& at, WindowSize window) {
  PatchLocation out;
  out.subject = at.subject;
  for (int a = 0; a < 3; ++a) {
    const std::int64_t centre = at.start[a] + (at.end[a] - at.start[a]) / 2;
    out.start[a] = centre - window[a] / 2;
    out.end[a] = out.start[a] + window[a];
  }
  return out;
}

}  // namespace voxtrain
