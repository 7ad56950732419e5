// outputs_collector.cpp — NiftyNet's naming and averaging rules for collected values, and their
// reduction to rank 0 by replaying every rank's adds in rank order.
#include "voxtrain/engine/collectors/outputs_collector.hpp"

#include <cstdint>

#include "average_tensors.hpp"
#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {

namespace {

// FNV-1a, 64 bits: a fingerprint of what each rank added, so ranks can compare it cheaply.
struct Fingerprint {
  std::uint64_t hash = 14695981039346656037ull;
  void add(const void* data, std::size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; ++i) {
      hash ^= p[i];
      hash *= 1099511628211ull;
    }
  }
  template <class T> void add(const T& value) { add(&value, sizeof value); }
};

bool host_float32(const Tensor& t) { return t.dtype() == DType::Float32 && t.device().is_cpu() && t.is_plain(); }

}  // namespace

std::string_view collection_name(Collection collection) {
  switch (collection) {
    case Collection::Console: return "console";
    case Collection::Summary: return "summary";
    case Collection::NetworkOutput: return "network_output";
  }
  return "?";
}

std::string_view summary_type_name(SummaryType type) {
  switch (type) {
    case SummaryType::Scalar: return "scalar";
    case SummaryType::Histogram: return "histogram";
    case SummaryType::Image3d: return "image3d";
  }
  return "?";
}

OutputsCollector::OutputsCollector(int n_devices) : n_devices_(n_devices) {
  if (n_devices < 1) throw InternalError(fmt::format("outputs collector: {} devices; at least 1", n_devices));
}

std::size_t OutputsCollector::entry_index(Table& t, std::string_view name) {
  if (const auto it = t.index.find(name); it != t.index.end()) return it->second;
  Entry& e = t.entries.emplace_back();
  e.name = std::string(name);
  t.index.emplace(std::string(name), t.entries.size() - 1);
  return t.entries.size() - 1;
}

const OutputsCollector::Entry* OutputsCollector::live_entry(const Table& t, std::string_view name) const {
  const auto it = t.index.find(name);
  if (it == t.index.end() || t.entries[it->second].values.empty()) return nullptr;
  return &t.entries[it->second];
}

void OutputsCollector::add(std::string_view name, Tensor value, bool average_over_devices, Collection collection,
                           SummaryType summary_type) {
  const std::string_view where = collection_name(collection);
  if (name.empty())
    throw error("outputs collector: a {} value was added without a name: give every collected value a name", where);
  if (!value.defined())
    throw error("outputs collector: {} value '{}' has no tensor: add a defined tensor", where, name);
  if (finalised_)
    throw InternalError(fmt::format("outputs collector: '{}' added after finalise() or reduce(); call "
                                    "clear_values() before the next iteration's values", name));
  if ((collection != Collection::NetworkOutput || average_over_devices) && !host_float32(value))
    throw error("outputs collector: {} value '{}' is {} on {}: {} values must be plain float32 host tensors "
                "(copy it to the host first)", where, name, dtype_name(value.dtype()),
                value.device().is_cpu() ? "the host" : "a device",
                average_over_devices ? "averaged" : where);
  Table& t = table(collection);
  const std::size_t base = entry_index(t, name);

  if (average_over_devices) {
    Entry& e = t.entries[base];
    if (!e.values.empty()) {
      if (!e.average)
        throw error("outputs collector: averaged {} value '{}': the name is taken by a value that is not averaged "
                    "(NiftyNet: 'averaged variable name has been taken'); use another name", where, name);
      if (static_cast<int>(e.values.size()) >= n_devices_)
        throw error("outputs collector: averaged {} value '{}' added {} times with {} device(s): add it once per "
                    "device", where, name, e.values.size() + 1, n_devices_);
      if (!(e.values.front().shape() == value.shape()))
        throw error("outputs collector: averaged {} value '{}' has shape {} on one device and {} on another: "
                    "averaged values must have one shape", where, name, e.values.front().shape().to_string(),
                    value.shape().to_string());
    }
    e.average = true;
    e.summary_type = summary_type;
    e.values.push_back(std::move(value));
    adds_.push_back({collection, base, base, e.values.size() - 1});
    return;
  }

  std::size_t target = base;
  if (!t.entries[base].values.empty()) {  // NiftyNet's renaming: the first free name_k
    for (int k = 1;; ++k) {
      const std::string renamed = fmt::format("{}_{}", name, k);
      if (live_entry(t, renamed) == nullptr) {
        target = entry_index(t, renamed);
        break;
      }
    }
  }
  Entry& e = t.entries[target];
  e.average = false;
  e.summary_type = summary_type;
  e.values.push_back(std::move(value));
  adds_.push_back({collection, base, target, 0});
}

std::map<std::string, std::vector<Tensor>> OutputsCollector::variables(Collection collection) const {
  std::map<std::string, std::vector<Tensor>> out;
  for (const Entry& e : table(collection).entries) {
    if (e.values.empty()) continue;
    if (finalised_)
      out.emplace(e.name, std::vector<Tensor>{e.result});
    else
      out.emplace(e.name, e.values);
  }
  return out;
}

void OutputsCollector::finalise() {
  if (finalised_) return;
  for (Table& t : tables_)
    for (Entry& e : t.entries) {
      if (e.values.empty()) continue;
      e.result = e.values.size() == 1 ? e.values.front() : average_tensors(e.values);
    }
  finalised_ = true;
}

void OutputsCollector::require_finalised(std::string_view what) const {
  if (!finalised_)
    throw InternalError(fmt::format("outputs collector: {} before finalise() or reduce()", what));
}

std::map<std::string, Tensor> OutputsCollector::values(Collection collection) const {
  require_finalised("values()");
  std::map<std::string, Tensor> out;
  for (const Entry& e : table(collection).entries)
    if (!e.values.empty()) out.emplace(e.name, e.result);
  return out;
}

std::vector<CollectedVariable> OutputsCollector::collected(Collection collection) const {
  require_finalised("collected()");
  std::vector<CollectedVariable> out;
  for (const Entry& e : table(collection).entries)
    if (!e.values.empty()) out.push_back({e.name, e.result, e.average, e.summary_type});
  return out;
}

SummaryType OutputsCollector::summary_type(Collection collection, std::string_view name) const {
  const Entry* e = live_entry(table(collection), name);
  if (e == nullptr) {
    std::vector<std::string> names;
    for (const Entry& x : table(collection).entries)
      if (!x.values.empty()) names.push_back(x.name);
    throw error("outputs collector: no {} value named '{}' this iteration{}; the names are: {}",
                collection_name(collection), name, did_you_mean(name, names), names.empty() ? "(none)" : join(names));
  }
  return e->summary_type;
}

void OutputsCollector::clear_values() {
  for (Table& t : tables_)
    for (Entry& e : t.entries) {
      e.values.clear();
      e.result = Tensor();
    }
  adds_.clear();
  finalised_ = false;
  reduced_ = false;
}

std::vector<double> OutputsCollector::reduce_header() const {
  Fingerprint f;
  std::uint64_t count = 0;
  for (const AddRecord& a : adds_) {
    if (a.collection == Collection::NetworkOutput) continue;
    const Table& t = table(a.collection);
    const Entry& base = t.entries[a.base];
    const Tensor& v = t.entries[a.entry].values[a.slot];
    f.add(static_cast<int>(a.collection));
    f.add(base.name.data(), base.name.size() + 1);  // with its terminating NUL
    f.add(t.entries[a.entry].average);
    f.add(static_cast<int>(t.entries[a.entry].summary_type));
    f.add(v.rank());
    for (std::int64_t extent : v.shape().extents()) f.add(extent);
    count += static_cast<std::uint64_t>(v.numel());
  }
  // Each half is exact in a double.
  return {static_cast<double>(f.hash >> 32), static_cast<double>(f.hash & 0xffffffffu), static_cast<double>(count)};
}

void OutputsCollector::reduce(Communicator& comm) {
  if (reduced_) throw InternalError("outputs collector: reduce() twice without clear_values()");
  if (comm.size() == 1) {
    finalise();
    reduced_ = true;
    return;
  }
  // 1. Do the ranks hold the same names, flags and shapes? Rank 0 decides, every rank learns it.
  const std::vector<double> header = reduce_header();
  const auto headers = comm.gather_to_root(header);
  double differing_rank[1] = {-1.0};
  if (comm.rank() == 0)
    for (std::size_t r = 1; r < headers.size(); ++r)
      if (headers[r] != headers[0]) {
        differing_rank[0] = static_cast<double>(r);
        break;
      }
  comm.broadcast(differing_rank, 0);
  if (differing_rank[0] >= 0)
    throw error("outputs collector: rank {} added other console or summary values than rank 0 in this iteration "
                "(names, order, averaging or shapes differ): every rank must add the same values in the same order",
                static_cast<int>(differing_rank[0]));

  // 2. Every rank's values, in add order, to rank 0.
  std::vector<double> payload;
  payload.reserve(static_cast<std::size_t>(header[2]));
  for (const AddRecord& a : adds_) {
    if (a.collection == Collection::NetworkOutput) continue;
    const Tensor& v = table(a.collection).entries[a.entry].values[a.slot];
    const float* p = v.data<float>();
    payload.insert(payload.end(), p, p + v.numel());
  }
  const auto parts = comm.gather_to_root(payload);
  finalise();
  reduced_ = true;
  if (comm.rank() != 0) return;

  // 3. Rank 0 replays the adds of rank 0, 1, ... as towers of one process would have made them.
  OutputsCollector merged(n_devices_ * comm.size());
  for (std::size_t r = 0; r < parts.size(); ++r) {
    std::size_t offset = 0;
    for (const AddRecord& a : adds_) {
      if (a.collection == Collection::NetworkOutput) continue;
      const Table& t = table(a.collection);
      const Entry& e = t.entries[a.entry];
      Tensor value = e.values[a.slot];
      if (r != 0) {
        Tensor copy = Tensor::empty(value.shape());
        float* out = copy.data<float>();
        for (std::int64_t i = 0; i < copy.numel(); ++i) out[i] = static_cast<float>(parts[r][offset + static_cast<std::size_t>(i)]);
        value = std::move(copy);
      }
      offset += static_cast<std::size_t>(value.numel());
      merged.add(t.entries[a.base].name, std::move(value), e.average, a.collection, e.summary_type);
    }
  }
  merged.finalise();
  for (Collection c : {Collection::Console, Collection::Summary}) table(c) = std::move(merged.table(c));
  // The own adds now point at tables that were replaced: keep only the network outputs'.
  std::erase_if(adds_, [](const AddRecord& a) { return a.collection != Collection::NetworkOutput; });
}

}  // namespace voxtrain
