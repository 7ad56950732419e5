// naive_ops.cpp — the reference loops: one output element at a time, accumulated in double, with
// every index computed from the definition in naive_ops.hpp.
#include "support/reference/naive_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "voxtrain/core/error.hpp"

namespace voxtrain::test::naive {
namespace {

std::size_t u(std::int64_t i) { return static_cast<std::size_t>(i); }

// A plain 5-D tensor's extents and row-major offset.
struct Dims5 {
  std::int64_t n, c, d, h, w;
  explicit Dims5(const Shape& s) {
    if (s.rank() != 5) throw InternalError(fmt::format("naive op: {} is not 5-D", s.to_string()));
    n = s[0], c = s[1], d = s[2], h = s[3], w = s[4];
  }
  std::int64_t at(std::int64_t in, std::int64_t ic, std::int64_t id, std::int64_t ih, std::int64_t iw) const {
    return (((in * c + ic) * d + id) * h + ih) * w + iw;
  }
  std::int64_t spatial() const { return d * h * w; }
};

Shape shape5(std::int64_t n, std::int64_t c, std::int64_t d, std::int64_t h, std::int64_t w) {
  return Shape{n, c, d, h, w};
}

// [N, C, rest]: the element count per (n, c) for any rank >= 2.
std::int64_t inner_size(const Shape& s) {
  std::int64_t inner = 1;
  for (int i = 2; i < s.rank(); ++i) inner *= s[i];
  return inner;
}

double value_or(const Tensor* t, std::int64_t i, double otherwise) {
  return t ? static_cast<double>(t->data<float>()[i]) : otherwise;
}

}  // namespace

Tensor conv3d(const Tensor& x, const Tensor& w, const Tensor* bias, const ConvSpec& spec) {
  const Dims5 xd(x.shape()), wd(w.shape());
  if (wd.c != xd.c) throw InternalError("naive conv3d: channel mismatch");
  std::array<std::int64_t, 3> in{xd.d, xd.h, xd.w}, out{}, k{wd.d, wd.h, wd.w};
  for (std::size_t a = 0; a < 3; ++a) {
    const std::int64_t span = spec.dilation[a] * (k[a] - 1) + 1;
    out[a] = spec.transposed ? (in[a] - 1) * spec.stride[a] - 2 * spec.padding[a] + span
                             : (in[a] + 2 * spec.padding[a] - span) / spec.stride[a] + 1;
  }
  const Dims5 yd(shape5(xd.n, wd.n, out[0], out[1], out[2]));
  std::vector<double> acc(u(yd.n * yd.c * yd.spatial()), 0.0);
  const float* xs = x.data<float>();
  const float* ws = w.data<float>();
  const auto s = spec.stride;
  const auto p = spec.padding;
  const auto dl = spec.dilation;
  for (std::int64_t n = 0; n < xd.n; ++n)
    for (std::int64_t co = 0; co < wd.n; ++co)
      for (std::int64_t ci = 0; ci < xd.c; ++ci)
        for (std::int64_t kd = 0; kd < wd.d; ++kd)
          for (std::int64_t kh = 0; kh < wd.h; ++kh)
            for (std::int64_t kw = 0; kw < wd.w; ++kw) {
              const double weight = ws[wd.at(co, ci, kd, kh, kw)];
              if (!spec.transposed) {
                for (std::int64_t od = 0; od < yd.d; ++od)
                  for (std::int64_t oh = 0; oh < yd.h; ++oh)
                    for (std::int64_t ow = 0; ow < yd.w; ++ow) {
                      const std::int64_t id = od * s[0] - p[0] + kd * dl[0];
                      const std::int64_t ih = oh * s[1] - p[1] + kh * dl[1];
                      const std::int64_t iw = ow * s[2] - p[2] + kw * dl[2];
                      if (id < 0 || id >= xd.d || ih < 0 || ih >= xd.h || iw < 0 || iw >= xd.w) continue;
                      acc[u(yd.at(n, co, od, oh, ow))] += weight * xs[xd.at(n, ci, id, ih, iw)];
                    }
              } else {
                for (std::int64_t id = 0; id < xd.d; ++id)
                  for (std::int64_t ih = 0; ih < xd.h; ++ih)
                    for (std::int64_t iw = 0; iw < xd.w; ++iw) {
                      const std::int64_t od = id * s[0] - p[0] + kd * dl[0];
                      const std::int64_t oh = ih * s[1] - p[1] + kh * dl[1];
                      const std::int64_t ow = iw * s[2] - p[2] + kw * dl[2];
                      if (od < 0 || od >= yd.d || oh < 0 || oh >= yd.h || ow < 0 || ow >= yd.w) continue;
                      acc[u(yd.at(n, co, od, oh, ow))] += weight * xs[xd.at(n, ci, id, ih, iw)];
                    }
              }
            }
  Tensor y = Tensor::empty(shape5(yd.n, yd.c, yd.d, yd.h, yd.w));
  float* ys = y.data<float>();
  for (std::int64_t n = 0; n < yd.n; ++n)
    for (std::int64_t co = 0; co < yd.c; ++co)
      for (std::int64_t i = 0; i < yd.spatial(); ++i) {
        const std::int64_t e = (n * yd.c + co) * yd.spatial() + i;
        ys[e] = static_cast<float>(acc[u(e)] + value_or(bias, co, 0.0));
      }
  return y;
}

Norm norm_training(const Tensor& x, const Tensor* gamma, const Tensor* beta, const NormSpec& spec) {
  const std::int64_t n_count = x.shape()[0], channels = x.shape()[1], inner = inner_size(x.shape());
  // Statistic index of element (n, c): which set of elements it is normalised with.
  const std::int64_t groups = spec.kind == NormKind::Group ? spec.groups : channels;
  const std::int64_t per_group = channels / groups;
  auto stat_of = [&](std::int64_t n, std::int64_t c) -> std::int64_t {
    switch (spec.kind) {
      case NormKind::Batch: return c;
      case NormKind::Instance: return n * channels + c;
      case NormKind::Group: return n * groups + c / per_group;
    }
    return 0;
  };
  const Shape stat_shape = spec.kind == NormKind::Batch ? Shape{channels} : Shape{n_count, groups};
  const std::int64_t stats = stat_shape.numel();
  std::vector<double> total(u(stats), 0.0), count(u(stats), 0.0), squares(u(stats), 0.0);
  const float* xs = x.data<float>();
  for (std::int64_t n = 0; n < n_count; ++n)
    for (std::int64_t c = 0; c < channels; ++c)
      for (std::int64_t i = 0; i < inner; ++i) {
        total[u(stat_of(n, c))] += xs[(n * channels + c) * inner + i];
        count[u(stat_of(n, c))] += 1;
      }
  std::vector<double> mean(u(stats));
  for (std::int64_t s = 0; s < stats; ++s) mean[u(s)] = total[u(s)] / count[u(s)];
  for (std::int64_t n = 0; n < n_count; ++n)
    for (std::int64_t c = 0; c < channels; ++c)
      for (std::int64_t i = 0; i < inner; ++i) {
        const double dev = xs[(n * channels + c) * inner + i] - mean[u(stat_of(n, c))];
        squares[u(stat_of(n, c))] += dev * dev;
      }
  Norm out{Tensor::empty(x.shape()), Tensor::empty(stat_shape), Tensor::empty(stat_shape)};
  for (std::int64_t s = 0; s < stats; ++s) {
    out.mean.data<float>()[s] = static_cast<float>(mean[u(s)]);
    out.variance.data<float>()[s] = static_cast<float>(squares[u(s)] / count[u(s)]);
  }
  float* ys = out.y.data<float>();
  for (std::int64_t n = 0; n < n_count; ++n)
    for (std::int64_t c = 0; c < channels; ++c) {
      const std::int64_t s = stat_of(n, c);
      const double rstd = 1.0 / std::sqrt(squares[u(s)] / count[u(s)] + spec.epsilon);
      for (std::int64_t i = 0; i < inner; ++i) {
        const std::int64_t e = (n * channels + c) * inner + i;
        ys[e] = static_cast<float>((xs[e] - mean[u(s)]) * rstd * value_or(gamma, c, 1.0) + value_or(beta, c, 0.0));
      }
    }
  return out;
}

Tensor batch_norm_inference(const Tensor& x, const Tensor* gamma, const Tensor* beta, const Tensor& mean,
                            const Tensor& variance, float epsilon) {
  const std::int64_t n_count = x.shape()[0], channels = x.shape()[1], inner = inner_size(x.shape());
  Tensor y = Tensor::empty(x.shape());
  for (std::int64_t n = 0; n < n_count; ++n)
    for (std::int64_t c = 0; c < channels; ++c) {
      const double m = mean.data<float>()[c];
      const double rstd = 1.0 / std::sqrt(static_cast<double>(variance.data<float>()[c]) + epsilon);
      for (std::int64_t i = 0; i < inner; ++i) {
        const std::int64_t e = (n * channels + c) * inner + i;
        y.data<float>()[e] =
            static_cast<float>((x.data<float>()[e] - m) * rstd * value_or(gamma, c, 1.0) + value_or(beta, c, 0.0));
      }
    }
  return y;
}

Tensor activation(const Tensor& x, const ActivationSpec& spec) {
  constexpr double selu_alpha = 1.6732632423543772848170429916717;
  constexpr double selu_scale = 1.0507009873554804934193349852946;
  const double alpha = spec.alpha;
  Tensor y = Tensor::empty(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double v = x.data<float>()[i];
    double r = 0;
    switch (spec.kind) {
      case ActivationKind::Relu: r = v > 0 ? v : 0.0; break;
      case ActivationKind::LeakyRelu: r = v > 0 ? v : alpha * v; break;
      case ActivationKind::Elu: r = v > 0 ? v : alpha * (std::exp(v) - 1.0); break;
      case ActivationKind::Relu6: r = std::min(std::max(v, 0.0), 6.0); break;
      case ActivationKind::Selu: r = selu_scale * (v > 0 ? v : selu_alpha * (std::exp(v) - 1.0)); break;
      case ActivationKind::Sigmoid: r = 1.0 / (1.0 + std::exp(-v)); break;
      case ActivationKind::Tanh: r = std::tanh(v); break;
      case ActivationKind::Softplus: r = std::log1p(std::exp(v)); break;
    }
    y.data<float>()[i] = static_cast<float>(r);
  }
  return y;
}

Tensor prelu(const Tensor& x, const Tensor& slope) {
  const std::int64_t n_count = x.shape()[0], channels = x.shape()[1], inner = inner_size(x.shape());
  Tensor y = Tensor::empty(x.shape());
  for (std::int64_t n = 0; n < n_count; ++n)
    for (std::int64_t c = 0; c < channels; ++c)
      for (std::int64_t i = 0; i < inner; ++i) {
        const std::int64_t e = (n * channels + c) * inner + i;
        const double v = x.data<float>()[e];
        y.data<float>()[e] = static_cast<float>(v > 0 ? v : slope.data<float>()[c] * v);
      }
  return y;
}

Tensor pool(const Tensor& x, const PoolSpec& spec) {
  const Dims5 xd(x.shape());
  std::array<std::int64_t, 3> in{xd.d, xd.h, xd.w}, out{};
  for (std::size_t a = 0; a < 3; ++a)
    out[a] = (in[a] + 2 * spec.padding[a] - spec.kernel[a]) / spec.stride[a] + 1;
  const Dims5 yd(shape5(xd.n, xd.c, out[0], out[1], out[2]));
  Tensor y = Tensor::empty(shape5(yd.n, yd.c, yd.d, yd.h, yd.w));
  const float* xs = x.data<float>();
  for (std::int64_t n = 0; n < yd.n; ++n)
    for (std::int64_t c = 0; c < yd.c; ++c)
      for (std::int64_t od = 0; od < yd.d; ++od)
        for (std::int64_t oh = 0; oh < yd.h; ++oh)
          for (std::int64_t ow = 0; ow < yd.w; ++ow) {
            double best = -std::numeric_limits<double>::infinity(), total = 0, taps = 0;
            for (std::int64_t kd = 0; kd < spec.kernel[0]; ++kd)
              for (std::int64_t kh = 0; kh < spec.kernel[1]; ++kh)
                for (std::int64_t kw = 0; kw < spec.kernel[2]; ++kw) {
                  const std::int64_t id = od * spec.stride[0] - spec.padding[0] + kd;
                  const std::int64_t ih = oh * spec.stride[1] - spec.padding[1] + kh;
                  const std::int64_t iw = ow * spec.stride[2] - spec.padding[2] + kw;
                  if (id < 0 || id >= xd.d || ih < 0 || ih >= xd.h || iw < 0 || iw >= xd.w) continue;
                  const double v = xs[xd.at(n, c, id, ih, iw)];
                  best = std::max(best, v);
                  total += v;
                  taps += 1;
                }
            y.data<float>()[yd.at(n, c, od, oh, ow)] =
                static_cast<float>(spec.kind == PoolKind::Max ? best : total / taps);
          }
  return y;
}

namespace {

// The two input indices and the weight of the second along one axis, for output index o.
struct Taps {
  std::int64_t first, second;
  double weight_second;
};

Taps linear_taps(std::int64_t o, std::int64_t in, std::int64_t out) {
  double src = (static_cast<double>(o) + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5;
  src = std::clamp(src, 0.0, static_cast<double>(in - 1));
  const auto first = static_cast<std::int64_t>(std::floor(src));
  const std::int64_t second = std::min(first + 1, in - 1);
  return {first, second, src - static_cast<double>(first)};
}

Taps nearest_tap(std::int64_t o, std::int64_t in, std::int64_t out) {
  const auto i = static_cast<std::int64_t>(
      std::floor((static_cast<double>(o) + 0.5) * static_cast<double>(in) / static_cast<double>(out)));
  const std::int64_t clamped = std::min(i, in - 1);
  return {clamped, clamped, 0.0};
}

}  // namespace

Tensor resample(const Tensor& x, const Shape& y_shape, ResampleKind kind) {
  const Dims5 xd(x.shape()), yd(y_shape);
  Tensor y = Tensor::empty(y_shape);
  const float* xs = x.data<float>();
  auto taps = [&](std::int64_t o, std::int64_t in, std::int64_t out) {
    return kind == ResampleKind::Nearest ? nearest_tap(o, in, out) : linear_taps(o, in, out);
  };
  for (std::int64_t n = 0; n < yd.n; ++n)
    for (std::int64_t c = 0; c < yd.c; ++c)
      for (std::int64_t od = 0; od < yd.d; ++od)
        for (std::int64_t oh = 0; oh < yd.h; ++oh)
          for (std::int64_t ow = 0; ow < yd.w; ++ow) {
            const Taps td = taps(od, xd.d, yd.d), th = taps(oh, xd.h, yd.h), tw = taps(ow, xd.w, yd.w);
            double v = 0;
            for (int a = 0; a < 2; ++a)
              for (int b = 0; b < 2; ++b)
                for (int e = 0; e < 2; ++e) {
                  const double weight = (a ? td.weight_second : 1 - td.weight_second) *
                                        (b ? th.weight_second : 1 - th.weight_second) *
                                        (e ? tw.weight_second : 1 - tw.weight_second);
                  v += weight * xs[xd.at(n, c, a ? td.second : td.first, b ? th.second : th.first,
                                         e ? tw.second : tw.first)];
                }
            y.data<float>()[yd.at(n, c, od, oh, ow)] = static_cast<float>(v);
          }
  return y;
}

Tensor concat_channels(const std::vector<Tensor>& xs) {
  std::int64_t channels = 0;
  for (const Tensor& x : xs) channels += x.shape()[1];
  std::vector<std::int64_t> extents(xs[0].shape().extents().begin(), xs[0].shape().extents().end());
  extents[1] = channels;
  Tensor y = Tensor::empty(Shape(std::span<const std::int64_t>(extents.data(), extents.size())));
  const std::int64_t n_count = extents[0], inner = inner_size(xs[0].shape());
  for (std::int64_t n = 0; n < n_count; ++n) {
    std::int64_t first = 0;
    for (const Tensor& x : xs) {
      const std::int64_t c_count = x.shape()[1];
      for (std::int64_t c = 0; c < c_count; ++c)
        for (std::int64_t i = 0; i < inner; ++i)
          y.data<float>()[(n * channels + first + c) * inner + i] = x.data<float>()[(n * c_count + c) * inner + i];
      first += c_count;
    }
  }
  return y;
}

Tensor softmax_channels(const Tensor& x, bool log) {
  const std::int64_t n_count = x.shape()[0], channels = x.shape()[1], inner = inner_size(x.shape());
  Tensor y = Tensor::empty(x.shape());
  const float* xs = x.data<float>();
  for (std::int64_t n = 0; n < n_count; ++n)
    for (std::int64_t i = 0; i < inner; ++i) {
      double total = 0;
      for (std::int64_t c = 0; c < channels; ++c) total += std::exp(static_cast<double>(xs[(n * channels + c) * inner + i]));
      for (std::int64_t c = 0; c < channels; ++c) {
        const std::int64_t e = (n * channels + c) * inner + i;
        const double v = xs[e];
        y.data<float>()[e] = static_cast<float>(log ? v - std::log(total) : std::exp(v) / total);
      }
    }
  return y;
}

double sum(const Tensor& x) {
  double total = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) total += x.data<float>()[i];
  return total;
}

}  // namespace voxtrain::test::naive

namespace voxtrain::test {

std::string Difference::describe() const {
  return fmt::format("max |actual - expected| {:.3g} at element {}, max |expected| {:.4g}, relative {:.3g}",
                     max_abs, worst_index, max_expected, relative());
}

Difference compare(const Tensor& actual, const Tensor& expected) {
  if (!(actual.shape() == expected.shape()))
    throw InternalError(fmt::format("compare: shapes {} and {} differ", actual.shape().to_string(),
                                    expected.shape().to_string()));
  Difference d;
  const float* a = actual.data<float>();
  const float* e = expected.data<float>();
  for (std::int64_t i = 0; i < actual.numel(); ++i) {
    d.max_expected = std::max(d.max_expected, std::abs(static_cast<double>(e[i])));
    const double diff = std::abs(static_cast<double>(a[i]) - e[i]);
    if (diff > d.max_abs || d.worst_index < 0 || std::isnan(diff)) {
      d.max_abs = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff;
      d.worst_index = i;
    }
  }
  return d;
}

}  // namespace voxtrain::test
