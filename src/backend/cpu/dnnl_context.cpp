// dnnl_context.cpp — oneDNN engine, layouts, reorders and the primitive cache.
#include "dnnl_context.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "voxtrain/core/error.hpp"

namespace voxtrain::cpu {

std::string DnnlFormat::name() const {
  const auto& d = md_.data;
  if (d.format_kind != dnnl_blocked) return "oneDNN non-blocked layout";
  std::string text = "oneDNN blocked";
  for (int i = 0; i < d.format_desc.blocking.inner_nblks; ++i)
    text += fmt::format(" {}{}", static_cast<char>('a' + d.format_desc.blocking.inner_idxs[i]),
                        d.format_desc.blocking.inner_blks[i]);
  return text;
}

dims to_dims(const Shape& s) {
  dims out;
  for (std::int64_t e : s.extents()) out.push_back(e);
  return out;
}

namespace {

tag plain_tag(int rank) {
  switch (rank) {
    case 1: return tag::a;
    case 2: return tag::ab;
    case 3: return tag::abc;
    case 4: return tag::abcd;
    case 5: return tag::abcde;
    default: break;
  }
  throw InternalError(fmt::format("oneDNN tensors have 1 to 5 dimensions, not {}", rank));
}

}  // namespace

dnnl::memory::desc plain_md(const Shape& s) { return {to_dims(s), dt::f32, plain_tag(s.rank())}; }

dnnl::memory::desc any_md(const Shape& s) { return {to_dims(s), dt::f32, tag::any}; }

dnnl::memory::desc md_of(const Tensor& t) {
  if (t.dtype() != DType::Float32)
    throw InternalError(fmt::format("the CPU backend computes in float32, not {} (shape {})",
                                    dtype_name(t.dtype()), t.shape().to_string()));
  if (t.is_plain()) return plain_md(t.shape());
  const auto* format = dynamic_cast<const DnnlFormat*>(t.format().get());
  if (format == nullptr)
    throw InternalError(fmt::format("a tensor in layout {} reached the CPU backend", t.format()->name()));
  return format->md();
}

std::string key_of(const dnnl::memory::desc& md) {
  const auto& d = md.data;
  std::string key = fmt::format("{}:{}:{}", d.ndims, static_cast<int>(d.data_type), static_cast<int>(d.format_kind));
  for (int i = 0; i < d.ndims; ++i) key += fmt::format(",{}/{}/{}", d.dims[i], d.padded_dims[i], d.padded_offsets[i]);
  key += fmt::format("@{}", d.offset0);
  if (d.format_kind == dnnl_blocked) {
    const auto& b = d.format_desc.blocking;
    for (int i = 0; i < d.ndims; ++i) key += fmt::format(";s{}", b.strides[i]);
    for (int i = 0; i < b.inner_nblks; ++i) key += fmt::format(";b{}x{}", b.inner_idxs[i], b.inner_blks[i]);
  }
  return key;
}

Tensor tensor_for(const dnnl::memory::desc& md, const Shape& shape) {
  auto storage = Storage::allocate_host(md.get_size());
  if (md == plain_md(shape)) return Tensor(std::move(storage), shape, DType::Float32);
  return Tensor(std::move(storage), shape, DType::Float32, std::make_shared<DnnlFormat>(md));
}

DnnlContext::DnnlContext() : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
  if (const char* value = std::getenv("VOXTRAIN_DETERMINISTIC_THREADS"); value && *value) {
    char* end = nullptr;
    const long n = std::strtol(value, &end, 10);
    if (*end != '\0' || n < 0 || n > 4096)
      throw error("environment variable VOXTRAIN_DETERMINISTIC_THREADS='{}': use a thread count such as 2 "
                  "(results then match bitwise on any machine), or 0 to use all threads",
                  value);
    deterministic_threads_ = static_cast<int>(n);
  }
}

void DnnlContext::reorder(const dnnl::memory& src, const dnnl::memory& dst) {
  const std::string key = "reorder|" + key_of(src.get_desc()) + "|" + key_of(dst.get_desc());
  auto& r = cached<dnnl::reorder>(key, [&] { return dnnl::reorder(src, dst); });
  execute(r, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
}

Tensor DnnlContext::reorder_to(const Tensor& t, const dnnl::memory::desc& md) {
  const dnnl::memory::desc from = md_of(t);
  if (from == md) return t;
  Tensor out = tensor_for(md, t.shape());
  reorder(memory(t), memory(out));
  return out;
}

DnnlContext& context() {
  static DnnlContext instance;
  return instance;
}

void execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args) {
  auto& s = context().stream();
  VOX_DNNL_TRY(primitive.execute(s, args));
  s.wait();
}

}  // namespace voxtrain::cpu
