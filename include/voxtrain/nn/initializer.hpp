// initializer.hpp — seeded weight initialisation by NiftyNet's names: he_normal (default),
// glorot_uniform, zeros. A parameter's values depend on (seed, its name) only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

enum class InitKind { HeNormal, GlorotUniform, Zeros };

struct Initializer {
  InitKind kind = InitKind::HeNormal;
  std::uint64_t seed = 0;
};

// "he_normal" | "glorot_uniform" | "zeros"; an unknown name is an Error suggesting the closest.
InitKind parse_init_kind(std::string_view name);

// Weights [Cout, Cin, k...]: fan_in = Cin * k^3, fan_out = Cout * k^3.
Tensor initial_weights(const Shape& shape, const Initializer& init, const std::string& parameter_name);

}  // namespace voxtrain
