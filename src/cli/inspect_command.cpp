// inspect_command.cpp — `voxtrain inspect`: reads a checkpoint (io/checkpoint/checkpoint) and prints
// its attributes, counters and per-tensor statistics, or with --config the config text it stores.
#include "cli/inspect_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "voxtrain/core/command_line.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/engine/iteration_message.hpp"
#include "voxtrain/io/checkpoint/checkpoint.hpp"

namespace voxtrain {
namespace {

const CommandFlags& inspect_flags() {
  static const CommandFlags command{"voxtrain", "inspect", {{"--config"}}, true};
  return command;
}

void line(std::string& out, const std::string& key, const std::string& value) {
  out += fmt::format("{:<13}{}\n", key + ":", value);
}

struct Stats {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0.0;
  std::int64_t finite = 0;
  std::int64_t non_finite = 0;
};

template <class T>
void accumulate(const Tensor& t, Stats& s) {
  const T* values = t.data<T>();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const auto v = static_cast<double>(values[i]);
    if (!std::isfinite(v)) {
      ++s.non_finite;
      continue;
    }
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    s.sum += v;
    ++s.finite;
  }
}

Stats stats_of(const Tensor& t) {
  Stats s;
  switch (t.dtype()) {
    case DType::Float32: accumulate<float>(t, s); break;
    case DType::Int32: accumulate<std::int32_t>(t, s); break;
    case DType::Int64: accumulate<std::int64_t>(t, s); break;
    case DType::UInt8: accumulate<std::uint8_t>(t, s); break;
  }
  return s;
}

std::string number(double v) { return fmt::format("{:.6g}", v); }

std::string element_text(const Tensor& t, std::int64_t i) {
  switch (t.dtype()) {
    case DType::Float32: return number(t.data<float>()[i]);
    case DType::Int32: return std::to_string(t.data<std::int32_t>()[i]);
    case DType::Int64: return std::to_string(t.data<std::int64_t>()[i]);
    case DType::UInt8: return std::to_string(t.data<std::uint8_t>()[i]);
  }
  return "?";
}

std::int64_t value_count(const NamedTensors& tensors) {
  std::int64_t n = 0;
  for (const auto& [name, t] : tensors) n += t.numel();
  return n;
}

std::string plural(std::int64_t n, const char* word, const char* words = nullptr) {
  if (n == 1) return fmt::format("1 {}", word);
  return words != nullptr ? fmt::format("{} {}", n, words) : fmt::format("{} {}s", n, word);
}

// A table: name, dtype (when not float32), shape, count, min, max, mean; a note for non-finite values.
void tensor_table(std::string& out, const NamedTensors& tensors) {
  std::size_t name_width = 4, shape_width = 5;
  for (const auto& [name, t] : tensors) {
    name_width = std::max(name_width, escape_for_display(name).size());
    shape_width = std::max(shape_width, t.shape().to_string().size() + (t.dtype() == DType::Float32 ? 0 : 8));
  }
  out += fmt::format("  {:<{}}  {:<{}}  {:>10}  {:>12}  {:>12}  {:>12}\n", "name", name_width, "shape", shape_width,
                     "count", "min", "max", "mean");
  for (const auto& [name, t] : tensors) {
    const Stats s = stats_of(t);
    std::string shape = t.shape().to_string();
    if (t.dtype() != DType::Float32) shape = fmt::format("{} {}", dtype_name(t.dtype()), shape);
    const bool any = s.finite > 0;
    out += fmt::format("  {:<{}}  {:<{}}  {:>10}  {:>12}  {:>12}  {:>12}", escape_for_display(name), name_width, shape,
                       shape_width, t.numel(), any ? number(s.min) : "-", any ? number(s.max) : "-",
                       any ? number(s.sum / static_cast<double>(s.finite)) : "-");
    if (s.non_finite > 0) out += fmt::format("  ({} non-finite)", s.non_finite);
    out += "\n";
  }
}

// Optimizer state: keys without '/' with their values, and per-parameter slots by how many
// parameters have them.
void optimizer_summary(std::string& out, const CheckpointData& data) {
  std::map<std::string, std::int64_t> slots;
  std::set<std::string> with_state;
  for (const auto& [key, t] : data.optimizer) {
    const std::size_t slash = key.rfind('/');
    if (slash == std::string::npos) {
      std::string value;
      if (t.numel() <= 8) {
        std::vector<std::string> items;
        for (std::int64_t i = 0; i < t.numel(); ++i) items.push_back(element_text(t, i));
        value = items.size() == 1 ? items[0] : fmt::format("[{}]", join(items));
      } else {
        value = fmt::format("{} {}", dtype_name(t.dtype()), t.shape().to_string());
      }
      out += fmt::format("  {} = {}\n", escape_for_display(key), value);
      continue;
    }
    ++slots[key.substr(slash + 1)];
    with_state.insert(key.substr(0, slash));
  }
  if (!slots.empty()) {
    std::vector<std::string> items;
    for (const auto& [slot, n] : slots) items.push_back(fmt::format("{} ({})", escape_for_display(slot), n));
    out += fmt::format("  slots per parameter: {}\n", join(items));
  }
  std::int64_t without = 0;
  for (const auto& [name, t] : data.params)
    if (with_state.count(name) == 0) ++without;
  if (!data.optimizer.empty() && without > 0)
    out += fmt::format("  {} without optimizer state (frozen, or never updated)\n", plural(without, "parameter"));
}

}  // namespace

std::string checkpoint_report(const std::string& path) {
  const CheckpointData data = read_checkpoint(path);
  std::string out;
  line(out, "file", path);
  line(out, "format", fmt::format("voxtrain checkpoint, format version {}, written by {}", kCheckpointFormatVersion,
                                  data.voxtrain_version.empty() ? std::string("an unknown version")
                                                                : escape_for_display(data.voxtrain_version)));
  line(out, "iteration", std::to_string(data.iteration));
  line(out, "network", data.network.empty() ? std::string("(not recorded)") : escape_for_display(data.network));
  line(out, "world size", std::to_string(data.world_size));
  std::vector<std::string> counters;
  for (const auto& [name, value] : data.counters) counters.push_back(fmt::format("{} = {}", escape_for_display(name), value));
  line(out, "counters", counters.empty() ? std::string("none") : join(counters));
  std::vector<std::string> metrics;
  for (const auto& [name, value] : data.metrics)
    metrics.push_back(fmt::format("{} = {}", escape_for_display(name), format_console_value(value)));
  if (!metrics.empty()) line(out, "metrics", join(metrics));
  const auto config_lines = std::count(data.config_text.begin(), data.config_text.end(), '\n') +
                            (data.config_text.empty() || data.config_text.back() == '\n' ? 0 : 1);
  line(out, "config", data.config_text.empty() ? std::string("(empty)")
                                               : fmt::format("{} (voxtrain inspect --config prints it)",
                                                             plural(config_lines, "line")));
  out += "\n";
  line(out, "parameters", fmt::format("{}, {}", plural(static_cast<std::int64_t>(data.params.size()), "tensor"),
                                      plural(value_count(data.params), "value")));
  if (!data.params.empty()) tensor_table(out, data.params);
  line(out, "buffers", fmt::format("{}, {}", plural(static_cast<std::int64_t>(data.buffers.size()), "tensor"),
                                   plural(value_count(data.buffers), "value")));
  if (!data.buffers.empty()) tensor_table(out, data.buffers);
  line(out, "optimizer", fmt::format("{}, {}", plural(static_cast<std::int64_t>(data.optimizer.size()), "entry", "entries"),
                                     plural(value_count(data.optimizer), "value")));
  optimizer_summary(out, data);
  const auto tensors = static_cast<std::int64_t>(data.params.size() + data.buffers.size() + data.optimizer.size());
  line(out, "total", fmt::format("{}, {}", plural(tensors, "tensor"),
                                 plural(value_count(data.params) + value_count(data.buffers) + value_count(data.optimizer),
                                        "value")));
  return out;
}

std::string inspect_checkpoint_usage() {
  return "Usage: voxtrain inspect CHECKPOINT [--config]\n"
         "\n"
         "Prints what a checkpoint (model_dir/models/model.ckpt-<iteration>.h5, docs/CHECKPOINT_FORMAT.md) holds:\n"
         "the iteration, network, world size and voxtrain version it was written with, its counters (random\n"
         "seed, data stream position), a table of parameters and buffers (name, shape, count, min, max, mean)\n"
         "and a summary of the optimizer state.\n"
         "\n"
         "Options:\n"
         "  --config     print only the config text stored in the checkpoint (the settings it was trained with)\n"
         "  -h, --help   show this help\n";
}

int run_inspect_checkpoint_command(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_flags(inspect_flags(), args);
  if (parsed.help) {
    std::fputs(inspect_checkpoint_usage().c_str(), stdout);
    return 0;
  }
  const bool config = !parsed.flags.empty();  // --config is the only flag
  if (parsed.positionals.size() != 1)
    throw error("inspect: {}; give one checkpoint file (voxtrain inspect model_dir/models/model.ckpt-100.h5)",
                parsed.positionals.empty() ? std::string("no checkpoint given")
                                           : fmt::format("{} files given", parsed.positionals.size()));
  const std::string& path = parsed.positionals[0];
  if (config) {
    const std::string text = read_checkpoint(path).config_text;
    std::fputs(text.c_str(), stdout);
    if (!text.empty() && text.back() != '\n') std::fputs("\n", stdout);
    return 0;
  }
  std::fputs(checkpoint_report(path).c_str(), stdout);
  return 0;
}

}  // namespace voxtrain
