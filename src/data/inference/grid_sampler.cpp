// grid_sampler.cpp — NiftyNet's grid of inference windows (step points per axis, meshgrid order),
// the memory estimate for aggregating them, and the batches of image windows cropped out of a subject.
#include "voxtrain/data/inference/grid_sampler.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {

namespace {

// NumPy's np.round of (a + b) / 2: halves go to the even neighbour.
std::int64_t round_half_even_mean(std::int64_t a, std::int64_t b) {
  const std::int64_t sum = a + b;
  const std::int64_t lo = sum >= 0 ? sum / 2 : -((-sum + 1) / 2);  // floor(sum / 2)
  if (sum - 2 * lo == 0) return lo;                               // a whole mean
  return lo % 2 == 0 ? lo : lo + 1;                               // lo + 0.5 -> even
}

std::string ijk(const std::array<std::int64_t, 3>& v) { return fmt::format("{}x{}x{}", v[0], v[1], v[2]); }

std::string subject_name(std::string_view id, std::int64_t index) {
  return id.empty() ? fmt::format("subject {}", index) : fmt::format("subject '{}'", id);
}

}  // namespace

std::vector<std::int64_t> enumerate_step_points(std::int64_t start, std::int64_t end,
                                                std::int64_t window, std::int64_t step) {
  start = std::max<std::int64_t>(start, 0);
  end = std::max<std::int64_t>(end, 0);
  window = std::max<std::int64_t>(window, 1);
  step = std::max<std::int64_t>(step, 1);
  if (start > end) std::swap(start, end);
  std::vector<std::int64_t> points;
  for (std::int64_t p = start; p + window <= end; p += step) points.push_back(p);
  points.push_back(std::max<std::int64_t>(end - window, 0));
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  if (points.size() == 2) {
    const std::int64_t mid = round_half_even_mean(points[0], points[1]);
    if (mid != points[0] && mid != points[1]) points.push_back(mid);  // order [first, last, mid]
  }
  return points;
}

std::int64_t effective_border(std::int64_t window, std::int64_t border) {
  return (border < 0 || window == 1) ? 0 : border;
}

std::int64_t TilingPlan::size() const {
  return static_cast<std::int64_t>(starts[0].size() * starts[1].size() * starts[2].size());
}

PatchLocation TilingPlan::location(std::int64_t n) const {
  VOX_ASSERT(n >= 0 && n < size());
  const auto nx = static_cast<std::int64_t>(starts[0].size());
  const auto nz = static_cast<std::int64_t>(starts[2].size());
  const std::int64_t z = n % nz, x = (n / nz) % nx, y = n / (nz * nx);  // y outer, x, z inner
  PatchLocation at;
  at.subject = subject;
  at.start = {starts[0][static_cast<std::size_t>(x)], starts[1][static_cast<std::size_t>(y)],
              starts[2][static_cast<std::size_t>(z)]};
  for (int a = 0; a < 3; ++a) at.end[a] = at.start[a] + window[a];
  return at;
}

std::vector<PatchLocation> TilingPlan::locations() const {
  std::vector<PatchLocation> all;
  all.reserve(static_cast<std::size_t>(size()));
  for (std::int64_t n = 0; n < size(); ++n) all.push_back(location(n));
  return all;
}

std::array<std::int64_t, 3> TilingPlan::covered_end() const {
  return {image_size[0] - border[0], image_size[1] - border[1], image_size[2] - border[2]};
}

std::string TilingPlan::describe() const {
  const bool margin = border[0] > 0 || border[1] > 0 || border[2] > 0;
  return fmt::format("{}: {} windows of {} (step {}, border {}) over {} voxels; {}",
                     subject_name(subject_id, subject), size(), ijk(window), ijk(step), ijk(border),
                     ijk(image_size),
                     margin ? fmt::format("voxels within {} (i x j x k) of a face get fill_constant", ijk(border))
                            : std::string("every voxel is covered"));
}

TilingPlan make_tiling_plan(const std::array<std::int64_t, 3>& image_size,
                            const std::array<std::int64_t, 3>& window,
                            const std::array<std::int64_t, 3>& border, std::int64_t subject,
                            std::string_view subject_id) {
  const std::string who = subject_name(subject_id, subject);
  for (int a = 0; a < 3; ++a) {
    if (image_size[a] < 1)
      throw error("{}: image size {} has an empty axis; the volume holds no voxels to infer", who,
                  ijk(image_size));
    if (window[a] < 1)
      throw error("{}: [INFERENCE] spatial_window_size = {} has a size below 1; give 1 or more voxels "
                  "per axis", who, ijk(window));
  }
  for (int a = 0; a < 3; ++a)
    if (window[a] > image_size[a])
      throw error("{}: [INFERENCE] spatial_window_size = {} is larger than the image ({} voxels, i x j x k) "
                  "along axis {}; choose a window of at most {} or pad the image (volume_padding_size)",
                  who, ijk(window), ijk(image_size), "ijk"[a], ijk(image_size));
  TilingPlan plan;
  plan.subject = subject;
  plan.subject_id = std::string(subject_id);
  plan.image_size = image_size;
  plan.window = window;
  for (int a = 0; a < 3; ++a) {
    plan.border[a] = effective_border(window[a], border[a]);
    if (2 * plan.border[a] >= window[a])
      throw error("{}: [INFERENCE] border = {} leaves nothing of the {} window along axis {} "
                  "(2 x {} >= {}); use a border of at most {} there, or a larger spatial_window_size",
                  who, ijk(border), ijk(window), "ijk"[a], plan.border[a], window[a], (window[a] - 1) / 2);
    plan.step[a] = std::max<std::int64_t>(window[a] - 2 * plan.border[a], 1);
    plan.starts[static_cast<std::size_t>(a)] = enumerate_step_points(0, image_size[a], window[a], plan.step[a]);
  }
  return plan;
}

std::size_t estimate_aggregation_bytes(const std::array<std::int64_t, 3>& image_size,
                                       std::int64_t n_channels,
                                       const std::array<std::int64_t, 3>& output_window,
                                       std::int64_t batch_size) {
  const auto voxels = static_cast<std::size_t>(image_size[0] * image_size[1] * image_size[2]);
  const auto channels = static_cast<std::size_t>(n_channels);
  const auto window = static_cast<std::size_t>(output_window[0] * output_window[1] * output_window[2]);
  return voxels * channels * sizeof(double)                                   // weighted sums
         + voxels * sizeof(double)                                            // weight sums
         + voxels * channels * sizeof(float)                                  // result
         + static_cast<std::size_t>(batch_size) * channels * window * sizeof(float);  // a batch
}

std::string format_bytes(std::size_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

GridSampler::GridSampler(const Subject& subject, TilingPlan plan) : subject_(subject), plan_(std::move(plan)) {
  VOX_ASSERT(subject_.image.defined() && subject_.image.rank() == 4);
  VOX_ASSERT(subject_.size_ijk() == plan_.image_size);
}

bool GridSampler::next(std::int64_t batch_size, Tensor& windows, std::vector<PatchLocation>& where) {
  VOX_ASSERT(batch_size >= 1);
  where.clear();
  const std::int64_t n = std::min(batch_size, remaining());
  if (n <= 0) {
    windows = Tensor();
    return false;
  }
  const Tensor& image = subject_.image;
  const std::int64_t channels = image.shape()[0];
  const auto& w = plan_.window;
  windows = Tensor::empty({n, channels, w[2], w[1], w[0]}, image.dtype());
  const std::size_t window_bytes = static_cast<std::size_t>(channels * w[0] * w[1] * w[2]) * dtype_size(image.dtype());
  for (std::int64_t b = 0; b < n; ++b) {
    where.push_back(plan_.location(next_ + b));
    const Tensor patch = crop_patch(image, where.back());
    std::memcpy(static_cast<unsigned char*>(windows.raw_data()) + static_cast<std::size_t>(b) * window_bytes,
                patch.raw_data(), window_bytes);
  }
  next_ += n;
  return true;
}

}  // namespace voxtrain
