// checkpoint.cpp — writes a checkpoint under a temporary name and renames it, reads one back with
// its kind, version and names checked, and finds, resolves and rotates model.ckpt-<iter>.h5 files.
#include "voxtrain/io/checkpoint/checkpoint.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

#include "voxtrain/core/build_info.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/io/checkpoint/checkpoint_names.hpp"
#include "voxtrain/io/hdf5/hdf5_file.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKind = "checkpoint";
constexpr const char* kFilePrefix = "model.ckpt-";
constexpr const char* kFileSuffix = ".h5";

struct Section {
  const char* group;  // "params"
  const char* what;   // "parameter", for messages
  CheckpointNameKind kind;
  bool float32_only;
};

constexpr Section kParams{"params", "parameter", CheckpointNameKind::Dotted, true};
constexpr Section kBuffers{"buffers", "buffer", CheckpointNameKind::Dotted, false};
constexpr Section kOptimizer{"optimizer", "optimizer state", CheckpointNameKind::OptimizerKey, false};

// Refuses, before anything is written, a tensor the file cannot hold as it is.
void check_tensor(const std::string& path, const Section& section, const std::string& name, const Tensor& t) {
  const auto refuse = [&](const std::string& why) {
    return error("{}: cannot write {} '{}': {}; pass plain host tensors (Backend::to_plain, copy to the host)",
                 path, section.what, escape_for_display(name), why);
  };
  if (!t.defined()) throw refuse("the tensor has no storage");
  if (!t.device().is_cpu()) throw refuse(fmt::format("it lives on {}", t.device().to_string()));
  if (!t.is_plain()) throw refuse("it is in a backend's memory layout");
  if (t.rank() < 1) throw refuse("it has rank 0 (a checkpoint holds tensors of rank 1 to 5)");
  if (section.float32_only && t.dtype() != DType::Float32)
    throw refuse(fmt::format("it is {} (parameters are float32)", dtype_name(t.dtype())));
}

void write_section(const std::string& path, const Hdf5Group& root, const Section& section, const NamedTensors& tensors) {
  std::vector<std::string> names;
  for (const auto& [name, tensor] : tensors) {
    check_tensor(path, section, name, tensor);
    names.push_back(name);
  }
  const std::map<std::string, std::string> paths = checkpoint_dataset_paths(names, section.kind);
  const Hdf5Group top = root.create_group(section.group);
  std::map<std::string, Hdf5Group> groups;  // by path relative to top; closed when this returns
  for (const auto& [name, tensor] : tensors) {
    const std::string& relative = paths.at(name);
    const Hdf5Group* parent = &top;
    std::size_t from = 0;
    for (std::size_t slash = relative.find('/'); slash != std::string::npos; slash = relative.find('/', from)) {
      const std::string prefix = relative.substr(0, slash);
      auto it = groups.find(prefix);
      if (it == groups.end()) it = groups.emplace(prefix, parent->create_group(relative.substr(from, slash - from))).first;
      parent = &it->second;
      from = slash + 1;
    }
    parent->write_dataset(relative.substr(from), tensor);
  }
}

void write_contents(const Hdf5Group& root, const std::string& path, const CheckpointData& data) {
  root.write_attribute("voxtrain_kind", std::string(kKind));
  root.write_attribute("voxtrain_format_version", kCheckpointFormatVersion);
  root.write_attribute("voxtrain_version", fmt::format("voxtrain {}", build_info().version));
  root.write_attribute("iteration", data.iteration);
  root.write_attribute("network", data.network);
  root.write_attribute("world_size", data.world_size);
  root.write_attribute("config", data.config_text);
  write_section(path, root, kParams, data.params);
  write_section(path, root, kBuffers, data.buffers);
  write_section(path, root, kOptimizer, data.optimizer);
  const Hdf5Group counters = root.create_group("counters");
  for (const auto& [name, value] : data.counters) counters.write_attribute(name, value);
  const Hdf5Group metrics = root.create_group("metrics");
  for (const auto& [name, value] : data.metrics) metrics.write_attribute(name, std::span<const double>(&value, 1), {});
}

void check_data(const std::string& path, const CheckpointData& data) {
  if (data.iteration < 0)
    throw error("{}: cannot write a checkpoint for iteration {}: iterations start at 0", path, data.iteration);
  if (data.world_size < 1) throw error("{}: cannot write a checkpoint with world size {}: it must be >= 1", path, data.world_size);
  for (const auto& [name, value] : data.counters)
    if (name.empty() || name.find('\0') != std::string::npos)
      throw error("{}: cannot write counter '{}' (= {}): counter names must be non-empty and hold no NUL byte", path,
                  escape_for_display(name), value);
  for (const auto& [name, value] : data.metrics)
    if (name.empty() || name.find('\0') != std::string::npos)
      throw error("{}: cannot write metric '{}' (= {}): metric names must be non-empty and hold no NUL byte", path,
                  escape_for_display(name), value);
}

// ---- reading ------------------------------------------------------------------------------------

void read_tree(const std::string& path, const Section& section, const Hdf5Group& group, const std::string& relative,
               std::size_t depth, NamedTensors& out) {
  for (const std::string& member : group.members()) {
    const std::string child = relative.empty() ? member : relative + "/" + member;
    const std::string where = fmt::format("{}: /{}/{}", path, section.group, escape_for_display(child));
    if (group.has_group(member)) {
      if (depth + 1 >= kMaxCheckpointNameDepth)
        throw error("{}: groups nested deeper than {}; the file was not written by voxtrain", where,
                    kMaxCheckpointNameDepth);
      read_tree(path, section, group.open_group(member), child, depth + 1, out);
      continue;
    }
    if (!group.has_dataset(member))
      throw error("{}: is neither a group nor a dataset; the file was not written by voxtrain", where);
    const std::string name = checkpoint_name_from_path(child, section.kind, where);
    const Hdf5Dataset dataset = group.open_dataset(member);
    Tensor value = dataset.read();
    if (section.float32_only && value.dtype() != DType::Float32)
      throw error("{}: holds {} values; parameters are float32: the file was not written by voxtrain", where,
                  dtype_name(value.dtype()));
    if (!out.emplace(name, std::move(value)).second)
      throw error("{}: a second dataset for the {} '{}'; the file was not written by voxtrain", where, section.what,
                  escape_for_display(name));
  }
}

NamedTensors read_section(const std::string& path, const Hdf5Group& root, const Section& section) {
  NamedTensors out;
  read_tree(path, section, root.open_group(section.group), "", 0, out);
  return out;
}

double read_metric(const std::string& path, const Hdf5Group& metrics, const std::string& name) {
  const std::vector<double> values = metrics.read_doubles_attribute(name);
  if (values.size() != 1)
    throw error("{}: /metrics attribute '{}' holds {} values, not one; the file was not written by voxtrain", path,
                escape_for_display(name), values.size());
  return values[0];
}

std::string iteration_list(const std::vector<std::int64_t>& iterations) {
  constexpr std::size_t kShown = 20;
  std::vector<std::string> items;
  for (std::size_t i = 0; i < iterations.size() && i < kShown; ++i) items.push_back(std::to_string(iterations[i]));
  std::string text = join(items);
  if (iterations.size() > kShown) text += fmt::format(", ... ({} in all, the latest {})", iterations.size(), iterations.back());
  return text;
}

}  // namespace

void write_checkpoint(const std::string& path, const CheckpointData& data) {
  check_data(path, data);
  static std::atomic<unsigned> counter{0};
  const std::string temporary = fmt::format("{}.tmp-{}-{}", path, static_cast<long>(::getpid()), counter.fetch_add(1));
  const auto remove_temporary = [&] {
    std::error_code ignored;
    fs::remove(temporary, ignored);
  };
  try {
    Hdf5File file = Hdf5File::create(temporary);
    write_contents(file.root(), path, data);  // every group handle is closed when this returns
    file.close();
  } catch (...) {
    remove_temporary();  // the file's handle was closed when the try block was left
    throw;
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) {
    remove_temporary();
    throw error("{}: cannot rename the finished checkpoint from {} ({}); check that {} is not a directory and the "
                "directory is writable",
                path, temporary, ec.message(), path);
  }
}

CheckpointData read_checkpoint(const std::string& path) {
  const Hdf5File file = Hdf5File::open(path, Hdf5Access::ReadOnly);
  const Hdf5Group root = file.root();
  if (!root.has_attribute("voxtrain_kind") || !root.has_attribute("voxtrain_format_version"))
    throw error("{}: is an HDF5 file but not a voxtrain checkpoint (no root attributes voxtrain_kind and "
                "voxtrain_format_version); give a model.ckpt-<iteration>.h5 file written by voxtrain",
                path);
  const std::string kind = root.read_string_attribute("voxtrain_kind");
  if (kind != kKind)
    throw error("{}: is a voxtrain {}, not a checkpoint; give a model.ckpt-<iteration>.h5 file from "
                "model_dir/models",
                path, escape_for_display(kind));
  CheckpointData data;
  if (root.has_attribute("voxtrain_version")) data.voxtrain_version = root.read_string_attribute("voxtrain_version");
  const std::int64_t version = root.read_int_attribute("voxtrain_format_version");
  if (version > kCheckpointFormatVersion)
    throw error("{}: checkpoint format version {} is newer than this voxtrain reads (version {}; the file was written "
                "by {}); upgrade voxtrain",
                path, version, kCheckpointFormatVersion,
                data.voxtrain_version.empty() ? "an unknown version" : escape_for_display(data.voxtrain_version));
  if (version < 1)
    throw error("{}: checkpoint format version {} is not valid (this voxtrain reads 1 to {}); the file is damaged", path,
                version, kCheckpointFormatVersion);
  data.iteration = root.read_int_attribute("iteration");
  data.network = root.read_string_attribute("network");
  data.world_size = root.read_int_attribute("world_size");
  data.config_text = root.read_string_attribute("config");
  data.params = read_section(path, root, kParams);
  data.buffers = read_section(path, root, kBuffers);
  data.optimizer = read_section(path, root, kOptimizer);
  const Hdf5Group counters = root.open_group("counters");
  for (const std::string& name : counters.attribute_names()) data.counters[name] = counters.read_int_attribute(name);
  if (root.has_group("metrics")) {  // files written before metrics were recorded have none
    const Hdf5Group metrics = root.open_group("metrics");
    for (const std::string& name : metrics.attribute_names()) data.metrics[name] = read_metric(path, metrics, name);
  }
  return data;
}

// ---- CheckpointDirectory -------------------------------------------------------------------------

CheckpointDirectory::CheckpointDirectory(std::string models_dir) : models_dir_(std::move(models_dir)) {}

std::string CheckpointDirectory::path_for(std::int64_t iteration) const {
  return (fs::path(models_dir_) / fmt::format("{}{}{}", kFilePrefix, iteration, kFileSuffix)).string();
}

std::vector<std::int64_t> CheckpointDirectory::iterations() const {
  std::vector<std::int64_t> found;
  std::error_code ec;
  if (!fs::is_directory(models_dir_, ec)) return found;
  fs::directory_iterator it(models_dir_, ec);
  if (ec) throw error("{}: cannot list the checkpoints ({}); check the directory's permissions", models_dir_, ec.message());
  const std::string_view prefix = kFilePrefix, suffix = kFileSuffix;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) throw error("{}: cannot list the checkpoints ({})", models_dir_, ec.message());
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string_view digits =
        std::string_view(name).substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    // Only the names path_for writes: decimal digits, no sign, no leading zero.
    if (digits.size() > 1 && digits[0] == '0') continue;
    std::int64_t iteration = 0;
    const auto [end, error_code] = std::from_chars(digits.data(), digits.data() + digits.size(), iteration);
    if (error_code != std::errc() || end != digits.data() + digits.size() || iteration < 0) continue;
    std::error_code file_ec;
    if (!fs::is_regular_file(it->path(), file_ec)) continue;
    found.push_back(iteration);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::optional<std::int64_t> CheckpointDirectory::latest() const {
  const std::vector<std::int64_t> all = iterations();
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::optional<std::string> CheckpointDirectory::resolve(std::int64_t iteration, std::string_view key) const {
  if (iteration == 0) return std::nullopt;
  if (iteration == -1) {
    const std::optional<std::int64_t> last = latest();
    if (!last)
      throw error("{} = -1 asks for the latest checkpoint, but there is no checkpoint in {} (no {}<iteration>{} "
                  "files): train first, or set {} = 0 to start from scratch",
                  key, models_dir_, kFilePrefix, kFileSuffix, key);
    return path_for(*last);
  }
  return resolve_required(iteration, key);
}

std::string CheckpointDirectory::resolve_required(std::int64_t iteration, std::string_view key) const {
  const std::vector<std::int64_t> present = iterations();
  if (iteration == -1) {
    if (present.empty())
      throw error("{} = -1 asks for the latest checkpoint, but there is no checkpoint in {} (no {}<iteration>{} "
                  "files): train first, or set model_dir to the directory that holds models/",
                  key, models_dir_, kFilePrefix, kFileSuffix);
    return path_for(present.back());
  }
  const std::string present_text =
      present.empty() ? std::string("there are none: train first") : "present: " + iteration_list(present);
  if (iteration < -1)
    throw error("{} = {} is not valid: use -1 for the latest checkpoint or the iteration of one in {} ({})", key,
                iteration, models_dir_, present_text);
  if (std::find(present.begin(), present.end(), iteration) == present.end())
    throw error("{} = {}: there is no checkpoint {} ({}); set {} to one of those or -1 for the latest", key, iteration,
                path_for(iteration), present_text, key);
  return path_for(iteration);
}

void CheckpointDirectory::save(const CheckpointData& data, std::int64_t max_checkpoints) const {
  std::error_code ec;
  fs::create_directories(models_dir_, ec);
  if (ec) throw error("{}: cannot create the checkpoint directory ({}); check model_dir", models_dir_, ec.message());
  write_checkpoint(path_for(data.iteration), data);
  if (max_checkpoints <= 0) return;
  std::vector<std::int64_t> others = iterations();
  std::erase(others, data.iteration);
  const auto keep_others = static_cast<std::size_t>(max_checkpoints - 1);
  for (std::size_t i = 0; i + keep_others < others.size(); ++i) {
    const std::string old = path_for(others[i]);
    if (!fs::remove(old, ec) && ec)
      log_warning("{}: could not delete this old checkpoint ({}) to keep max_checkpoints = {}", old, ec.message(),
                  max_checkpoints);
  }
}

}  // namespace voxtrain
