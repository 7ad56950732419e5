// dnnl_context.hpp — the CPU backend's link to oneDNN: the engine and stream, the memory format
// a tensor carries when it is kept in a oneDNN layout, conversions between layouts, and the cache
// that creates each primitive once per shape.
#pragma once

#include <dnnl.hpp>
#include <omp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "voxtrain/core/checks/check_dnnl.hpp"
#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain::cpu {

// A tensor's layout when oneDNN chose it (blocked nCdhw16c, ...).
class DnnlFormat final : public MemoryFormat {
 public:
  explicit DnnlFormat(dnnl::memory::desc md) : md_(std::move(md)) {}
  std::string name() const override;
  std::size_t bytes() const override { return md_.get_size(); }
  const dnnl::memory::desc& md() const { return md_; }

 private:
  dnnl::memory::desc md_;
};

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dims to_dims(const Shape& s);
// The descriptor of a plain row-major float32 tensor of this shape.
dnnl::memory::desc plain_md(const Shape& s);
// Any descriptor of this shape whose layout the primitive picks.
dnnl::memory::desc any_md(const Shape& s);
// The descriptor of a tensor: plain, or its DnnlFormat's.
dnnl::memory::desc md_of(const Tensor& t);
// A text that identifies a descriptor exactly (dims, type, blocking), for cache keys.
std::string key_of(const dnnl::memory::desc& md);

// A new uninitialised float32 host tensor laid out as md (plain tensors get no format).
Tensor tensor_for(const dnnl::memory::desc& md, const Shape& shape);

class DnnlContext {
 public:
  DnnlContext();
  dnnl::engine& engine() { return engine_; }
  dnnl::stream& stream() { return stream_; }

  dnnl::memory memory(const Tensor& t) { return dnnl::memory(md_of(t), engine_, t.raw_data()); }
  dnnl::memory memory(const Tensor& t, const dnnl::memory::desc& md) { return dnnl::memory(md, engine_, t.raw_data()); }

  // t itself when it already has layout md, else a reordered copy.
  Tensor reorder_to(const Tensor& t, const dnnl::memory::desc& md);
  // Copies src (described by src_md at src's data pointer) into dst's memory (dst_md).
  void reorder(const dnnl::memory& src, const dnnl::memory& dst);

  // The cached object for key, made by make() the first time. T must be what make() returns.
  // oneDNN divides a primitive's work for the thread count it sees when the primitive is made,
  // so the thread count is part of the key.
  // In deterministic mode every primitive is made for the same fixed thread count instead.
  template <class T>
  T& cached(const std::string& key, const std::function<T()>& make) {
    const int threads = deterministic_threads_ > 0 ? deterministic_threads_ : omp_get_max_threads();
    const std::string full_key = key + "|threads=" + std::to_string(threads);
    const std::lock_guard lock(mutex_);
    auto it = cache_.find(full_key);
    if (it == cache_.end()) {
      const int saved = omp_get_max_threads();
      omp_set_num_threads(threads);
      try {
        it = cache_.emplace(full_key, std::make_shared<T>(make())).first;
      } catch (...) {
        omp_set_num_threads(saved);
        throw;
      }
      omp_set_num_threads(saved);
      ++created_;  // only once make() succeeded
    }
    return *static_cast<T*>(it->second.get());
  }
  // How many primitives were created so far: a training loop must stop creating them after its
  // first step.
  std::int64_t primitives_created() const { return created_; }

  // 0: primitives use the threads available (fastest; convolution backward-weights then sums its
  // partial results in an order that depends on the thread count). n > 0: every primitive works as
  // if n threads were available, so results are bitwise identical on any machine and thread count.
  void set_deterministic_threads(int n) { deterministic_threads_ = n; }
  int deterministic_threads() const { return deterministic_threads_; }

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<void>> cache_;
  std::int64_t created_ = 0;
  int deterministic_threads_ = 0;
};

DnnlContext& context();

// A primitive descriptor with its primitive, as cached.
template <class PrimitiveDesc, class Primitive>
struct Cached {
  PrimitiveDesc pd;
  Primitive primitive;
};

// Executes a primitive on the context's stream and waits for it.
void execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args);

}  // namespace voxtrain::cpu
