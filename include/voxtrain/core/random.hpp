// random.hpp — counter-based random numbers: a draw depends only on what it is for (a key made
// of seed, purpose, epoch, subject, ...) and its index, never on order, thread or rank.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace voxtrain {

// A 64-bit key from parts (seed, purpose, ...), each mixed in turn.
std::uint64_t random_key(std::initializer_list<std::uint64_t> parts);
// A stable 64-bit hash of a name (FNV-1a), to key draws by parameter or subject name.
std::uint64_t hash_name(std::string_view name);

// Uniform in [0, 1), 53 random bits.
double uniform01(std::uint64_t key, std::uint64_t index);
// Standard normal (Box-Muller on the uniforms at 2*index and 2*index+1).
double standard_normal(std::uint64_t key, std::uint64_t index);

}  // namespace voxtrain
