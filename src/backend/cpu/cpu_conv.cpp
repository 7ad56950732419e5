// cpu_conv.cpp — convolutions and transposed convolutions on oneDNN: the primitives pick blocked
// layouts (format any), are cached per shape, and inputs are reordered only when their layout differs.
#include <fmt/format.h>

#include "cpu_backend.hpp"
#include "dnnl_context.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain::cpu {
namespace {

struct Geometry {
  dims strides, dilates, pad_l, pad_r;
};

Geometry geometry(const Shape& x, const Shape& y, const ConvSpec& spec) {
  Geometry g;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::int64_t span = static_cast<std::int64_t>(spec.dilation[i]) * (spec.kernel[i] - 1) + 1;
    const std::int64_t in = x[static_cast<int>(i) + 2];
    const std::int64_t out = y[static_cast<int>(i) + 2];
    g.strides.push_back(spec.stride[i]);
    g.dilates.push_back(spec.dilation[i] - 1);  // oneDNN counts dilation from 0
    g.pad_l.push_back(spec.padding[i]);
    // The right padding that makes oneDNN's size formula give exactly out.
    g.pad_r.push_back(spec.transposed ? (in - 1) * spec.stride[i] + span - spec.padding[i] - out
                                      : (out - 1) * spec.stride[i] + span - in - spec.padding[i]);
  }
  return g;
}

std::string conv_key(const char* what, const Shape& x, const Shape& w, bool bias, const ConvSpec& spec) {
  return fmt::format("conv|{}|{}|{}|{}|k{}|s{}|p{}|d{}|t{}", what, x.to_string(), w.to_string(), bias,
                     fmt::join(spec.kernel, ","), fmt::join(spec.stride, ","), fmt::join(spec.padding, ","),
                     fmt::join(spec.dilation, ","), spec.transposed);
}

void check_conv_inputs(const Shape& x, const Shape& w, const Tensor* bias, const ConvSpec& spec) {
  const char* kind = spec.transposed ? "transposed convolution" : "convolution";
  if (x.rank() != 5 || w.rank() != 5)
    throw error("{}: input {} and weights {} must both be 5-D ([N, C, D, H, W] and [Cout, Cin, kD, kH, kW])",
                kind, x.to_string(), w.to_string());
  if (w[1] != x[1])
    throw error("{}: the input has {} channels but the weights {} expect {}: check the layer's input channels",
                kind, x[1], w.to_string(), w[1]);
  for (int i = 0; i < 3; ++i)
    if (w[i + 2] != spec.kernel[static_cast<std::size_t>(i)])
      throw InternalError(fmt::format("{}: weights {} do not match kernel {}", kind, w.to_string(),
                                      fmt::join(spec.kernel, "x")));
  if (bias && !(bias->shape() == Shape{w[0]}))
    throw InternalError(fmt::format("{}: bias {} does not match {} output channels", kind,
                                    bias->shape().to_string(), w[0]));
}

// The gradient passed back must have the forward output's shape.
void check_conv_gradient(const Shape& x, const Shape& w, const Shape& dy, const ConvSpec& spec) {
  const char* kind = spec.transposed ? "transposed convolution" : "convolution";
  const Shape y = conv_output_shape(x, w[0], spec, kind);
  if (!(dy == y))
    throw InternalError(fmt::format("{} backward: dy {} is not the output shape {} of input {} and weights {}", kind,
                                    dy.to_string(), y.to_string(), x.to_string(), w.to_string()));
}

dnnl::memory::desc bias_md(std::int64_t channels) { return {{channels}, dt::f32, tag::a}; }

// The three primitives of one convolution kind: F (forward), D (backward data), W (backward weights).
template <class F, class D, class W>
struct ConvPrimitives {
  static constexpr dnnl::algorithm algorithm = std::is_same_v<F, dnnl::convolution_forward>
                                                   ? dnnl::algorithm::convolution_direct
                                                   : dnnl::algorithm::deconvolution_direct;

  static typename F::primitive_desc forward_pd(const Shape& x, const Shape& w, const Shape& y, bool bias,
                                               const ConvSpec& spec) {
    const Geometry g = geometry(x, y, spec);
    auto& engine = context().engine();
    if (bias)
      return {typename F::desc(dnnl::prop_kind::forward_training, algorithm, any_md(x), any_md(w),
                               bias_md(w[0]), any_md(y), g.strides, g.dilates, g.pad_l, g.pad_r),
              engine};
    return {typename F::desc(dnnl::prop_kind::forward_training, algorithm, any_md(x), any_md(w), any_md(y),
                             g.strides, g.dilates, g.pad_l, g.pad_r),
            engine};
  }

  static Tensor forward(const Tensor& x, const Tensor& w, const Tensor* bias, const ConvSpec& spec) {
    const Shape y_shape = conv_output_shape(x.shape(), w.shape()[0], spec, "conv");
    auto& ctx = context();
    using Entry = Cached<typename F::primitive_desc, F>;
    auto& entry = ctx.cached<Entry>(conv_key("fwd", x.shape(), w.shape(), bias, spec), [&] {
      auto pd = forward_pd(x.shape(), w.shape(), y_shape, bias != nullptr, spec);
      return Entry{pd, F(pd)};
    });
    const Tensor xs = ctx.reorder_to(x, entry.pd.src_desc());
    const Tensor ws = ctx.reorder_to(w, entry.pd.weights_desc());
    Tensor y = tensor_for(entry.pd.dst_desc(), y_shape);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, ctx.memory(xs)},
                                               {DNNL_ARG_WEIGHTS, ctx.memory(ws)},
                                               {DNNL_ARG_DST, ctx.memory(y)}};
    if (bias) args.emplace(DNNL_ARG_BIAS, ctx.memory(*bias));
    execute(entry.primitive, args);
    return y;
  }

  static Tensor backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape, const ConvSpec& spec) {
    auto& ctx = context();
    using Entry = Cached<typename D::primitive_desc, D>;
    auto& entry = ctx.cached<Entry>(conv_key("bwd_data", x_shape, w.shape(), false, spec), [&] {
      const Geometry g = geometry(x_shape, dy.shape(), spec);
      auto hint = forward_pd(x_shape, w.shape(), dy.shape(), false, spec);
      typename D::primitive_desc pd(typename D::desc(algorithm, any_md(x_shape), any_md(w.shape()),
                                                     any_md(dy.shape()), g.strides, g.dilates, g.pad_l, g.pad_r),
                                    ctx.engine(), hint);
      return Entry{pd, D(pd)};
    });
    const Tensor dys = ctx.reorder_to(dy, entry.pd.diff_dst_desc());
    const Tensor ws = ctx.reorder_to(w, entry.pd.weights_desc());
    Tensor dx = tensor_for(entry.pd.diff_src_desc(), x_shape);
    execute(entry.primitive, {{DNNL_ARG_DIFF_DST, ctx.memory(dys)},
                              {DNNL_ARG_WEIGHTS, ctx.memory(ws)},
                              {DNNL_ARG_DIFF_SRC, ctx.memory(dx)}});
    return dx;
  }

  static void backward_weights(const Tensor& x, const Tensor& dy, const ConvSpec& spec, Tensor& dw, Tensor* dbias) {
    auto& ctx = context();
    using Entry = Cached<typename W::primitive_desc, W>;
    const Shape& w_shape = dw.shape();
    auto& entry = ctx.cached<Entry>(conv_key("bwd_weights", x.shape(), w_shape, dbias != nullptr, spec), [&] {
      const Geometry g = geometry(x.shape(), dy.shape(), spec);
      auto hint = forward_pd(x.shape(), w_shape, dy.shape(), dbias != nullptr, spec);
      auto pd = dbias ? typename W::primitive_desc(
                            typename W::desc(algorithm, any_md(x.shape()), any_md(w_shape), bias_md(w_shape[0]),
                                             any_md(dy.shape()), g.strides, g.dilates, g.pad_l, g.pad_r),
                            ctx.engine(), hint)
                      : typename W::primitive_desc(
                            typename W::desc(algorithm, any_md(x.shape()), any_md(w_shape), any_md(dy.shape()),
                                             g.strides, g.dilates, g.pad_l, g.pad_r),
                            ctx.engine(), hint);
      return Entry{pd, W(pd)};
    });
    const Tensor xs = ctx.reorder_to(x, entry.pd.src_desc());
    const Tensor dys = ctx.reorder_to(dy, entry.pd.diff_dst_desc());
    const bool plain_dw = entry.pd.diff_weights_desc() == plain_md(w_shape);
    Tensor dw_native = plain_dw ? dw : tensor_for(entry.pd.diff_weights_desc(), w_shape);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, ctx.memory(xs)},
                                               {DNNL_ARG_DIFF_DST, ctx.memory(dys)},
                                               {DNNL_ARG_DIFF_WEIGHTS, ctx.memory(dw_native)}};
    if (dbias) args.emplace(DNNL_ARG_DIFF_BIAS, ctx.memory(*dbias));
    execute(entry.primitive, args);
    if (!plain_dw) ctx.reorder(ctx.memory(dw_native), ctx.memory(dw));
  }
};

using Conv = ConvPrimitives<dnnl::convolution_forward, dnnl::convolution_backward_data,
                            dnnl::convolution_backward_weights>;
using Deconv = ConvPrimitives<dnnl::deconvolution_forward, dnnl::deconvolution_backward_data,
                              dnnl::deconvolution_backward_weights>;

}  // namespace

Tensor CpuBackend::conv_forward(const Tensor& x, const Tensor& w, const Tensor* bias, const ConvSpec& spec) {
  check_conv_inputs(x.shape(), w.shape(), bias, spec);
  return spec.transposed ? Deconv::forward(x, w, bias, spec) : Conv::forward(x, w, bias, spec);
}

Tensor CpuBackend::conv_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape, const ConvSpec& spec) {
  check_conv_inputs(x_shape, w.shape(), nullptr, spec);
  check_conv_gradient(x_shape, w.shape(), dy.shape(), spec);
  return spec.transposed ? Deconv::backward_data(dy, w, x_shape, spec) : Conv::backward_data(dy, w, x_shape, spec);
}

void CpuBackend::conv_backward_weights(const Tensor& x, const Tensor& dy, const ConvSpec& spec, Tensor& dw,
                                       Tensor* dbias) {
  check_conv_inputs(x.shape(), dw.shape(), dbias, spec);
  check_conv_gradient(x.shape(), dw.shape(), dy.shape(), spec);
  if (!dw.is_plain() || (dbias && !dbias->is_plain()))
    throw InternalError("conv_backward_weights: dw and dbias must be plain tensors");
  if (spec.transposed)
    Deconv::backward_weights(x, dy, spec, dw, dbias);
  else
    Conv::backward_weights(x, dy, spec, dw, dbias);
}

}  // namespace voxtrain::cpu
