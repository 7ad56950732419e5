// initializer.cpp — He-normal, Glorot-uniform and zero initialisation from the counter-based RNG.
#include "voxtrain/nn/initializer.hpp"

#include <cmath>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {

InitKind parse_init_kind(std::string_view name) {
  if (name == "he_normal") return InitKind::HeNormal;
  if (name == "glorot_uniform") return InitKind::GlorotUniform;
  if (name == "zeros") return InitKind::Zeros;
  const std::vector<std::string> valid = {"he_normal", "glorot_uniform", "zeros"};
  throw error("unknown weight initialiser '{}'{}: use one of {}", name,
              did_you_mean(name, valid), join(valid));
}

Tensor initial_weights(const Shape& shape, const Initializer& init, const std::string& parameter_name) {
  Tensor w = Tensor::zeros(shape);
  if (init.kind == InitKind::Zeros || shape.rank() < 2) return w;
  std::int64_t receptive = 1;
  for (int i = 2; i < shape.rank(); ++i) receptive *= shape[i];
  const double fan_in = static_cast<double>(shape[1] * receptive);
  const double fan_out = static_cast<double>(shape[0] * receptive);
  const auto key = random_key({init.seed, hash_name(parameter_name)});
  float* v = w.data<float>();
  if (init.kind == InitKind::HeNormal) {
    const double stddev = std::sqrt(2.0 / fan_in);
    for (std::int64_t i = 0; i < w.numel(); ++i)
      v[i] = static_cast<float>(stddev * standard_normal(key, static_cast<std::uint64_t>(i)));
  } else {
    const double limit = std::sqrt(6.0 / (fan_in + fan_out));
    for (std::int64_t i = 0; i < w.numel(); ++i)
      v[i] = static_cast<float>(limit * (2.0 * uniform01(key, static_cast<std::uint64_t>(i)) - 1.0));
  }
  return w;
}

}  // namespace voxtrain
