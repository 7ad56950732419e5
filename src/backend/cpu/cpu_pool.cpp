// cpu_pool.cpp — max and average pooling, nearest and trilinear resampling on oneDNN, in the
// input's layout, with the forward primitive kept for the backward pass.
#include <fmt/format.h>

#include "cpu_backend.hpp"
#include "dnnl_context.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain::cpu {
namespace {

using PoolFwd = Cached<dnnl::pooling_forward::primitive_desc, dnnl::pooling_forward>;
using PoolBwd = Cached<dnnl::pooling_backward::primitive_desc, dnnl::pooling_backward>;

// What pool_forward hands to pool_backward: the forward's descriptor and max pooling's argmax.
struct PoolState {
  dnnl::pooling_forward::primitive_desc pd;
  Tensor workspace;  // raw bytes as float32 elements; undefined for average pooling
};

dnnl::algorithm pool_algorithm(const PoolSpec& spec) {
  return spec.kind == PoolKind::Max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
}

Shape pool_output_shape(const Shape& x, const PoolSpec& spec) {
  if (x.rank() != 5) throw error("pooling: input {} must be [N, C, D, H, W]", x.to_string());
  std::array<std::int64_t, 5> out{x[0], x[1], 0, 0, 0};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::int64_t in = x[static_cast<int>(i) + 2];
    if (spec.kernel[i] < 1 || spec.stride[i] < 1 || spec.padding[i] < 0 || spec.padding[i] >= spec.kernel[i])
      throw error("pooling: kernel {}, stride {}, padding {} is not a pooling window: kernel and stride "
                  "must be positive and the padding smaller than the kernel",
                  fmt::join(spec.kernel, "x"), fmt::join(spec.stride, "x"), fmt::join(spec.padding, "x"));
    // Rounded down, not towards zero: a window wider than the padded input gives no output.
    const std::int64_t reach = in + 2 * spec.padding[i] - spec.kernel[i];
    out[i + 2] = reach < 0 ? 0 : reach / spec.stride[i] + 1;
    if (out[i + 2] < 1)
      throw error("pooling: input {} is smaller than the pooling window {}: use a larger input",
                  x.to_string(), fmt::join(spec.kernel, "x"));
  }
  return Shape(std::span<const std::int64_t>(out.data(), out.size()));
}

dims pad_right(const Shape& x, const Shape& y, const PoolSpec& spec) {
  dims r;
  for (std::size_t i = 0; i < 3; ++i)
    r.push_back((y[static_cast<int>(i) + 2] - 1) * spec.stride[i] + spec.kernel[i] - x[static_cast<int>(i) + 2] -
                spec.padding[i]);
  return r;
}

dims as_dims(const Triple& t) { return {t[0], t[1], t[2]}; }

std::string pool_key(const char* what, const dnnl::memory::desc& md, const PoolSpec& spec, bool training) {
  return fmt::format("pool|{}|{}|{}|k{}|s{}|p{}|{}", what, key_of(md), static_cast<int>(spec.kind),
                     fmt::join(spec.kernel, ","), fmt::join(spec.stride, ","), fmt::join(spec.padding, ","), training);
}

Tensor workspace_tensor(const dnnl::memory::desc& md) {
  const auto elements = static_cast<std::int64_t>((md.get_size() + sizeof(float) - 1) / sizeof(float));
  return Tensor::empty({std::max<std::int64_t>(elements, 1)});
}

}  // namespace

Backend::PoolForward CpuBackend::pool_forward(const Tensor& x, const PoolSpec& spec, bool training) {
  auto& ctx = context();
  const auto md = md_of(x);
  const Shape y_shape = pool_output_shape(x.shape(), spec);
  auto& entry = ctx.cached<PoolFwd>(pool_key("fwd", md, spec, training), [&] {
    dnnl::pooling_forward::primitive_desc pd(
        dnnl::pooling_forward::desc(training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
                                    pool_algorithm(spec), md, any_md(y_shape), as_dims(spec.stride),
                                    as_dims(spec.kernel), as_dims(spec.padding), pad_right(x.shape(), y_shape, spec)),
        ctx.engine());
    return PoolFwd{pd, dnnl::pooling_forward(pd)};
  });
  auto state = std::make_shared<PoolState>(PoolState{entry.pd, {}});
  Tensor y = tensor_for(entry.pd.dst_desc(), y_shape);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, ctx.memory(x)}, {DNNL_ARG_DST, ctx.memory(y)}};
  const auto ws_md = entry.pd.workspace_desc();
  if (ws_md.get_size() > 0) {
    state->workspace = workspace_tensor(ws_md);
    args.emplace(DNNL_ARG_WORKSPACE, ctx.memory(state->workspace, ws_md));
  }
  execute(entry.primitive, args);
  return {y, state};
}

Tensor CpuBackend::pool_backward(const Tensor& dy_any, const Shape& x_shape, const PoolSpec& spec,
                                 const PoolForward& forward) {
  auto& ctx = context();
  const auto* state = static_cast<const PoolState*>(forward.workspace.get());
  if (state == nullptr) throw InternalError("pool_backward without the forward pass's state");
  if (spec.kind == PoolKind::Max && !state->workspace.defined())
    throw InternalError("pool_backward: max pooling needs the argmax that only pool_forward with training = true keeps");
  const auto dst_md = state->pd.dst_desc();
  auto& entry = ctx.cached<PoolBwd>(pool_key("bwd", state->pd.src_desc(), spec, true), [&] {
    dnnl::pooling_backward::primitive_desc pd(
        dnnl::pooling_backward::desc(pool_algorithm(spec), state->pd.src_desc(), dst_md, as_dims(spec.stride),
                                     as_dims(spec.kernel), as_dims(spec.padding),
                                     pad_right(x_shape, dy_any.shape(), spec)),
        ctx.engine(), state->pd);
    return PoolBwd{pd, dnnl::pooling_backward(pd)};
  });
  const Tensor dy = ctx.reorder_to(dy_any, entry.pd.diff_dst_desc());
  Tensor dx = tensor_for(entry.pd.diff_src_desc(), x_shape);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DIFF_DST, ctx.memory(dy)}, {DNNL_ARG_DIFF_SRC, ctx.memory(dx)}};
  if (state->workspace.defined())
    args.emplace(DNNL_ARG_WORKSPACE, ctx.memory(state->workspace, state->pd.workspace_desc()));
  execute(entry.primitive, args);
  return dx;
}

namespace {

using ResampleFwd = Cached<dnnl::resampling_forward::primitive_desc, dnnl::resampling_forward>;
using ResampleBwd = Cached<dnnl::resampling_backward::primitive_desc, dnnl::resampling_backward>;

dnnl::algorithm resample_algorithm(ResampleKind kind) {
  return kind == ResampleKind::Nearest ? dnnl::algorithm::resampling_nearest : dnnl::algorithm::resampling_linear;
}

void check_resample(const Shape& x, const Shape& y) {
  if (x.rank() != 5 || y.rank() != 5 || x[0] != y[0] || x[1] != y[1])
    throw error("resampling: cannot resample {} to {}: only the spatial extents may change", x.to_string(),
                y.to_string());
}

dnnl::resampling_forward::primitive_desc resample_forward_pd(const dnnl::memory::desc& src, const Shape& y,
                                                             ResampleKind kind) {
  return {dnnl::resampling_forward::desc(dnnl::prop_kind::forward_training, resample_algorithm(kind), src,
                                         any_md(y)),
          context().engine()};
}

}  // namespace

Tensor CpuBackend::resample_forward(const Tensor& x, const Shape& y_shape, ResampleKind kind) {
  check_resample(x.shape(), y_shape);
  auto& ctx = context();
  const auto md = md_of(x);
  auto& entry = ctx.cached<ResampleFwd>(
      fmt::format("resample|fwd|{}|{}|{}", key_of(md), y_shape.to_string(), static_cast<int>(kind)), [&] {
        auto pd = resample_forward_pd(md, y_shape, kind);
        return ResampleFwd{pd, dnnl::resampling_forward(pd)};
      });
  Tensor y = tensor_for(entry.pd.dst_desc(), y_shape);
  execute(entry.primitive, {{DNNL_ARG_SRC, ctx.memory(x)}, {DNNL_ARG_DST, ctx.memory(y)}});
  return y;
}

Tensor CpuBackend::resample_backward(const Tensor& dy, const Shape& x_shape, ResampleKind kind) {
  check_resample(x_shape, dy.shape());
  auto& ctx = context();
  const auto dy_md = md_of(dy);
  auto& entry = ctx.cached<ResampleBwd>(
      fmt::format("resample|bwd|{}|{}|{}", key_of(dy_md), x_shape.to_string(), static_cast<int>(kind)), [&] {
        dnnl::resampling_backward::primitive_desc pd(
            dnnl::resampling_backward::desc(resample_algorithm(kind), any_md(x_shape), dy_md), ctx.engine(),
            resample_forward_pd(plain_md(x_shape), dy.shape(), kind));
        return ResampleBwd{pd, dnnl::resampling_backward(pd)};
      });
  const Tensor dys = ctx.reorder_to(dy, entry.pd.diff_dst_desc());
  Tensor dx = tensor_for(entry.pd.diff_src_desc(), x_shape);
  execute(entry.primitive, {{DNNL_ARG_DIFF_DST, ctx.memory(dys)}, {DNNL_ARG_DIFF_SRC, ctx.memory(dx)}});
  return dx;
}

}  // namespace voxtrain::cpu
