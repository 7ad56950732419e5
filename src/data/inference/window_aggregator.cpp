// window_aggregator.cpp — weighted sums of border-cropped output windows in double, rounded once
// into the result; the window_seg_ NIfTI file and an atomically rewritten inferred.csv.
#include "voxtrain/data/inference/window_aggregator.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/data/inference/grid_sampler.hpp"

namespace voxtrain {

namespace fs = std::filesystem;

namespace {

// The smallest per-axis Gaussian weight, so that a product of three never underflows to 0 (which
// would turn a covered voxel into an uncovered one).
constexpr double kMinAxisWeight = 1e-100;

std::string who(const std::string& subject_id) {
  return subject_id.empty() ? std::string("aggregator") : fmt::format("subject '{}'", subject_id);
}

bool is_whole_int32(double v) {
  return std::isfinite(v) && v == std::floor(v) && v >= std::numeric_limits<std::int32_t>::min() &&
         v <= std::numeric_limits<std::int32_t>::max();
}

}  // namespace

WindowAggregator::WindowAggregator(const std::array<std::int64_t, 3>& image_size, std::int64_t n_channels,
                                   const AggregationSettings& settings, std::string subject_id)
    : size_(image_size), channels_(n_channels), settings_(settings), subject_id_(std::move(subject_id)) {
  VOX_ASSERT(size_[0] >= 1 && size_[1] >= 1 && size_[2] >= 1 && channels_ >= 1);
  if (settings_.output == AggregatedOutput::Argmax && !is_whole_int32(settings_.fill_constant))
    throw error("{}: [INFERENCE] fill_constant = {} must be a whole number when the output is a label "
                "map (argmax); use e.g. 0", who(subject_id_), settings_.fill_constant);
  if (settings_.weighting == Weighting::Gaussian && !(settings_.gaussian_sigma > 0))
    throw error("{}: the Gaussian window weighting needs a sigma above 0 (a fraction of the window, "
                "e.g. 0.125), not {}", who(subject_id_), settings_.gaussian_sigma);
  const auto voxels = static_cast<std::size_t>(size_[0] * size_[1] * size_[2]);
  sum_.assign(voxels * static_cast<std::size_t>(channels_), 0.0);
  weight_.assign(voxels, 0.0);
}

WindowAggregator::WindowAggregator(const TilingPlan& plan, std::int64_t n_channels,
                                   const AggregationSettings& settings)
    : WindowAggregator(plan.image_size, n_channels, settings, plan.subject_id) {
  plan_ = plan;
  seen_.assign(static_cast<std::size_t>(plan.size()), false);
}

std::vector<double> WindowAggregator::axis_weights(std::int64_t n) const {
  std::vector<double> w(static_cast<std::size_t>(n), 1.0);
  if (settings_.weighting == Weighting::Uniform) return w;
  const double centre = static_cast<double>(n - 1) / 2.0;
  const double sigma = settings_.gaussian_sigma * static_cast<double>(n);
  for (std::int64_t p = 0; p < n; ++p) {
    const double z = (static_cast<double>(p) - centre) / sigma;
    w[static_cast<std::size_t>(p)] = std::max(std::exp(-0.5 * z * z), kMinAxisWeight);
  }
  return w;
}

namespace {

// Where a window's output lands: the location cropped by the border is [lo, hi) per axis; output
// voxel left + (v - lo) goes to image voxel v.
struct Placement {
  std::array<std::int64_t, 3> lo{}, hi{}, left{};
};

Placement place(const std::array<std::int64_t, 3>& out_size, const PatchLocation& at,
                const std::array<std::int64_t, 3>& border, const std::string& subject_id) {
  Placement p;
  for (int a = 0; a < 3; ++a) {
    const std::int64_t b = effective_border(at.end[a] - at.start[a], border[a]);
    p.lo[a] = at.start[a] + b;
    p.hi[a] = at.end[a] - b;
    const std::int64_t n = p.hi[a] - p.lo[a];
    if (n < 1)
      throw error("{}: window {} cropped by border {} along axis {} is empty; use a border below half the "
                  "window", who(subject_id), at.to_string(), b, "ijk"[a]);
    if (out_size[a] < n)
      throw error("{}: the network output window is {} voxels along axis {} but the window {} minus the border "
                  "({} each side) is {}; set [INFERENCE] border to at least {} there",
                  who(subject_id), out_size[a], "ijk"[a], at.to_string(), b, n,
                  (at.end[a] - at.start[a] - out_size[a] + 1) / 2);
    p.left[a] = (out_size[a] - n) / 2;  // the output is centred on the window
  }
  return p;
}

}  // namespace

std::int64_t WindowAggregator::plan_index(const PatchLocation& at) const {
  const TilingPlan& plan = *plan_;
  std::array<std::int64_t, 3> index{};
  bool on_plan = at.subject == plan.subject;
  for (int a = 0; a < 3 && on_plan; ++a) {
    const auto& starts = plan.starts[static_cast<std::size_t>(a)];
    const auto it = std::find(starts.begin(), starts.end(), at.start[a]);
    on_plan = it != starts.end() && at.end[a] - at.start[a] == plan.window[a];
    index[a] = it - starts.begin();
  }
  if (!on_plan)
    throw error("{}: window {} is not one of the {} windows of the grid plan this aggregator sums; give "
                "the locations the grid sampler handed out", who(subject_id_), at.to_string(), plan.size());
  return (index[1] * static_cast<std::int64_t>(plan.starts[0].size()) + index[0]) *
             static_cast<std::int64_t>(plan.starts[2].size()) + index[2];
}

void WindowAggregator::add(const Tensor& windows, const std::vector<PatchLocation>& where) {
  if (!windows.defined() || windows.rank() != 5 || windows.dtype() != DType::Float32 || !windows.is_plain() ||
      !windows.device().is_cpu())
    throw error("{}: network output windows must be a plain host float32 tensor [N, C, d, h, w], not {} {}",
                who(subject_id_), windows.defined() ? dtype_name(windows.dtype()) : "(none)",
                windows.defined() ? windows.shape().to_string() : std::string());
  const Shape& s = windows.shape();
  if (s[1] != channels_)
    throw error("{}: network output windows have {} channels but the aggregator was made for {}; "
                "set the number of output classes to match the network", who(subject_id_), s[1], channels_);
  if (static_cast<std::size_t>(s[0]) != where.size())
    throw error("{}: {} network output windows came with {} locations; give one location per window",
                who(subject_id_), s[0], where.size());
  const float* data = windows.data<float>();
  const std::int64_t per_window = s[1] * s[2] * s[3] * s[4];
  if (settings_.output == AggregatedOutput::Probabilities)
    for (std::int64_t e = 0; e < s[0] * per_window; ++e)
      if (!(data[e] >= 0.0f && data[e] <= 1.0f))
        throw error("{}: network output value {} (window {}) is not a probability in [0, 1]; apply softmax "
                    "first, or aggregate with output = raw", who(subject_id_), data[e], e / per_window);
  const std::array<std::int64_t, 3> out_size{s[4], s[3], s[2]};

  // Check every window before summing any, so that an error leaves the sums as they were.
  std::vector<std::int64_t> index(where.size(), -1);
  for (std::size_t n = 0; n < where.size(); ++n) {
    place(out_size, where[n], settings_.border, subject_id_);
    if (!plan_) continue;
    index[n] = plan_index(where[n]);
    const auto earlier = index.begin() + static_cast<std::ptrdiff_t>(n);
    if (seen_[static_cast<std::size_t>(index[n])] || std::find(index.begin(), earlier, index[n]) != earlier)
      throw error("{}: window {} was added twice; give each window of the grid plan once",
                  who(subject_id_), where[n].to_string());
  }

  for (std::size_t n = 0; n < where.size(); ++n) {
    const float* values = data + static_cast<std::int64_t>(n) * per_window;
    if (!plan_) {
      add_one(values, out_size, where[n]);
      continue;
    }
    seen_[static_cast<std::size_t>(index[n])] = true;
    if (index[n] != next_) {  // wait for the windows before it
      waiting_[index[n]] = Waiting{out_size, std::vector<float>(values, values + per_window), where[n]};
      continue;
    }
    add_one(values, out_size, where[n]);
    ++next_;
    while (!waiting_.empty() && waiting_.begin()->first == next_) {
      const Waiting& w = waiting_.begin()->second;
      add_one(w.values.data(), w.out_size, w.at);
      waiting_.erase(waiting_.begin());
      ++next_;
    }
  }
  windows_added_ += s[0];
}

void WindowAggregator::add_one(const float* window, const std::array<std::int64_t, 3>& out_size,
                               const PatchLocation& at) {
  const Placement p = place(out_size, at, settings_.border, subject_id_);
  std::array<std::int64_t, 3> from{}, to{};
  std::array<std::vector<double>, 3> w;
  for (int a = 0; a < 3; ++a) {
    from[a] = std::clamp<std::int64_t>(p.lo[a], 0, size_[a]);
    to[a] = std::clamp<std::int64_t>(p.hi[a], from[a], size_[a]);
    w[static_cast<std::size_t>(a)] = axis_weights(p.hi[a] - p.lo[a]);
  }
  const std::int64_t voxels = size_[0] * size_[1] * size_[2];
  const std::int64_t out_voxels = out_size[0] * out_size[1] * out_size[2];
  for (std::int64_t k = from[2]; k < to[2]; ++k)
    for (std::int64_t j = from[1]; j < to[1]; ++j) {
      const double wkj = w[2][static_cast<std::size_t>(k - p.lo[2])] * w[1][static_cast<std::size_t>(j - p.lo[1])];
      const std::int64_t row = (k * size_[1] + j) * size_[0];
      // Output element of image voxel i in this row: out_row + i.
      const std::int64_t out_row =
          ((k - p.lo[2] + p.left[2]) * out_size[1] + (j - p.lo[1] + p.left[1])) * out_size[0] + p.left[0] - p.lo[0];
      for (std::int64_t i = from[0]; i < to[0]; ++i) {
        const double wv = wkj * w[0][static_cast<std::size_t>(i - p.lo[0])];
        weight_[static_cast<std::size_t>(row + i)] += wv;
        for (std::int64_t c = 0; c < channels_; ++c)
          sum_[static_cast<std::size_t>(c * voxels + row + i)] +=
              wv * static_cast<double>(window[c * out_voxels + out_row + i]);
      }
    }
}

Tensor WindowAggregator::finish() {
  for (const auto& [index, w] : waiting_) add_one(w.values.data(), w.out_size, w.at);  // in plan order
  waiting_.clear();
  const std::int64_t voxels = size_[0] * size_[1] * size_[2];
  if (settings_.output == AggregatedOutput::Argmax) {
    Tensor labels = Tensor::empty({1, size_[2], size_[1], size_[0]}, DType::Int32);
    std::int32_t* out = labels.data<std::int32_t>();
    for (std::int64_t v = 0; v < voxels; ++v) {
      const double wsum = weight_[static_cast<std::size_t>(v)];
      if (wsum == 0) {
        out[v] = static_cast<std::int32_t>(settings_.fill_constant);
        continue;
      }
      std::int32_t best = 0;
      float best_value = static_cast<float>(sum_[static_cast<std::size_t>(v)] / wsum);
      for (std::int64_t c = 1; c < channels_; ++c) {
        const float value = static_cast<float>(sum_[static_cast<std::size_t>(c * voxels + v)] / wsum);
        if (value > best_value) {  // ties keep the lowest class
          best = static_cast<std::int32_t>(c);
          best_value = value;
        }
      }
      out[v] = best;
    }
    return labels;
  }
  Tensor result = Tensor::empty({channels_, size_[2], size_[1], size_[0]}, DType::Float32);
  float* out = result.data<float>();
  const auto fill = static_cast<float>(settings_.fill_constant);
  for (std::int64_t c = 0; c < channels_; ++c)
    for (std::int64_t v = 0; v < voxels; ++v) {
      const double wsum = weight_[static_cast<std::size_t>(v)];
      out[c * voxels + v] =
          wsum == 0 ? fill : static_cast<float>(sum_[static_cast<std::size_t>(c * voxels + v)] / wsum);
    }
  return result;
}

namespace {

// A CSV field, quoted (RFC 4180) when it holds a comma or a quote.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"") == std::string::npos) return text;
  std::string quoted("\"");
  for (char ch : text) {
    if (ch == '"') quoted.push_back('"');
    quoted.push_back(ch);
  }
  quoted.push_back('"');
  return quoted;
}

// The first field of a CSV line, unquoted.
std::string first_field(const std::string& line) {
  if (line.empty() || line[0] != '"') return line.substr(0, line.find(','));
  std::string field;
  for (std::size_t p = 1; p < line.size(); ++p) {
    if (line[p] == '"') {
      if (p + 1 < line.size() && line[p + 1] == '"') {
        field.push_back('"');
        ++p;
      } else {
        break;
      }
    } else {
      field.push_back(line[p]);
    }
  }
  return field;
}

// Rewrites <dir>/inferred.csv with the row for subject_id replaced by (or added as) row.
void record_inferred(const fs::path& dir, const std::string& subject_id, const std::string& row) {
  const fs::path csv = dir / "inferred.csv";
  std::string kept;
  if (std::ifstream in(csv); in.is_open()) {
    std::string line;
    while (std::getline(in, line))
      if (!line.empty() && first_field(line) != subject_id) kept.append(line).push_back('\n');
  }
  kept.append(row).push_back('\n');

  static std::atomic<unsigned> counter{0};
  const fs::path tmp = dir / fmt::format(".inferred.csv.tmp-{}-{}", ::getpid(), counter.fetch_add(1));
  auto fail = [&](const std::string& why) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return error("{}: cannot write ({}); check that the directory is writable and the disk has space",
                 csv.string(), why);
  };
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out.is_open()) throw fail("cannot create a file there");
    out << kept;
    out.close();
    if (!out) throw fail("write error");
  }
  std::error_code ec;
  fs::rename(tmp, csv, ec);
  if (ec) throw fail(ec.message());
}

}  // namespace

std::string write_inference_output(const std::string& save_dir, const std::string& subject_id,
                                   const Tensor& result, const NiftiImage& geometry, const std::string& postfix) {
  if (subject_id.empty() || subject_id.find_first_of("/\n\r") != std::string::npos || subject_id == "." ||
      subject_id == "..")
    throw error("{}: subject id '{}' cannot be part of an output file name; give subjects ids without "
                "'/' or line breaks", save_dir, subject_id);
  if (postfix.find_first_of("/\n\r") != std::string::npos)
    throw error("[INFERENCE] output_postfix = '{}' cannot be part of a file name; remove '/' and line breaks",
                postfix);
  const fs::path dir(save_dir.empty() ? std::string(".") : save_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw error("[INFERENCE] save_seg_dir = {}: cannot create the directory ({}); choose a writable place",
                save_dir, ec ? ec.message() : std::string("a file of that name exists"));
  const fs::path path = dir / fmt::format("window_seg_{}_{}.nii.gz", subject_id, postfix);
  write_nifti_like(path.string(), result, geometry);
  const std::string absolute = fs::absolute(path).lexically_normal().string();
  if (absolute.find_first_of("\n\r") != std::string::npos)
    throw error("{}: the output path holds a line break and cannot be recorded in inferred.csv", absolute);
  record_inferred(dir, subject_id, fmt::format("{},{}", csv_field(subject_id), csv_field(absolute)));
  return path.string();
}

}  // namespace voxtrain
