// patch_store.cpp — the HDF5 patch store: a writer that builds the file under a temporary name and
// renames it on commit, a reader that checks kind and version and crops patches by hyperslab.
#include "voxtrain/data/store/patch_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "voxtrain/core/build_info.hpp"
#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/io/hdf5/hdf5_file.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKind = "patch_store";

std::string shape_text(const Tensor& t) { return t.defined() ? t.shape().to_string() : std::string("(none)"); }

bool is_host_plain(const Tensor& t) { return t.defined() && t.is_plain() && t.device().is_cpu(); }

// Ids read back must be ids add_subject accepts, printable as they are (so every message that
// names one stays one line) and unique; anything else means the store is damaged.
void check_stored_ids(const std::string& path, const std::vector<std::string>& ids) {
  std::vector<std::string> sorted(ids);
  std::sort(sorted.begin(), sorted.end());
  const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
  for (const std::string& id : ids) {
    const bool usable = !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos &&
                        escape_for_display(id) == id;
    if (!usable)
      throw error("{}: /subject_ids holds '{}', which is not a subject id voxtrain writes; the store is damaged, "
                  "re-run `voxdata convert`",
                  path, escape_for_display(id));
  }
  if (twice != sorted.end())
    throw error("{}: /subject_ids lists '{}' twice; the store is damaged, re-run `voxdata convert`", path, *twice);
}

std::vector<double> flat(const Affine& a) {
  std::vector<double> v;
  for (const auto& row : a) v.insert(v.end(), row.begin(), row.end());
  return v;
}

}  // namespace

// ---- compression names --------------------------------------------------------------------------

int parse_compression(const std::string& text, const std::string& where) {
  if (text == "none") return 0;
  if (text == "gzip") return 4;
  if (text.size() == 6 && text.compare(0, 5, "gzip-") == 0 && text[5] >= '1' && text[5] <= '9') return text[5] - '0';
  throw error("{}: unknown compression '{}': use none, gzip (level 4) or gzip-1 .. gzip-9", where, text);
}

std::string compression_name(int gzip_level) {
  return gzip_level == 0 ? std::string("none") : fmt::format("gzip-{}", gzip_level);
}

// ---- writer -------------------------------------------------------------------------------------

struct PatchStoreWriter::Open {
  Hdf5File file;
  Hdf5Group root;
  Hdf5Group subjects;
};

PatchStoreWriter::PatchStoreWriter(std::string path, const PreprocessingFingerprint& fingerprint,
                                   PatchStoreOptions options)
    : path_(std::move(path)), options_(options) {
  static std::atomic<unsigned> counter{0};
  temporary_path_ = fmt::format("{}.tmp-{}-{}", path_, ::getpid(), counter.fetch_add(1));
  for (std::int64_t c : options_.chunk)
    if (c < 0) throw error("{}: chunk extents must be >= 1 (0 for all channels), not {}", path_, c);
  for (int a = 1; a < 4; ++a)
    if (options_.chunk[a] == 0) throw error("{}: spatial chunk extents must be >= 1", path_);
  if (options_.gzip_level < 0 || options_.gzip_level > 9)
    throw error("{}: gzip level {} is out of range: use 0 (none) to 9", path_, options_.gzip_level);

  Hdf5File file = Hdf5File::create(temporary_path_);
  Hdf5Group root = file.root();
  try {
    root.write_attribute("voxtrain_format_version", kPatchStoreFormatVersion);
    root.write_attribute("voxtrain_kind", std::string(kKind));
    root.write_attribute("voxtrain_version", fmt::format("voxtrain {}", build_info().version));
    const Hdf5Group settings = root.create_group("fingerprint");
    for (const auto& [key, value] : fingerprint.settings) settings.write_attribute(key, value);
    Hdf5Group subjects = root.create_group("subjects");
    open_ = std::make_unique<Open>(Open{std::move(file), std::move(root), std::move(subjects)});
  } catch (...) {
    std::error_code ignored;
    fs::remove(temporary_path_, ignored);
    throw;
  }
}

PatchStoreWriter::~PatchStoreWriter() {
  if (committed_) return;
  open_.reset();  // closes every handle, then the file
  std::error_code ignored;
  fs::remove(temporary_path_, ignored);
}

void PatchStoreWriter::add_subject(const Subject& s) {
  VOX_ASSERT_MSG(open_ != nullptr, "add_subject after commit");
  const std::string& id = s.id;
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos)
    throw error("{}: subject id '{}' cannot name an HDF5 group; use ids without '/' such as sub-001", path_, id);
  if (std::find(subject_ids_.begin(), subject_ids_.end(), id) != subject_ids_.end())
    throw error("{}: subject '{}' is added twice; every subject id must be unique", path_, id);
  if (!is_host_plain(s.image) || s.image.rank() != 4 || s.image.dtype() != DType::Float32 || s.image.shape()[0] < 1)
    throw error("{}: subject '{}': the image must be a float32 host tensor [C, D, H, W], not {} {}", path_, id,
                dtype_name(s.image.dtype()), shape_text(s.image));
  const Shape& shape = s.image.shape();
  if (channels_ != 0 && shape[0] != channels_)
    throw error("{}: subject '{}' has {} image channels but the subjects before it have {}; give every "
                "subject the same modalities",
                path_, id, shape[0], channels_);
  const Shape one_channel{1, shape[1], shape[2], shape[3]};
  const auto check_map = [&](const Tensor& t, const char* what, DType dtype) {
    if (!t.defined()) return;
    if (!is_host_plain(t) || t.dtype() != dtype || !(t.shape() == one_channel))
      throw error("{}: subject '{}': the {} must be a {} host tensor {} like the image, not {} {}", path_, id, what,
                  dtype_name(dtype), one_channel.to_string(), dtype_name(t.dtype()), shape_text(t));
  };
  check_map(s.label, "label", DType::Int32);
  check_map(s.weight, "weight map", DType::Float32);
  check_map(s.sampling_map, "sampling map", DType::Float32);

  Hdf5Layout layout;
  layout.chunk.assign(options_.chunk.begin(), options_.chunk.end());
  if (layout.chunk[0] == 0) layout.chunk[0] = shape[0];
  layout.gzip_level = options_.gzip_level;
  layout.checksum = options_.data_checksums;
  Hdf5Layout map_layout = layout;
  map_layout.chunk[0] = 1;

  const Hdf5Group group = open_->subjects.create_group(id);
  group.write_dataset("image", s.image, layout);
  if (s.label.defined()) group.write_dataset("label", s.label, map_layout);
  if (s.weight.defined()) group.write_dataset("weight", s.weight, map_layout);
  if (s.sampling_map.defined()) group.write_dataset("sampling_map", s.sampling_map, map_layout);
  const std::vector<double> affine = flat(s.affine);
  group.write_attribute("affine", affine, {4, 4});
  group.write_attribute("spacing", s.spacing, {3});
  group.write_attribute("source_files", std::span<const std::string>(s.source_files));
  subject_ids_.push_back(id);
  channels_ = shape[0];
}

void PatchStoreWriter::add_patches(const Tensor& images, const Tensor& labels, std::span<const PatchLocation> locations) {
  VOX_ASSERT_MSG(open_ != nullptr, "add_patches after commit");
  if (!is_host_plain(images) || images.rank() != 5 || images.dtype() != DType::Float32)
    throw error("{}: patches must be a float32 host tensor [N, C, d, h, w], not {} {}", path_,
                dtype_name(images.dtype()), shape_text(images));
  const Shape& s = images.shape();
  const std::int64_t n = s[0];
  if (static_cast<std::int64_t>(locations.size()) != n)
    throw error("{}: {} patches come with {} locations; give one location per patch", path_, n, locations.size());
  const Shape label_shape{n, 1, s[2], s[3], s[4]};
  if (labels.defined() && (!is_host_plain(labels) || labels.dtype() != DType::Int32 || !(labels.shape() == label_shape)))
    throw error("{}: patch labels must be an int32 host tensor {}, not {} {}", path_, label_shape.to_string(),
                dtype_name(labels.dtype()), shape_text(labels));
  for (const PatchLocation& at : locations) {
    const auto size = at.size();
    if (size[0] != s[4] || size[1] != s[3] || size[2] != s[2])
      throw error("{}: patch location {} does not have the patches' size {}x{}x{} (x, y, z)", path_, at.to_string(),
                  s[4], s[3], s[2]);
  }

  const Hdf5Group& root = open_->root;
  if (!root.has("patches")) {
    const Hdf5Group group = root.create_group("patches");
    Hdf5Layout layout;
    layout.chunk = {1, s[1], s[2], s[3], s[4]};  // one patch per chunk
    layout.gzip_level = options_.gzip_level;
    layout.checksum = options_.data_checksums;
    layout.extendible_first_axis = true;
    group.create_dataset("image", DType::Float32, {0, s[1], s[2], s[3], s[4]}, layout);
    if (labels.defined()) {
      layout.chunk[1] = 1;
      group.create_dataset("label", DType::Int32, {0, 1, s[2], s[3], s[4]}, layout);
    }
    Hdf5Layout rows;
    rows.chunk = {256, 7};
    rows.extendible_first_axis = true;
    group.create_dataset("location", DType::Int64, {0, 7}, rows);
  }
  const Hdf5Group group = root.open_group("patches");
  const Hdf5Dataset image = group.open_dataset("image");
  std::vector<std::int64_t> stored = image.shape();
  if (stored[1] != s[1] || stored[2] != s[2] || stored[3] != s[3] || stored[4] != s[4])
    throw error("{}: patches {} do not match the shape of the patches already added [N, {}, {}, {}, {}]", path_,
                s.to_string(), stored[1], stored[2], stored[3], stored[4]);
  if (group.has("label") != labels.defined())
    throw error("{}: {}; give labels with every batch of patches or with none", path_,
                labels.defined() ? "these patches have labels but the first ones had none"
                                 : "these patches have no labels but the first ones had");
  if (n == 0) return;

  const std::int64_t first = patch_count_;
  std::vector<std::int64_t> grown = stored;
  grown[0] = first + n;
  image.resize(grown);
  image.write_block(std::vector<std::int64_t>{first, 0, 0, 0, 0}, images);
  if (labels.defined()) {
    const Hdf5Dataset label = group.open_dataset("label");
    label.resize({first + n, 1, s[2], s[3], s[4]});
    label.write_block(std::vector<std::int64_t>{first, 0, 0, 0, 0}, labels);
  }
  Tensor rows = Tensor::empty({n, 7}, DType::Int64);
  std::int64_t* r = rows.data<std::int64_t>();
  for (std::int64_t p = 0; p < n; ++p) {
    const PatchLocation& at = locations[static_cast<std::size_t>(p)];
    const std::int64_t row[7] = {at.subject, at.start[0], at.start[1], at.start[2], at.end[0], at.end[1], at.end[2]};
    std::copy(row, row + 7, r + p * 7);
  }
  const Hdf5Dataset location = group.open_dataset("location");
  location.resize({first + n, 7});
  location.write_block(std::vector<std::int64_t>{first, 0}, rows);
  patch_count_ = first + n;
}

void PatchStoreWriter::commit() {
  VOX_ASSERT_MSG(open_ != nullptr && !committed_, "commit twice");
  open_->root.write_strings("subject_ids", subject_ids_);
  std::unique_ptr<Open> open = std::move(open_);
  Hdf5File file = std::move(open->file);
  open.reset();  // groups closed before the file
  file.close();
  std::error_code ec;
  fs::rename(temporary_path_, path_, ec);
  if (ec) {
    fs::remove(temporary_path_, ec);
    throw error("{}: cannot rename the finished store from {} ({}); check that the directory is writable",
                path_, temporary_path_, ec.message());
  }
  committed_ = true;
}

// ---- reader -------------------------------------------------------------------------------------

struct PatchStoreReader::Open {
  Hdf5File file;
  Hdf5Group root;
};

PatchStoreReader::PatchStoreReader(const std::string& path) : path_(path) {
  Hdf5File file = Hdf5File::open(path, Hdf5Access::ReadOnly);
  Hdf5Group root = file.root();
  const std::string not_store = fmt::format(
      "{}: is an HDF5 file but not a voxtrain patch store (no root attribute voxtrain_kind = "
      "\"patch_store\"); give a store written by `voxdata convert`",
      path);
  if (!root.has_attribute("voxtrain_kind") || !root.has_attribute("voxtrain_format_version")) throw Error(not_store);
  const std::string kind = root.read_string_attribute("voxtrain_kind");
  if (kind != kKind)
    throw error("{}: is a voxtrain '{}' file, not a patch store; give a store written by `voxdata convert`", path,
                escape_for_display(kind));
  format_version_ = root.read_int_attribute("voxtrain_format_version");
  if (format_version_ > kPatchStoreFormatVersion)
    throw error("{}: patch store format version {} is newer than this voxtrain supports (version {}); upgrade "
                "voxtrain to read it, or re-run `voxdata convert` with this one",
                path, format_version_, kPatchStoreFormatVersion);
  if (format_version_ < 1)
    throw error("{}: patch store format version {} is not valid (this voxtrain reads 1 to {}); the file is damaged",
                path, format_version_, kPatchStoreFormatVersion);
  if (root.has_attribute("voxtrain_version")) written_by_ = root.read_string_attribute("voxtrain_version");
  if (!root.has_dataset("subject_ids") || !root.has_group("subjects") || !root.has_group("fingerprint"))
    throw error("{}: the patch store is incomplete (no /subject_ids, /subjects or /fingerprint); re-run "
                "`voxdata convert`",
                path);

  const Hdf5Group settings = root.open_group("fingerprint");
  for (const std::string& key : settings.attribute_names())
    fingerprint_.settings[key] = settings.read_string_attribute(key);
  subject_ids_ = root.open_dataset("subject_ids").read_strings();
  check_stored_ids(path, subject_ids_);

  if (root.has_group("patches")) {
    const Hdf5Group patches = root.open_group("patches");
    const std::vector<std::int64_t> shape = patches.open_dataset("image").shape();
    if (shape.size() != 5)
      throw error("{}: /patches/image has {} dimensions, expected 5 [N, C, d, h, w]; the store is damaged", path,
                  shape.size());
    patch_shape_ = Shape(std::span<const std::int64_t>(shape));
    patch_count_ = shape[0];
    patches_have_labels_ = patches.has_dataset("label");
  }
  open_ = std::make_unique<Open>(Open{std::move(file), std::move(root)});
}

PatchStoreReader::~PatchStoreReader() = default;
PatchStoreReader::PatchStoreReader(PatchStoreReader&&) noexcept = default;
PatchStoreReader& PatchStoreReader::operator=(PatchStoreReader&&) noexcept = default;

std::int64_t PatchStoreReader::subject_index(const std::string& id) const {
  const auto it = std::find(subject_ids_.begin(), subject_ids_.end(), id);
  if (it == subject_ids_.end())
    throw error("{}: no subject '{}' in this patch store ({} subjects){}; convert it with `voxdata convert` or "
                "remove it from the data split",
                path_, id, subject_ids_.size(), did_you_mean(id, subject_ids_));
  return it - subject_ids_.begin();
}

std::string PatchStoreReader::subject_group(std::int64_t index) const {
  if (index < 0 || index >= subject_count())
    throw error("{}: subject index {} is out of range: the patch store holds {} subjects", path_, index,
                subject_count());
  const std::string group = fmt::format("subjects/{}", subject_ids_[static_cast<std::size_t>(index)]);
  if (!open_->root.has_group(group))
    throw error("{}: subject '{}' is listed in /subject_ids but /{} is missing; the store is damaged, re-run "
                "`voxdata convert`",
                path_, subject_ids_[static_cast<std::size_t>(index)], group);
  return group;
}

StoredSubjectInfo PatchStoreReader::subject_info(std::int64_t index) const {
  const Hdf5Group group = open_->root.open_group(subject_group(index));
  StoredSubjectInfo info;
  info.id = subject_ids_[static_cast<std::size_t>(index)];
  const Hdf5Dataset image = group.open_dataset("image");
  const std::vector<std::int64_t> shape = image.shape();
  const Hdf5Layout layout = image.layout();
  info.image_chunk = layout.chunk;
  info.gzip_level = layout.gzip_level;
  info.checksum = layout.checksum;
  if (shape.size() != 4)
    throw error("{}: {}/image has {} dimensions, expected 4 [C, D, H, W]; the store is damaged", path_, group.name(),
                shape.size());
  info.image_shape = Shape(std::span<const std::int64_t>(shape));
  info.has_label = group.has_dataset("label");
  info.has_weight = group.has_dataset("weight");
  info.has_sampling_map = group.has_dataset("sampling_map");
  const std::vector<double> spacing = group.read_doubles_attribute("spacing");
  if (spacing.size() != 3) throw error("{}: attribute 'spacing' of {} does not hold 3 values", path_, group.name());
  std::copy(spacing.begin(), spacing.end(), info.spacing.begin());
  return info;
}

Subject PatchStoreReader::read_subject(std::int64_t index) const {
  const Hdf5Group group = open_->root.open_group(subject_group(index));
  Subject s;
  s.id = subject_ids_[static_cast<std::size_t>(index)];
  const auto read = [&](const char* name, DType dtype) {
    const Hdf5Dataset dataset = group.open_dataset(name);
    if (dataset.dtype() != dtype || dataset.shape().size() != 4)
      throw error("{}: {} is {} with {} dimensions, expected {} [C, D, H, W]; the store is damaged", path_,
                  dataset.name(), dtype_name(dataset.dtype()), dataset.shape().size(), dtype_name(dtype));
    return dataset.read();
  };
  s.image = read("image", DType::Float32);
  if (group.has_dataset("label")) s.label = read("label", DType::Int32);
  if (group.has_dataset("weight")) s.weight = read("weight", DType::Float32);
  if (group.has_dataset("sampling_map")) s.sampling_map = read("sampling_map", DType::Float32);
  const std::vector<double> affine = group.read_doubles_attribute("affine");
  const std::vector<double> spacing = group.read_doubles_attribute("spacing");
  if (affine.size() != 16 || spacing.size() != 3)
    throw error("{}: {} has an affine of {} values and a spacing of {} (expected 16 and 3); the store is damaged",
                path_, group.name(), affine.size(), spacing.size());
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) s.affine[r][c] = affine[static_cast<std::size_t>(r * 4 + c)];
  std::copy(spacing.begin(), spacing.end(), s.spacing.begin());
  s.source_files = group.read_strings_attribute("source_files");
  return s;
}

Tensor PatchStoreReader::read_patch(std::int64_t index, const PatchLocation& at, const char* name) const {
  const std::string group = subject_group(index);
  const std::string path = fmt::format("{}/{}", group, name);
  if (!open_->root.has_dataset(path))
    throw error("{}: subject '{}' has no {} in this patch store; convert the data set with labels or sample "
                "without them",
                path_, subject_ids_[static_cast<std::size_t>(index)], name);
  const Hdf5Dataset dataset = open_->root.open_dataset(path);
  const std::vector<std::int64_t> shape = dataset.shape();
  if (shape.size() != 4)
    throw error("{}: {} has {} dimensions, expected 4 [C, D, H, W]; the store is damaged, re-run `voxdata convert`",
                path_, dataset.name(), shape.size());
  const auto size = at.size();
  VOX_ASSERT(size[0] >= 0 && size[1] >= 0 && size[2] >= 0);
  // Volume extents and the overlap, in (i, j, k) order.
  const std::array<std::int64_t, 3> extent{shape[3], shape[2], shape[1]};
  std::array<std::int64_t, 3> lo{}, hi{};
  bool inside = true;
  for (int a = 0; a < 3; ++a) {
    lo[a] = std::clamp(at.start[a], std::int64_t{0}, extent[a]);
    hi[a] = std::clamp(at.end[a], lo[a], extent[a]);
    inside = inside && lo[a] == at.start[a] && hi[a] == at.end[a];
  }
  const Shape patch_shape{shape[0], size[2], size[1], size[0]};
  Tensor patch = inside ? Tensor::empty(patch_shape, dataset.dtype()) : Tensor::zeros(patch_shape, dataset.dtype());
  const std::vector<std::int64_t> start{0, lo[2], lo[1], lo[0]};
  const std::vector<std::int64_t> count{shape[0], hi[2] - lo[2], hi[1] - lo[1], hi[0] - lo[0]};
  const std::vector<std::int64_t> out_start{0, lo[2] - at.start[2], lo[1] - at.start[1], lo[0] - at.start[0]};
  dataset.read_block(start, count, patch, out_start);
  return patch;
}

Tensor PatchStoreReader::read_image_patch(std::int64_t index, const PatchLocation& at) const {
  return read_patch(index, at, "image");
}

Tensor PatchStoreReader::read_label_patch(std::int64_t index, const PatchLocation& at) const {
  return read_patch(index, at, "label");
}

Tensor PatchStoreReader::read_weight_patch(std::int64_t index, const PatchLocation& at) const {
  return read_patch(index, at, "weight");
}

StoredPatches PatchStoreReader::read_patches(std::int64_t first, std::int64_t count) const {
  if (first < 0 || count < 0 || first + count > patch_count_)
    throw error("{}: patches {} to {} are out of range: the patch store holds {} patches", path_, first,
                first + count - 1, patch_count_);
  StoredPatches out;
  const Hdf5Group group = open_->root.open_group("patches");
  const Shape& s = patch_shape_;
  out.images = Tensor::empty({count, s[1], s[2], s[3], s[4]}, DType::Float32);
  const std::vector<std::int64_t> zero5{0, 0, 0, 0, 0};
  group.open_dataset("image").read_block(std::vector<std::int64_t>{first, 0, 0, 0, 0},
                                         std::vector<std::int64_t>{count, s[1], s[2], s[3], s[4]}, out.images, zero5);
  if (patches_have_labels_) {
    out.labels = Tensor::empty({count, 1, s[2], s[3], s[4]}, DType::Int32);
    group.open_dataset("label").read_block(std::vector<std::int64_t>{first, 0, 0, 0, 0},
                                           std::vector<std::int64_t>{count, 1, s[2], s[3], s[4]}, out.labels, zero5);
  }
  Tensor rows = Tensor::empty({count, 7}, DType::Int64);
  group.open_dataset("location").read_block(std::vector<std::int64_t>{first, 0}, std::vector<std::int64_t>{count, 7},
                                            rows, std::vector<std::int64_t>{0, 0});
  const std::int64_t* r = rows.data<std::int64_t>();
  for (std::int64_t p = 0; p < count; ++p, r += 7)
    out.locations.push_back(PatchLocation{.subject = r[0], .start = {r[1], r[2], r[3]}, .end = {r[4], r[5], r[6]}});
  return out;
}

// ---- fingerprint --------------------------------------------------------------------------------

void check_fingerprint(const PatchStoreReader& store, const PreprocessingFingerprint& expected) {
  const auto& have = store.fingerprint().settings;
  const auto& want = expected.settings;
  std::vector<std::string> differences;
  std::vector<std::string> keys;
  for (const auto& [key, value] : have) keys.push_back(key);
  for (const auto& [key, value] : want)
    if (!have.contains(key)) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    const auto h = have.find(key);
    const auto w = want.find(key);
    const std::string store_value =
        h == have.end() ? std::string("(not set)") : fmt::format("'{}'", escape_for_display(h->second));
    const std::string config_value =
        w == want.end() ? std::string("(not set)") : fmt::format("'{}'", escape_for_display(w->second));
    if (h == have.end() || w == want.end() || h->second != w->second)
      differences.push_back(fmt::format("{}: store {}, config {}", escape_for_display(key), store_value, config_value));
  }
  if (differences.empty()) return;
  throw error("{}: the patch store was made with other preprocessing settings than the config ({}); re-run "
              "`voxdata convert` with this config, or change the config to match the store",
              store.path(), join(differences, "; "));
}

}  // namespace voxtrain
