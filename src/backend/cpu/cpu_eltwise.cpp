// cpu_eltwise.cpp — activations, PReLU, element-wise add/multiply/scale on oneDNN primitives that
// run in the input's own layout (blocked or plain), cached per layout.
#include <fmt/format.h>

#include <span>
#include <vector>

#include "cpu_backend.hpp"
#include "dnnl_context.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain::cpu {
namespace {

using dnnl::algorithm;

constexpr float kSeluAlpha = 1.6732632423543772f;
constexpr float kSeluScale = 1.0507009873554805f;

struct Eltwise {
  algorithm alg;
  float alpha = 0;
  float beta = 0;
};

Eltwise eltwise_of(const ActivationSpec& spec) {
  switch (spec.kind) {
    case ActivationKind::Relu: return {algorithm::eltwise_relu, 0.0f, 0.0f};
    case ActivationKind::LeakyRelu: return {algorithm::eltwise_relu, spec.alpha, 0.0f};
    case ActivationKind::Elu: return {algorithm::eltwise_elu, spec.alpha, 0.0f};
    case ActivationKind::Relu6: return {algorithm::eltwise_clip_v2, 0.0f, 6.0f};
    case ActivationKind::Selu: return {algorithm::eltwise_elu, kSeluAlpha, 0.0f};  // then scaled
    case ActivationKind::Sigmoid: return {algorithm::eltwise_logistic, 0.0f, 0.0f};
    case ActivationKind::Tanh: return {algorithm::eltwise_tanh, 0.0f, 0.0f};
    case ActivationKind::Softplus: return {algorithm::eltwise_soft_relu, 0.0f, 0.0f};
  }
  throw InternalError("unknown activation");
}

std::string eltwise_key(const char* what, const Eltwise& e, const dnnl::memory::desc& md) {
  return fmt::format("eltwise|{}|{}|{}|{}|{}", what, static_cast<int>(e.alg), e.alpha, e.beta, key_of(md));
}

dnnl::eltwise_forward::primitive_desc eltwise_forward_pd(const Eltwise& e, const dnnl::memory::desc& md) {
  return {dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, e.alg, md, e.alpha, e.beta),
          context().engine()};
}

Tensor eltwise_forward(const Tensor& x, const Eltwise& e) {
  auto& ctx = context();
  const auto md = md_of(x);
  using Entry = Cached<dnnl::eltwise_forward::primitive_desc, dnnl::eltwise_forward>;
  auto& entry = ctx.cached<Entry>(eltwise_key("fwd", e, md), [&] {
    auto pd = eltwise_forward_pd(e, md);
    return Entry{pd, dnnl::eltwise_forward(pd)};
  });
  Tensor y = tensor_for(md, x.shape());
  execute(entry.primitive, {{DNNL_ARG_SRC, ctx.memory(x)}, {DNNL_ARG_DST, ctx.memory(y)}});
  return y;
}

Tensor eltwise_backward(const Tensor& x, const Tensor& dy_any, const Eltwise& e) {
  auto& ctx = context();
  const auto md = md_of(x);
  const Tensor dy = ctx.reorder_to(dy_any, md);
  using Entry = Cached<dnnl::eltwise_backward::primitive_desc, dnnl::eltwise_backward>;
  auto& entry = ctx.cached<Entry>(eltwise_key("bwd", e, md), [&] {
    dnnl::eltwise_backward::primitive_desc pd(dnnl::eltwise_backward::desc(e.alg, md, md, e.alpha, e.beta),
                                              ctx.engine(), eltwise_forward_pd(e, md));
    return Entry{pd, dnnl::eltwise_backward(pd)};
  });
  Tensor dx = tensor_for(md, x.shape());
  execute(entry.primitive,
          {{DNNL_ARG_SRC, ctx.memory(x)}, {DNNL_ARG_DIFF_DST, ctx.memory(dy)}, {DNNL_ARG_DIFF_SRC, ctx.memory(dx)}});
  return dx;
}

void check_same_shape(const char* what, const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape()))
    throw error("{}: the operands have different shapes {} and {}: both must be the same", what,
                a.shape().to_string(), b.shape().to_string());
}

// a (op) b in a's layout; b is either a's shape (reordered to a's layout when it differs) or a
// single element broadcast over a.
Tensor binary(algorithm alg, const Tensor& a, const Tensor& b_any) {
  auto& ctx = context();
  const auto md = md_of(a);
  const std::vector<std::int64_t> ones(static_cast<std::size_t>(a.rank()), 1);
  const bool broadcast = b_any.numel() == 1 && !(b_any.shape() == a.shape());
  const Tensor b = broadcast ? b_any.reshaped(Shape(std::span<const std::int64_t>(ones.data(), ones.size())))
                             : ctx.reorder_to(b_any, md);
  const auto b_md = md_of(b);
  using Entry = Cached<dnnl::binary::primitive_desc, dnnl::binary>;
  auto& entry = ctx.cached<Entry>(fmt::format("binary|{}|{}|{}", static_cast<int>(alg), key_of(md), key_of(b_md)), [&] {
    dnnl::binary::primitive_desc pd(dnnl::binary::desc(alg, md, b_md, md), ctx.engine());
    return Entry{pd, dnnl::binary(pd)};
  });
  Tensor y = tensor_for(md, a.shape());
  execute(entry.primitive,
          {{DNNL_ARG_SRC_0, ctx.memory(a)}, {DNNL_ARG_SRC_1, ctx.memory(b)}, {DNNL_ARG_DST, ctx.memory(y)}});
  return y;
}

// PReLU's slope [C] as the [1, C, 1, ...] weights (x's rank) oneDNN broadcasts.
dnnl::memory::desc slope_md(const Tensor& x) {
  std::vector<std::int64_t> d(static_cast<std::size_t>(x.rank()), 1);
  d[1] = x.shape()[1];
  return plain_md(Shape(std::span<const std::int64_t>(d.data(), d.size())));
}

void check_slope(const Tensor& x, const Tensor& slope) {
  if (x.rank() < 2 || !(slope.shape() == Shape{x.shape()[1]}))
    throw error("prelu: the slope has shape {} but the input {} has {} channels: one slope per channel",
                slope.shape().to_string(), x.shape().to_string(), x.rank() >= 2 ? x.shape()[1] : 0);
  if (!slope.is_plain()) throw InternalError("prelu: the slope must be a plain tensor");
}

dnnl::prelu_forward::primitive_desc prelu_forward_pd(const dnnl::memory::desc& md, const dnnl::memory::desc& wmd) {
  return {dnnl::prelu_forward::desc(dnnl::prop_kind::forward_training, md, wmd), context().engine()};
}

}  // namespace

Tensor CpuBackend::activation_forward(const Tensor& x, const ActivationSpec& spec) {
  Tensor y = eltwise_forward(x, eltwise_of(spec));
  if (spec.kind == ActivationKind::Selu) return scale(y, kSeluScale);
  return y;
}

Tensor CpuBackend::activation_backward(const Tensor& x, const Tensor& dy, const ActivationSpec& spec) {
  check_same_shape("activation backward", x, dy);
  if (spec.kind == ActivationKind::Selu) return eltwise_backward(x, scale(dy, kSeluScale), eltwise_of(spec));
  return eltwise_backward(x, dy, eltwise_of(spec));
}

Tensor CpuBackend::scale(const Tensor& x, float factor) {
  // The factor is data, not part of the primitive (as eltwise_linear's alpha would be): a factor
  // that changes every step (gradient clipping, loss scaling) must not create a primitive each time.
  Tensor f = Tensor::empty({1});
  f.data<float>()[0] = factor;
  return binary(algorithm::binary_mul, x, f);
}

Tensor CpuBackend::add(const Tensor& a, const Tensor& b) {
  check_same_shape("add", a, b);
  return binary(algorithm::binary_add, a, b);
}

Tensor CpuBackend::multiply(const Tensor& a, const Tensor& b) {
  check_same_shape("multiply", a, b);
  return binary(algorithm::binary_mul, a, b);
}

Tensor CpuBackend::prelu_forward(const Tensor& x, const Tensor& slope) {
  check_slope(x, slope);
  auto& ctx = context();
  const auto md = md_of(x);
  const auto wmd = slope_md(x);
  using Entry = Cached<dnnl::prelu_forward::primitive_desc, dnnl::prelu_forward>;
  auto& entry = ctx.cached<Entry>("prelu|fwd|" + key_of(md), [&] {
    auto pd = prelu_forward_pd(md, wmd);
    return Entry{pd, dnnl::prelu_forward(pd)};
  });
  Tensor y = tensor_for(md, x.shape());
  execute(entry.primitive, {{DNNL_ARG_SRC, ctx.memory(x)},
                            {DNNL_ARG_WEIGHTS, ctx.memory(slope, wmd)},
                            {DNNL_ARG_DST, ctx.memory(y)}});
  return y;
}

Tensor CpuBackend::prelu_backward(const Tensor& x, const Tensor& slope, const Tensor& dy_any, Tensor& dslope) {
  check_slope(x, slope);
  check_same_shape("prelu backward", x, dy_any);
  if (!(dslope.shape() == slope.shape()) || !dslope.is_plain())
    throw InternalError(fmt::format("prelu backward: dslope {} must be a plain tensor shaped like the slope {}",
                                    dslope.shape().to_string(), slope.shape().to_string()));
  auto& ctx = context();
  const auto md = md_of(x);
  const auto wmd = slope_md(x);
  const Tensor dy = ctx.reorder_to(dy_any, md);
  using Entry = Cached<dnnl::prelu_backward::primitive_desc, dnnl::prelu_backward>;
  auto& entry = ctx.cached<Entry>("prelu|bwd|" + key_of(md), [&] {
    dnnl::prelu_backward::primitive_desc pd(dnnl::prelu_backward::desc(md, wmd, md, wmd), ctx.engine(),
                                            prelu_forward_pd(md, wmd));
    return Entry{pd, dnnl::prelu_backward(pd)};
  });
  Tensor dx = tensor_for(md, x.shape());
  execute(entry.primitive, {{DNNL_ARG_SRC, ctx.memory(x)},
                            {DNNL_ARG_WEIGHTS, ctx.memory(slope, wmd)},
                            {DNNL_ARG_DIFF_DST, ctx.memory(dy)},
                            {DNNL_ARG_DIFF_SRC, ctx.memory(dx)},
                            {DNNL_ARG_DIFF_WEIGHTS, ctx.memory(dslope, wmd)}});
  return dx;
}

}  // namespace voxtrain::cpu
