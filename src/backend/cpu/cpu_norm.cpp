// cpu_norm.cpp — batch norm (oneDNN), instance norm (oneDNN's batch norm run on each sample in its
// layout, or the group-norm loops when samples interleave) and group norm (OpenMP loops, double sums).
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "cpu_backend.hpp"
#include "dnnl_context.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain::cpu {
namespace {

using flags = dnnl::normalization_flags;
using BnForward = Cached<dnnl::batch_normalization_forward::primitive_desc, dnnl::batch_normalization_forward>;
using BnBackward = Cached<dnnl::batch_normalization_backward::primitive_desc, dnnl::batch_normalization_backward>;

void check_norm_inputs(const Tensor& x, const Tensor* gamma, const Tensor* beta, const NormSpec& spec) {
  if (x.rank() < 3)
    throw error("normalisation: input {} must be [N, C, spatial...]", x.shape().to_string());
  const std::int64_t channels = x.shape()[1];
  for (const Tensor* p : {gamma, beta})
    if (p && !(p->shape() == Shape{channels}))
      throw error("normalisation: scale/shift of shape {} do not match the input's {} channels",
                  p->shape().to_string(), channels);
  if (spec.kind == NormKind::Group && (spec.groups < 1 || channels % spec.groups != 0))
    throw error("group norm: {} channels cannot be split into {} groups: use a number of groups that "
                "divides the channel count",
                channels, spec.groups);
}

dnnl::memory::desc channel_md(std::int64_t channels) { return {{channels}, dt::f32, tag::a}; }

flags affine_flags(bool affine) { return affine ? flags::use_scale | flags::use_shift : flags::none; }
flags relu_flag(const NormSpec& spec) { return spec.fuse_relu ? flags::fuse_norm_relu : flags::none; }

// Raw bytes for oneDNN's ReLU workspace of `runs` runs of the primitive.
Tensor workspace_for(const dnnl::memory::desc& md, std::int64_t runs) {
  const auto bytes = static_cast<std::int64_t>(md.get_size()) * runs;
  return Tensor::empty({std::max<std::int64_t>((bytes + 3) / 4, 1)});
}
void* byte_at(const Tensor& t, std::int64_t offset) { return static_cast<std::uint8_t*>(t.raw_data()) + offset; }

dnnl::batch_normalization_forward::primitive_desc bn_forward_pd(const dnnl::memory::desc& md, float eps, flags f,
                                                                bool training) {
  return {dnnl::batch_normalization_forward::desc(
              training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference, md, eps, f),
          context().engine()};
}

BnForward& bn_forward(const dnnl::memory::desc& md, float eps, flags f, bool training) {
  const auto key = fmt::format("bn|fwd|{}|{}|{}|{}", key_of(md), eps, static_cast<unsigned>(f), training);
  return context().cached<BnForward>(key, [&] {
    auto pd = bn_forward_pd(md, eps, f, training);
    return BnForward{pd, dnnl::batch_normalization_forward(pd)};
  });
}

BnBackward& bn_backward(const dnnl::memory::desc& md, float eps, flags f) {
  const auto key = fmt::format("bn|bwd|{}|{}|{}", key_of(md), eps, static_cast<unsigned>(f));
  return context().cached<BnBackward>(key, [&] {
    dnnl::batch_normalization_backward::primitive_desc pd(
        dnnl::batch_normalization_backward::desc(
            f == flags::none ? dnnl::prop_kind::backward_data : dnnl::prop_kind::backward, md, md, eps, f),
        context().engine(), bn_forward_pd(md, eps, f, true));
    return BnBackward{pd, dnnl::batch_normalization_backward(pd)};
  });
}

// One sample of a tensor laid out as md, when samples are contiguous blocks (N outermost and not
// blocked): its descriptor and the element offset between samples. Otherwise nothing.
struct SampleView {
  dnnl::memory::desc md;
  std::int64_t stride = 0;
};

std::optional<SampleView> sample_view(const dnnl::memory::desc& md) {
  auto d = md.data;
  if (d.format_kind != dnnl_blocked || d.offset0 != 0) return std::nullopt;
  const auto& b = d.format_desc.blocking;
  for (int i = 0; i < b.inner_nblks; ++i)
    if (b.inner_idxs[i] == 0) return std::nullopt;
  for (int i = 1; i < d.ndims; ++i)
    if (b.strides[i] > b.strides[0]) return std::nullopt;
  const std::int64_t stride = b.strides[0];
  d.dims[0] = 1;
  d.padded_dims[0] = 1;
  return SampleView{dnnl::memory::desc(d), stride};
}

float* at(const Tensor& t, std::int64_t offset) { return static_cast<float*>(t.raw_data()) + offset; }

// ---- group norm on plain tensors ----------------------------------------------------------------

struct GroupGeometry {
  std::int64_t n, c, groups, per_group_channels, spatial;
  std::int64_t elements() const { return per_group_channels * spatial; }
};

GroupGeometry group_geometry(const Shape& s, int groups) {
  std::int64_t spatial = 1;
  for (int i = 2; i < s.rank(); ++i) spatial *= s[i];
  return {s[0], s[1], groups, s[1] / groups, spatial};
}

NormForward group_norm_forward(const Tensor& x, const Tensor* gamma, const Tensor* beta, const NormSpec& spec,
                               const NormSaved* given) {
  const GroupGeometry g = group_geometry(x.shape(), spec.groups);
  Tensor y = Tensor::empty(x.shape());
  NormSaved saved{Tensor::empty({g.n, g.groups}), Tensor::empty({g.n, g.groups}), {}};
  const float* xs = x.data<float>();
  float* ys = y.data<float>();
  const float* gm = gamma ? gamma->data<float>() : nullptr;
  const float* bt = beta ? beta->data<float>() : nullptr;
#pragma omp parallel for schedule(static)
  for (std::int64_t ng = 0; ng < g.n * g.groups; ++ng) {
    const std::int64_t base = ng * g.elements();
    double mean = 0, var = 0;
    if (given) {
      mean = given->mean.data<float>()[ng];
      var = given->variance.data<float>()[ng];
    } else {
      double s = 0, s2 = 0;
      for (std::int64_t i = 0; i < g.elements(); ++i) s += xs[base + i];
      mean = s / static_cast<double>(g.elements());
      for (std::int64_t i = 0; i < g.elements(); ++i) s2 += (xs[base + i] - mean) * (xs[base + i] - mean);
      var = s2 / static_cast<double>(g.elements());
    }
    saved.mean.data<float>()[ng] = static_cast<float>(mean);
    saved.variance.data<float>()[ng] = static_cast<float>(var);
    const double rstd = 1.0 / std::sqrt(var + spec.epsilon);
    const std::int64_t first_channel = (ng % g.groups) * g.per_group_channels;
    for (std::int64_t k = 0; k < g.per_group_channels; ++k) {
      const std::int64_t c = first_channel + k;
      const double a = gm ? gm[c] : 1.0, b = bt ? bt[c] : 0.0;
      for (std::int64_t i = 0; i < g.spatial; ++i) {
        const std::int64_t e = base + k * g.spatial + i;
        const double v = (xs[e] - mean) * rstd * a + b;
        ys[e] = static_cast<float>(spec.fuse_relu && v < 0 ? 0.0 : v);
      }
    }
  }
  if (spec.fuse_relu) saved.relu_mask = y;  // the ReLU passed the gradient where y > 0
  return {y, saved};
}

// dy with the fused ReLU's gradient applied: zero where the forward output was not positive.
Tensor through_relu(const Tensor& dy, const Tensor& output) {
  Tensor masked = Tensor::empty(dy.shape());
  const float* d = dy.data<float>();
  const float* y = output.data<float>();
  float* m = masked.data<float>();
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < dy.numel(); ++i) m[i] = y[i] > 0.0f ? d[i] : 0.0f;
  return masked;
}

NormBackward group_norm_backward(const Tensor& x, const Tensor& dy_in, const Tensor* gamma, const NormSaved& saved,
                                 const NormSpec& spec) {
  const Tensor dy = spec.fuse_relu ? through_relu(dy_in, saved.relu_mask) : dy_in;
  const GroupGeometry g = group_geometry(x.shape(), spec.groups);
  NormBackward out{Tensor::empty(x.shape()), Tensor::zeros({g.c}), Tensor::zeros({g.c})};
  // Per (sample, channel) partial sums, combined over samples in order: deterministic.
  std::vector<double> dgamma_nc(static_cast<std::size_t>(g.n * g.c)), dbeta_nc(dgamma_nc.size());
  const float* xs = x.data<float>();
  const float* dys = dy.data<float>();
  float* dxs = out.dx.data<float>();
  const float* gm = gamma ? gamma->data<float>() : nullptr;
#pragma omp parallel for schedule(static)
  for (std::int64_t ng = 0; ng < g.n * g.groups; ++ng) {
    const std::int64_t base = ng * g.elements();
    const double mean = saved.mean.data<float>()[ng];
    const double rstd = 1.0 / std::sqrt(static_cast<double>(saved.variance.data<float>()[ng]) + spec.epsilon);
    const std::int64_t n = ng / g.groups;
    const std::int64_t first_channel = (ng % g.groups) * g.per_group_channels;
    double sum_dxhat = 0, sum_dxhat_xhat = 0;
    for (std::int64_t k = 0; k < g.per_group_channels; ++k) {
      const std::int64_t c = first_channel + k;
      const double a = gm ? gm[c] : 1.0;
      double dg = 0, db = 0;
      for (std::int64_t i = 0; i < g.spatial; ++i) {
        const std::int64_t e = base + k * g.spatial + i;
        const double xhat = (xs[e] - mean) * rstd;
        dg += dys[e] * xhat;
        db += dys[e];
        sum_dxhat += dys[e] * a;
        sum_dxhat_xhat += dys[e] * a * xhat;
      }
      dgamma_nc[static_cast<std::size_t>(n * g.c + c)] = dg;
      dbeta_nc[static_cast<std::size_t>(n * g.c + c)] = db;
    }
    const double m = static_cast<double>(g.elements());
    for (std::int64_t k = 0; k < g.per_group_channels; ++k) {
      const std::int64_t c = first_channel + k;
      const double a = gm ? gm[c] : 1.0;
      for (std::int64_t i = 0; i < g.spatial; ++i) {
        const std::int64_t e = base + k * g.spatial + i;
        const double xhat = (xs[e] - mean) * rstd;
        dxs[e] = static_cast<float>(rstd * (dys[e] * a - sum_dxhat / m - xhat * sum_dxhat_xhat / m));
      }
    }
  }
  for (std::int64_t c = 0; c < g.c; ++c) {
    double dg = 0, db = 0;
    for (std::int64_t n = 0; n < g.n; ++n) {
      dg += dgamma_nc[static_cast<std::size_t>(n * g.c + c)];
      db += dbeta_nc[static_cast<std::size_t>(n * g.c + c)];
    }
    out.dgamma.data<float>()[c] = static_cast<float>(dg);
    out.dbeta.data<float>()[c] = static_cast<float>(db);
  }
  return out;
}

NormSpec as_groups(const NormSpec& spec, std::int64_t channels) {
  NormSpec g = spec;
  g.kind = NormKind::Group;
  g.groups = static_cast<int>(channels);
  return g;
}

// ---- batch and instance norm on oneDNN ----------------------------------------------------------

struct BnArgs {
  const Tensor* gamma;
  const Tensor* beta;
  std::int64_t channels;
};

void add_affine(std::unordered_map<int, dnnl::memory>& args, const BnArgs& a) {
  auto& ctx = context();
  if (a.gamma) args.emplace(DNNL_ARG_SCALE, ctx.memory(*a.gamma, channel_md(a.channels)));
  if (a.beta) args.emplace(DNNL_ARG_SHIFT, ctx.memory(*a.beta, channel_md(a.channels)));
}

// The affine part must be all or nothing for oneDNN: a missing half is the identity.
struct Affine {
  Tensor gamma, beta;
  bool present = false;
};

Affine complete_affine(const Tensor* gamma, const Tensor* beta, std::int64_t channels) {
  if (!gamma && !beta) return {};
  Affine a{gamma ? *gamma : Tensor::empty({channels}), beta ? *beta : Tensor::zeros({channels}), true};
  if (!gamma) a.gamma.fill(1.0);
  return a;
}

}  // namespace

NormForward CpuBackend::norm_forward_training(const Tensor& x, const Tensor* gamma, const Tensor* beta,
                                              const NormSpec& spec) {
  check_norm_inputs(x, gamma, beta, spec);
  const std::int64_t channels = x.shape()[1];
  if (spec.kind == NormKind::Group) return group_norm_forward(to_plain(x), gamma, beta, spec, nullptr);

  auto& ctx = context();
  const auto md = md_of(x);
  const Affine affine = complete_affine(gamma, beta, channels);
  const BnArgs bn_args{affine.present ? &affine.gamma : nullptr, affine.present ? &affine.beta : nullptr, channels};
  const flags f = affine_flags(affine.present) | relu_flag(spec);

  if (spec.kind == NormKind::Batch) {
    auto& entry = bn_forward(md, spec.epsilon, f, true);
    NormForward out{tensor_for(md, x.shape()), {Tensor::empty({channels}), Tensor::empty({channels}), {}}};
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, ctx.memory(x)},
                                               {DNNL_ARG_DST, ctx.memory(out.y)},
                                               {DNNL_ARG_MEAN, ctx.memory(out.saved.mean)},
                                               {DNNL_ARG_VARIANCE, ctx.memory(out.saved.variance)}};
    if (spec.fuse_relu) {
      out.saved.relu_mask = workspace_for(entry.pd.workspace_desc(), 1);
      args.emplace(DNNL_ARG_WORKSPACE, dnnl::memory(entry.pd.workspace_desc(), ctx.engine(), out.saved.relu_mask.raw_data()));
    }
    add_affine(args, bn_args);
    execute(entry.primitive, args);
    return out;
  }

  const auto view = sample_view(md);
  if (!view) return group_norm_forward(to_plain(x), gamma, beta, as_groups(spec, channels), nullptr);
  auto& entry = bn_forward(view->md, spec.epsilon, f, true);
  const std::int64_t n = x.shape()[0];
  NormForward out{tensor_for(md, x.shape()), {Tensor::empty({n, channels}), Tensor::empty({n, channels}), {}}};
  const auto ws_md = entry.pd.workspace_desc();
  const auto ws_bytes = static_cast<std::int64_t>(ws_md.get_size());
  if (spec.fuse_relu) out.saved.relu_mask = workspace_for(ws_md, n);
  for (std::int64_t i = 0; i < n; ++i) {
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, dnnl::memory(view->md, ctx.engine(), at(x, i * view->stride))},
        {DNNL_ARG_DST, dnnl::memory(view->md, ctx.engine(), at(out.y, i * view->stride))},
        {DNNL_ARG_MEAN, dnnl::memory(channel_md(channels), ctx.engine(), at(out.saved.mean, i * channels))},
        {DNNL_ARG_VARIANCE, dnnl::memory(channel_md(channels), ctx.engine(), at(out.saved.variance, i * channels))}};
    if (spec.fuse_relu)
      args.emplace(DNNL_ARG_WORKSPACE, dnnl::memory(ws_md, ctx.engine(), byte_at(out.saved.relu_mask, i * ws_bytes)));
    add_affine(args, bn_args);
    execute(entry.primitive, args);
  }
  return out;
}

Tensor CpuBackend::norm_forward_inference(const Tensor& x, const Tensor* gamma, const Tensor* beta,
                                          const NormSaved& running, const NormSpec& spec) {
  if (spec.kind != NormKind::Batch) return norm_forward_training(x, gamma, beta, spec).y;
  check_norm_inputs(x, gamma, beta, spec);
  const std::int64_t channels = x.shape()[1];
  for (const Tensor* t : {&running.mean, &running.variance})
    if (!(t->shape() == Shape{channels}) || !t->is_plain())
      throw InternalError(fmt::format("batch norm inference: running statistics {} for {} channels",
                                      t->shape().to_string(), channels));
  auto& ctx = context();
  const auto md = md_of(x);
  const Affine affine = complete_affine(gamma, beta, channels);
  const flags f = affine_flags(affine.present) | flags::use_global_stats | relu_flag(spec);
  auto& entry = bn_forward(md, spec.epsilon, f, false);
  Tensor y = tensor_for(md, x.shape());
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, ctx.memory(x)},
                                             {DNNL_ARG_DST, ctx.memory(y)},
                                             {DNNL_ARG_MEAN, ctx.memory(running.mean)},
                                             {DNNL_ARG_VARIANCE, ctx.memory(running.variance)}};
  add_affine(args, {affine.present ? &affine.gamma : nullptr, affine.present ? &affine.beta : nullptr, channels});
  execute(entry.primitive, args);
  return y;
}

NormBackward CpuBackend::norm_backward(const Tensor& x, const Tensor& dy_any, const Tensor* gamma,
                                       const NormSaved& saved, const NormSpec& spec) {
  check_norm_inputs(x, gamma, nullptr, spec);
  if (!(dy_any.shape() == x.shape()))
    throw InternalError(fmt::format("norm backward: dy {} does not match x {}", dy_any.shape().to_string(),
                                    x.shape().to_string()));
  const std::int64_t channels = x.shape()[1];
  if (spec.kind == NormKind::Group) return group_norm_backward(to_plain(x), to_plain(dy_any), gamma, saved, spec);

  auto& ctx = context();
  const auto md = md_of(x);
  const auto view = spec.kind == NormKind::Instance ? sample_view(md) : std::nullopt;
  if (spec.kind == NormKind::Instance && !view)
    return group_norm_backward(to_plain(x), to_plain(dy_any), gamma, saved, as_groups(spec, channels));

  // Always with scale and shift (gamma = 1 when the layer has none; the same dx): dgamma and dbeta
  // are wanted whenever either half is learnt, and a layer with beta only still needs dbeta.
  // oneDNN 2.6 counts the shift as an input of the backward pass although its value does not
  // enter the gradients: zeros stand in for it.
  const Tensor no_shift = Tensor::zeros({channels});
  const Affine affine = complete_affine(gamma, &no_shift, channels);
  const flags f = affine_flags(true) | relu_flag(spec);
  const Tensor dy = ctx.reorder_to(dy_any, md);
  NormBackward out{tensor_for(md, x.shape()), Tensor::zeros({channels}), Tensor::zeros({channels})};
  const dnnl::memory::desc& run_md = spec.kind == NormKind::Batch ? md : view->md;
  auto& entry = bn_backward(run_md, spec.epsilon, f);
  const std::int64_t runs = spec.kind == NormKind::Batch ? 1 : x.shape()[0];
  const std::int64_t stride = spec.kind == NormKind::Batch ? 0 : view->stride;
  Tensor dgamma_i = Tensor::empty({channels}), dbeta_i = Tensor::empty({channels});
  for (std::int64_t i = 0; i < runs; ++i) {
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, dnnl::memory(run_md, ctx.engine(), at(x, i * stride))},
        {DNNL_ARG_DIFF_DST, dnnl::memory(run_md, ctx.engine(), at(dy, i * stride))},
        {DNNL_ARG_DIFF_SRC, dnnl::memory(run_md, ctx.engine(), at(out.dx, i * stride))},
        {DNNL_ARG_MEAN, dnnl::memory(channel_md(channels), ctx.engine(), at(saved.mean, i * channels))},
        {DNNL_ARG_VARIANCE, dnnl::memory(channel_md(channels), ctx.engine(), at(saved.variance, i * channels))}};
    args.emplace(DNNL_ARG_SCALE, ctx.memory(affine.gamma, channel_md(channels)));
    args.emplace(DNNL_ARG_SHIFT, ctx.memory(affine.beta, channel_md(channels)));
    args.emplace(DNNL_ARG_DIFF_SCALE, ctx.memory(dgamma_i, channel_md(channels)));
    args.emplace(DNNL_ARG_DIFF_SHIFT, ctx.memory(dbeta_i, channel_md(channels)));
    if (spec.fuse_relu) {
      const auto ws_md = entry.pd.workspace_desc();
      args.emplace(DNNL_ARG_WORKSPACE, dnnl::memory(ws_md, ctx.engine(),
                                                    byte_at(saved.relu_mask, i * static_cast<std::int64_t>(ws_md.get_size()))));
    }
    execute(entry.primitive, args);
    for (std::int64_t c = 0; c < channels; ++c) {
      out.dgamma.data<float>()[c] += dgamma_i.data<float>()[c];
      out.dbeta.data<float>()[c] += dbeta_i.data<float>()[c];
    }
  }
  return out;
}

}  // namespace voxtrain::cpu
