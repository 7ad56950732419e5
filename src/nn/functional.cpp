// functional.cpp — forward calls and backward closures for every differentiable operation.
#include "voxtrain/nn/functional.hpp"

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/loss.hpp"

namespace voxtrain::fn {
namespace {

Backend& backend_of(Var v) { return v.tape->backend(); }
bool is_set(Var v) { return v.id >= 0; }

std::vector<Var> present(std::initializer_list<Var> vars) {
  std::vector<Var> out;
  for (Var v : vars)
    if (is_set(v)) out.push_back(v);
  return out;
}

}  // namespace

Var conv3d(Var x, Var weight, Var bias, const ConvSpec& spec, const std::string& layer) {
  Backend& be = backend_of(x);
  const Tensor xv = x.value();
  const Tensor wv = weight.value();
  const Tensor* bv = is_set(bias) ? &bias.value() : nullptr;
  conv_output_shape(xv.shape(), wv.shape()[0], spec, layer);  // a clear error before oneDNN's
  Tensor y = be.conv_forward(xv, wv, bv, spec);
  const bool has_bias = is_set(bias);
  return x.tape->record(layer, present({x, weight, bias}), y,
                        [&be, xv, wv, spec, has_bias](const Tensor& dy, const std::vector<bool>& needs) {
                          std::vector<Tensor> grads(needs.size());
                          if (needs[0]) grads[0] = be.conv_backward_data(dy, wv, xv.shape(), spec);
                          if (needs[1] || (has_bias && needs[2])) {
                            Tensor dw = Tensor::empty(wv.shape());
                            Tensor db = has_bias ? Tensor::empty({wv.shape()[0]}) : Tensor();
                            be.conv_backward_weights(xv, dy, spec, dw, has_bias ? &db : nullptr);
                            grads[1] = dw;
                            if (has_bias) grads[2] = db;
                          }
                          return grads;
                        });
}

Var norm(Var x, Var gamma, Var beta, const NormSpec& spec, bool training, const NormSaved* running,
         NormSaved* batch_stats) {
  Backend& be = backend_of(x);
  const Tensor xv = x.value();
  const Tensor* g = is_set(gamma) ? &gamma.value() : nullptr;
  const Tensor* b = is_set(beta) ? &beta.value() : nullptr;
  if (!training) {
    if (spec.kind == NormKind::Batch && running == nullptr) throw InternalError("batch norm inference without running statistics");
    Tensor y = be.norm_forward_inference(xv, g, b, running ? *running : NormSaved{}, spec);
    return x.tape->record("norm (inference)", present({x, gamma, beta}), y, {});
  }
  NormForward forward = be.norm_forward_training(xv, g, b, spec);
  if (batch_stats) *batch_stats = forward.saved;
  const Tensor gv = g ? *g : Tensor();
  const NormSaved saved = forward.saved;
  // One gradient per recorded input: x, then gamma and beta where the layer has them (the backend
  // returns dgamma and dbeta either way, with gamma = 1 when there is none).
  const bool has_gamma = g != nullptr, has_beta = b != nullptr;
  return x.tape->record("norm", present({x, gamma, beta}), forward.y,
                        [&be, xv, gv, saved, spec, has_gamma, has_beta](const Tensor& dy, const std::vector<bool>&) {
                          NormBackward back = be.norm_backward(xv, dy, has_gamma ? &gv : nullptr, saved, spec);
                          std::vector<Tensor> grads{back.dx};
                          if (has_gamma) grads.push_back(back.dgamma);
                          if (has_beta) grads.push_back(back.dbeta);
                          return grads;
                        });
}

Var activation(Var x, const ActivationSpec& spec) {
  Backend& be = backend_of(x);
  const Tensor xv = x.value();
  return x.tape->record("activation", {x}, be.activation_forward(xv, spec),
                        [&be, xv, spec](const Tensor& dy, const std::vector<bool>&) {
                          return std::vector<Tensor>{be.activation_backward(xv, dy, spec)};
                        });
}

Var prelu(Var x, Var slope) {
  Backend& be = backend_of(x);
  const Tensor xv = x.value();
  const Tensor sv = slope.value();
  return x.tape->record("prelu", {x, slope}, be.prelu_forward(xv, sv),
                        [&be, xv, sv](const Tensor& dy, const std::vector<bool>&) {
                          Tensor ds = Tensor::empty(sv.shape());
                          Tensor dx = be.prelu_backward(xv, sv, dy, ds);
                          return std::vector<Tensor>{dx, ds};
                        });
}

Var pool(Var x, const PoolSpec& spec) {
  Backend& be = backend_of(x);
  const Shape x_shape = x.shape();
  auto forward = be.pool_forward(x.value(), spec, x.tape->recording());
  return x.tape->record("pool", {x}, forward.y,
                        [&be, x_shape, spec, forward](const Tensor& dy, const std::vector<bool>&) {
                          return std::vector<Tensor>{be.pool_backward(dy, x_shape, spec, forward)};
                        });
}

Var resample(Var x, const Shape& to, ResampleKind kind) {
  Backend& be = backend_of(x);
  const Shape x_shape = x.shape();
  return x.tape->record("resample", {x}, be.resample_forward(x.value(), to, kind),
                        [&be, x_shape, kind](const Tensor& dy, const std::vector<bool>&) {
                          return std::vector<Tensor>{be.resample_backward(dy, x_shape, kind)};
                        });
}

Var concat_channels(const std::vector<Var>& xs) {
  if (xs.empty()) throw InternalError("concat of nothing");
  Backend& be = backend_of(xs[0]);
  std::vector<Tensor> values;
  for (const Var& v : xs) values.push_back(v.value());
  return xs[0].tape->record("concat", xs, be.concat_channels(values),
                            [&be, values](const Tensor& dy, const std::vector<bool>&) {
                              return be.split_channels(dy, values);
                            });
}

Var pad_channels(Var x, std::int64_t channels) {
  const Shape& s = x.shape();
  if (channels == s[1]) return x;
  if (channels < s[1]) throw InternalError(fmt::format("pad_channels: {} to fewer channels ({})", s.to_string(), channels));
  std::vector<std::int64_t> e(s.extents().begin(), s.extents().end());
  e[1] = channels - s[1];
  const Var zeros = x.tape->input(Tensor::zeros(Shape(std::span<const std::int64_t>(e.data(), e.size()))));
  return concat_channels({x, zeros});
}

Var add(Var a, Var b) {
  Backend& be = backend_of(a);
  return a.tape->record("add", {a, b}, be.add(a.value(), b.value()),
                        [](const Tensor& dy, const std::vector<bool>&) { return std::vector<Tensor>{dy, dy}; });
}

Var multiply(Var a, Var b) {
  Backend& be = backend_of(a);
  const Tensor av = a.value();
  const Tensor bv = b.value();
  return a.tape->record("multiply", {a, b}, be.multiply(av, bv),
                        [&be, av, bv](const Tensor& dy, const std::vector<bool>& needs) {
                          std::vector<Tensor> grads(2);
                          if (needs[0]) grads[0] = be.multiply(dy, be.like_layout(bv, dy));
                          if (needs[1]) grads[1] = be.multiply(dy, be.like_layout(av, dy));
                          return grads;
                        });
}

Var dropout(Var x, float p, std::uint64_t seed) {
  Backend& be = backend_of(x);
  const Tensor xv = x.value();
  return x.tape->record("dropout", {x}, be.dropout(xv, p, seed),
                        [&be, xv, p, seed](const Tensor& dy, const std::vector<bool>&) {
                          return std::vector<Tensor>{be.dropout(be.like_layout(dy, xv), p, seed)};
                        });
}

Var softmax_channels(Var x, bool log) {
  Backend& be = backend_of(x);
  Tensor y = be.softmax_channels(x.value(), log);
  return x.tape->record(log ? "log_softmax" : "softmax", {x}, y,
                        [&be, y, log](const Tensor& dy, const std::vector<bool>&) {
                          return std::vector<Tensor>{be.softmax_channels_backward(y, dy, log)};
                        });
}

Var to_plain(Var x) {
  Backend& be = backend_of(x);
  if (x.value().is_plain()) return x;
  return x.tape->record("to_plain", {x}, be.to_plain(x.value()),
                        [](const Tensor& dy, const std::vector<bool>&) { return std::vector<Tensor>{dy}; });
}

Var loss(Var logits, const Loss& loss_function, const Tensor& labels, const Tensor* weights) {
  const Var plain = to_plain(logits);
  LossValue value = loss_function.evaluate(plain.value(), labels, weights);
  Tensor scalar = Tensor::empty({1});
  scalar.data<float>()[0] = static_cast<float>(value.value);
  Tensor grad = value.grad_logits;
  return logits.tape->record("loss " + loss_function.name(), {plain}, scalar,
                             [grad](const Tensor& dy, const std::vector<bool>&) {
                               const float upstream = dy.data<float>()[0];
                               Tensor scaled = Tensor::empty(grad.shape());
                               const float* g = grad.data<float>();
                               float* out = scaled.data<float>();
                               for (std::int64_t i = 0; i < grad.numel(); ++i) out[i] = g[i] * upstream;
                               return std::vector<Tensor>{scaled};
                             });
}

}  // namespace voxtrain::fn
