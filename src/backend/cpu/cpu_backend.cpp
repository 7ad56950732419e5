// cpu_backend.cpp — layout conversion, softmax over channels, sums and dropout on the CPU, and the
// process's one CpuBackend.
#include "cpu_backend.hpp"

#include <fmt/format.h>

#include <vector>

#include "dnnl_context.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"

namespace voxtrain::cpu {

Tensor CpuBackend::to_plain(const Tensor& x) {
  if (x.is_plain()) return x;
  return context().reorder_to(x, plain_md(x.shape()));
}

Tensor CpuBackend::like_layout(const Tensor& x, const Tensor& reference) {
  if (!(x.shape() == reference.shape()))
    throw InternalError(fmt::format("like_layout: {} cannot take the layout of {}", x.shape().to_string(),
                                    reference.shape().to_string()));
  return context().reorder_to(x, md_of(reference));
}

namespace {

using SoftmaxFwd = Cached<dnnl::softmax_forward::primitive_desc, dnnl::softmax_forward>;
using SoftmaxBwd = Cached<dnnl::softmax_backward::primitive_desc, dnnl::softmax_backward>;
using LogSoftmaxFwd = Cached<dnnl::logsoftmax_forward::primitive_desc, dnnl::logsoftmax_forward>;
using LogSoftmaxBwd = Cached<dnnl::logsoftmax_backward::primitive_desc, dnnl::logsoftmax_backward>;

template <class F>
typename F::primitive_desc softmax_pd(const dnnl::memory::desc& md) {
  return {typename F::desc(dnnl::prop_kind::forward_training, md, 1), context().engine()};
}

template <class F, class Entry>
Tensor run_softmax(const Tensor& x, const char* what) {
  auto& ctx = context();
  const auto md = md_of(x);
  auto& entry = ctx.cached<Entry>(fmt::format("{}|fwd|{}", what, key_of(md)), [&] {
    auto pd = softmax_pd<F>(md);
    return Entry{pd, F(pd)};
  });
  Tensor y = tensor_for(md, x.shape());
  execute(entry.primitive, {{DNNL_ARG_SRC, ctx.memory(x)}, {DNNL_ARG_DST, ctx.memory(y)}});
  return y;
}

template <class F, class B, class Entry>
Tensor run_softmax_backward(const Tensor& y, const Tensor& dy_any, const char* what) {
  if (!(dy_any.shape() == y.shape()))
    throw InternalError(fmt::format("{} backward: dy {} does not match y {}", what, dy_any.shape().to_string(),
                                    y.shape().to_string()));
  auto& ctx = context();
  const auto md = md_of(y);
  const Tensor dy = ctx.reorder_to(dy_any, md);
  auto& entry = ctx.cached<Entry>(fmt::format("{}|bwd|{}", what, key_of(md)), [&] {
    typename B::primitive_desc pd(typename B::desc(md, md, 1), ctx.engine(), softmax_pd<F>(md));
    return Entry{pd, B(pd)};
  });
  Tensor dx = tensor_for(md, y.shape());
  execute(entry.primitive,
          {{DNNL_ARG_DST, ctx.memory(y)}, {DNNL_ARG_DIFF_DST, ctx.memory(dy)}, {DNNL_ARG_DIFF_SRC, ctx.memory(dx)}});
  return dx;
}

}  // namespace

Tensor CpuBackend::softmax_channels(const Tensor& x, bool log) {
  if (x.rank() < 2) throw error("softmax: input {} has no channel axis", x.shape().to_string());
  return log ? run_softmax<dnnl::logsoftmax_forward, LogSoftmaxFwd>(x, "logsoftmax")
             : run_softmax<dnnl::softmax_forward, SoftmaxFwd>(x, "softmax");
}

Tensor CpuBackend::softmax_channels_backward(const Tensor& y, const Tensor& dy, bool log) {
  return log ? run_softmax_backward<dnnl::logsoftmax_forward, dnnl::logsoftmax_backward, LogSoftmaxBwd>(y, dy, "logsoftmax")
             : run_softmax_backward<dnnl::softmax_forward, dnnl::softmax_backward, SoftmaxBwd>(y, dy, "softmax");
}

Tensor CpuBackend::dropout(const Tensor& x, float p, std::uint64_t seed) {
  if (!(p >= 0.0f && p < 1.0f))
    throw error("dropout: the drop probability is {}, but it must be in [0, 1)", p);
  // The mask is drawn by the element's NCDHW index, so that a tensor drops the same elements in
  // any layout: a blocked input is masked as a plain copy and put back into its layout.
  const Tensor in = to_plain(x);
  Tensor y = Tensor::empty(x.shape());
  const float* src = in.data<float>();
  float* out = y.data<float>();
  const std::int64_t n = x.numel();
  const float keep_scale = 1.0f / (1.0f - p);
  const std::uint64_t key = random_key({seed});
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i)
    out[i] = uniform01(key, static_cast<std::uint64_t>(i)) < p ? 0.0f : src[i] * keep_scale;
  return x.is_plain() ? y : like_layout(y, x);
}

}  // namespace voxtrain::cpu

namespace voxtrain {

Backend& cpu_backend() {
  static cpu::CpuBackend instance;
  return instance;
}

void set_cpu_deterministic_threads(int n) {
  if (n < 0) throw error("deterministic thread count {} must be 0 (off) or positive", n);
  cpu::context().set_deterministic_threads(n);
}

}  // namespace voxtrain
