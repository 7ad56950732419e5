// evaluation.cpp — the work of `voxtrain evaluate`: file discovery and matching by subject id,
// reading and checking the label-map pairs, per-label metrics with mean rows, the CSV and the summary.
#include "voxtrain/apps/evaluation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/command_line.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/io/csv_writer.hpp"
#include "voxtrain/io/nifti_image.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

// ---- names and matching ----

// Stripped from both ends of an id (as input discovery does).
bool is_separator(char c) { return c == '_' || c == '-' || c == '.' || c == ' '; }
// What may border an id inside a longer one: not '-', which ids hold (sub-1 is not in sub-1-2_Label).
bool is_boundary(char c) { return c == '_' || c == '.' || c == ' '; }

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool is_nifti_name(std::string_view name) { return ends_with(name, ".nii") || ends_with(name, ".nii.gz"); }

std::string_view without_extension(std::string_view name) {
  if (ends_with(name, ".nii.gz")) return name.substr(0, name.size() - 7);
  if (ends_with(name, ".nii")) return name.substr(0, name.size() - 4);
  return name;
}

std::string_view strip_separators(std::string_view s) {
  while (!s.empty() && is_separator(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_separator(s.back())) s.remove_suffix(1);
  return s;
}

std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

// True when part occurs in whole with a boundary character or an end on each side.
bool contains_bounded(std::string_view whole, std::string_view part) {
  if (part.empty() || part.size() > whole.size()) return false;
  for (std::size_t pos = whole.find(part); pos != std::string_view::npos; pos = whole.find(part, pos + 1)) {
    const bool left = pos == 0 || is_boundary(whole[pos - 1]);
    const std::size_t end = pos + part.size();
    const bool right = end == whole.size() || is_boundary(whole[end]);
    if (left && right) return true;
  }
  return false;
}

// True when the shorter id appears in the longer as whole separator-bounded parts.
bool ids_match(const std::string& a, const std::string& b) {
  return a.size() <= b.size() ? contains_bounded(b, a) : contains_bounded(a, b);
}

// "a.nii.gz (id a), b.nii.gz (id b), ... (12 in all)"
std::string describe_files(const std::vector<std::string>& files, const std::vector<std::string>& ids) {
  constexpr std::size_t kShown = 5;
  std::vector<std::string> items;
  for (std::size_t i = 0; i < files.size() && i < kShown; ++i)
    items.push_back(fmt::format("{} (id '{}')", file_name(files[i]), ids[i]));
  std::string text = join(items);
  if (files.size() > kShown) text += fmt::format(", ... ({} in all)", files.size());
  return text;
}

std::string where_files_are(const std::vector<std::string>& files) {
  if (files.empty()) return "";
  const std::string dir = fs::path(files.front()).parent_path().string();
  return dir.empty() ? std::string(".") : dir;
}

// ---- label maps ----

std::string shape_text(const NiftiImage& image) {
  const auto s = image.size_ijk();
  return fmt::format("{} x {} x {}", s[0], s[1], s[2]);
}

Spacing spacing_of(const Affine& a) {
  Spacing s{};
  for (int c = 0; c < 3; ++c) s[c] = std::sqrt(a[0][c] * a[0][c] + a[1][c] * a[1][c] + a[2][c] * a[2][c]);
  return s;
}

void check_single_volume(const NiftiImage& image, const std::string& path, const char* what) {
  if (image.channels() != 1)
    throw error("{} '{}' has {} volumes: a label map has one (give the label map, not class probabilities)", what,
                path, image.channels());
}

void check_same_grid(const NiftiImage& seg, const NiftiImage& ref, const EvaluationPair& p) {
  if (seg.size_ijk() != ref.size_ijk())
    throw error("segmentation '{}' is {} voxels but reference '{}' is {}: they must share one grid (resample the "
                "segmentation onto the reference)",
                p.seg_path, shape_text(seg), p.ref_path, shape_text(ref));
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) {
      const double a = seg.affine[r][c], b = ref.affine[r][c];
      if (std::abs(a - b) > 1e-4 * std::max({1.0, std::abs(a), std::abs(b)}))
        throw error("segmentation '{}' and reference '{}' have different affines (row {}, column {}: {} vs {}): "
                    "they must share one grid (resample the segmentation onto the reference)",
                    p.seg_path, p.ref_path, r, c, a, b);
    }
}

void check_labels(const NiftiImage& image, const std::string& path, const char* what, int num_classes) {
  const auto bad = find_label_outside(image.data, num_classes);
  if (!bad) return;
  const std::int64_t nx = image.size_ijk()[0], ny = image.size_ijk()[1];
  const std::int64_t i = bad->index % nx, j = (bad->index / nx) % ny, k = bad->index / (nx * ny);
  throw error("{} '{}' holds label {} at voxel ({}, {}, {}), outside [0, {}) for --num-classes {}: check the file "
              "or raise --num-classes",
              what, path, bad->value, i, j, k, num_classes, num_classes);
}

std::vector<int> evaluated_labels(const EvaluationSettings& s) {
  std::vector<int> labels;
  for (int l = s.skip_background ? 1 : 0; l < s.num_classes; ++l) labels.push_back(l);
  return labels;
}

// ---- summary ----

struct Moments {
  double mean = 0.0;
  double sd = 0.0;
  std::size_t n = 0;  // values that were not NaN
};

Moments moments_of(const std::vector<double>& values) {
  Moments m;
  m.mean = mean_skipping_nan(values);
  double ss = 0.0;
  for (const double v : values)
    if (!std::isnan(v)) {
      ss += (v - m.mean) * (v - m.mean);
      ++m.n;
    }
  m.sd = m.n == 0 ? std::nan("") : std::sqrt(ss / static_cast<double>(m.n));
  return m;
}

std::string short_value(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::round(v) && std::abs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4f}", v);
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string segmentation_subject_id(std::string_view name, std::string_view postfix) {
  std::string_view stem = without_extension(name);
  constexpr std::string_view kPrefix = "window_seg_";
  if (stem.substr(0, kPrefix.size()) == kPrefix) stem.remove_prefix(kPrefix.size());
  if (!postfix.empty()) {
    const std::string tail = fmt::format("_{}", postfix);
    if (ends_with(stem, tail)) stem.remove_suffix(tail.size());
  }
  return std::string(strip_separators(stem));
}

std::string reference_subject_id(std::string_view name) {
  return std::string(strip_separators(without_extension(name)));
}

FileMatching match_evaluation_files(const std::vector<std::string>& seg_files,
                                    const std::vector<std::string>& ref_files, std::string_view seg_postfix) {
  std::vector<std::string> seg_ids, ref_ids;
  for (const std::string& f : seg_files) seg_ids.push_back(segmentation_subject_id(file_name(f), seg_postfix));
  for (const std::string& f : ref_files) ref_ids.push_back(reference_subject_id(file_name(f)));
  // Each segmentation's reference: the one whose id equals its id, else its only match.
  std::vector<std::optional<std::size_t>> best(seg_files.size());
  for (std::size_t s = 0; s < seg_files.size(); ++s) {
    std::vector<std::size_t> exact, partial;
    for (std::size_t r = 0; r < ref_files.size(); ++r) {
      if (seg_ids[s].empty() || ref_ids[r].empty()) continue;
      if (seg_ids[s] == ref_ids[r]) exact.push_back(r);
      else if (ids_match(seg_ids[s], ref_ids[r])) partial.push_back(r);
    }
    const std::vector<std::size_t>& chosen = exact.empty() ? partial : exact;
    if (chosen.size() > 1)
      throw error("segmentation '{}' (id '{}') matches {} references ({}, {}): keep one reference per subject, or "
                  "pick them with --ref-contains (e.g. --ref-contains Label)",
                  seg_files[s], seg_ids[s], chosen.size(), file_name(ref_files[chosen[0]]),
                  file_name(ref_files[chosen[1]]));
    if (!chosen.empty()) best[s] = chosen.front();
  }
  std::map<std::size_t, std::size_t> seg_of_ref;
  for (std::size_t s = 0; s < seg_files.size(); ++s) {
    if (!best[s]) continue;
    const auto [it, inserted] = seg_of_ref.emplace(*best[s], s);
    if (!inserted)
      throw error("reference '{}' is the match of two segmentations, '{}' and '{}': keep one segmentation per subject",
                  ref_files[*best[s]], seg_files[it->second], seg_files[s]);
  }
  FileMatching m;
  for (std::size_t s = 0; s < seg_files.size(); ++s) {
    if (!best[s]) {
      m.unmatched_seg.push_back(seg_files[s]);
      continue;
    }
    const std::size_t r = *best[s];
    const std::string& id = seg_ids[s].size() <= ref_ids[r].size() ? seg_ids[s] : ref_ids[r];
    m.pairs.push_back(EvaluationPair{.subject_id = id, .seg_path = seg_files[s], .ref_path = ref_files[r]});
  }
  for (std::size_t r = 0; r < ref_files.size(); ++r)
    if (!seg_of_ref.contains(r)) m.unmatched_ref.push_back(ref_files[r]);
  if (m.pairs.empty())
    throw error("no segmentation matches a reference by subject id: segmentations in '{}': {}; references in '{}': "
                "{}; name references <id>.nii.gz or <id>_Label.nii.gz (docs/EVALUATION.md)",
                where_files_are(seg_files), describe_files(seg_files, seg_ids), where_files_are(ref_files),
                describe_files(ref_files, ref_ids));
  std::sort(m.pairs.begin(), m.pairs.end(),
            [](const EvaluationPair& a, const EvaluationPair& b) { return a.subject_id < b.subject_id; });
  return m;
}

std::vector<std::string> evaluation_files(const std::string& file_or_dir, std::string_view flag,
                                          const std::vector<std::string>& contains) {
  std::error_code ec;
  const fs::path path(file_or_dir);
  if (!fs::exists(path, ec))
    throw error("evaluate: {} '{}' does not exist: give a .nii/.nii.gz file or a directory of them", flag, file_or_dir);
  if (!fs::is_directory(path, ec)) {
    if (!is_nifti_name(path.filename().string()))
      throw error("evaluate: {} '{}' is not a .nii or .nii.gz file: give a NIfTI file or a directory of them", flag,
                  file_or_dir);
    return {file_or_dir};
  }
  std::vector<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(path, ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name[0] == '.' || !is_nifti_name(name) || !e.is_regular_file(ec)) continue;
    const bool wanted = std::all_of(contains.begin(), contains.end(),
                                    [&](const std::string& k) { return name.find(k) != std::string::npos; });
    if (wanted) files.push_back(e.path().string());
  }
  if (ec) throw error("evaluate: cannot list {} '{}': {}", flag, file_or_dir, ec.message());
  if (files.empty())
    throw error("evaluate: {} directory '{}' holds no .nii or .nii.gz file{}", flag, file_or_dir,
                contains.empty() ? std::string()
                                 : fmt::format(" whose name contains {}", join(contains, " and ")));
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> parse_metric_names(const std::string& text) {
  return canonical_metric_names(comma_separated("evaluate", "--metrics", text), "evaluate");
}

std::vector<std::string> canonical_metric_names(const std::vector<std::string>& items, std::string_view where) {
  std::vector<std::string> names;
  for (const std::string& item : items) {
    const auto canonical = canonical_metric_name(item);
    if (!canonical) {
      std::vector<std::string> catalogue;
      for (const SegmentationMetricInfo& m : segmentation_metric_catalogue()) catalogue.emplace_back(m.name);
      throw error("{}: unknown metric '{}'{}: choose from {}", where, item, did_you_mean(item, accepted_metric_names()),
                  join(catalogue));
    }
    if (std::find(names.begin(), names.end(), *canonical) == names.end()) names.push_back(*canonical);
  }
  return names;
}

EvaluationResult evaluate_subjects(const std::vector<EvaluationPair>& pairs, const EvaluationSettings& settings,
                                   const std::function<void(const EvaluationPair&)>& on_subject) {
  VOX_ASSERT(settings.num_classes >= 1);
  EvaluationResult result{.metrics = settings.metrics, .labels = evaluated_labels(settings), .rows = {}};
  for (const EvaluationPair& p : pairs) {
    const NiftiImage seg = read_nifti(p.seg_path, NiftiRead::Label);
    const NiftiImage ref = read_nifti(p.ref_path, NiftiRead::Label);
    check_single_volume(seg, p.seg_path, "segmentation");
    check_single_volume(ref, p.ref_path, "reference");
    check_same_grid(seg, ref, p);
    check_labels(seg, p.seg_path, "segmentation", settings.num_classes);
    check_labels(ref, p.ref_path, "reference", settings.num_classes);
    const std::vector<ClassMetrics> per_label = label_map_metrics(
        seg.data, ref.data, settings.num_classes, result.labels, result.metrics, spacing_of(ref.affine));
    EvaluationRow mean{.subject_id = p.subject_id, .label = "mean", .values = {}};
    for (std::size_t m = 0; m < result.metrics.size(); ++m) {
      std::vector<double> column;
      for (const ClassMetrics& c : per_label) column.push_back(c.values[m]);
      mean.values.push_back(mean_skipping_nan(column));
    }
    for (const ClassMetrics& c : per_label)
      result.rows.push_back(EvaluationRow{.subject_id = p.subject_id, .label = std::to_string(c.label), .values = c.values});
    result.rows.push_back(std::move(mean));
    if (on_subject) on_subject(p);
  }
  return result;
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "nan";
  return fmt::format("{}", value);
}

void write_evaluation_csv(const std::string& path, const EvaluationResult& result) {
  std::vector<std::string> header{"subject_id", "label"};
  header.insert(header.end(), result.metrics.begin(), result.metrics.end());
  std::vector<std::vector<std::string>> rows;
  for (const EvaluationRow& r : result.rows) {
    std::vector<std::string> fields{r.subject_id, r.label};
    for (const double v : r.values) fields.push_back(format_metric_value(v));
    rows.push_back(std::move(fields));
  }
  write_csv(path, header, rows);
}

std::string evaluation_summary(const EvaluationResult& result) {
  std::vector<std::string> groups;
  for (const int l : result.labels) groups.push_back(std::to_string(l));
  groups.emplace_back("mean");
  std::size_t subjects = 0;
  for (const EvaluationRow& r : result.rows) subjects += r.label == "mean";
  // table[row][column]: the label, then one "mean (sd)" cell per metric.
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header{"label"};
  header.insert(header.end(), result.metrics.begin(), result.metrics.end());
  table.push_back(header);
  bool some_left_out = false;
  for (const std::string& g : groups) {
    std::vector<std::string> line{g};
    for (std::size_t m = 0; m < result.metrics.size(); ++m) {
      std::vector<double> values;
      for (const EvaluationRow& r : result.rows)
        if (r.label == g) values.push_back(r.values[m]);
      const Moments mo = moments_of(values);
      std::string cell = mo.n == 0 ? std::string("nan") : fmt::format("{} ({})", short_value(mo.mean), short_value(mo.sd));
      if (mo.n < values.size() && mo.n > 0) {
        cell += fmt::format(" n={}", mo.n);
        some_left_out = true;
      }
      line.push_back(cell);
    }
    table.push_back(line);
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& line : table)
    for (std::size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  std::string out = fmt::format("volume-level metrics, mean (standard deviation) over {} subject{}:\n", subjects,
                                subjects == 1 ? "" : "s");
  for (const auto& line : table) {
    std::string text = "  ";
    for (std::size_t c = 0; c < line.size(); ++c) text += pad(line[c], width[c] + (c + 1 < line.size() ? 2 : 0));
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  if (some_left_out)
    out += "  n=N: only N subjects have a value (NaN: e.g. a label absent from both maps; docs/EVALUATION.md)\n";
  return out;
}

}  // namespace voxtrain
