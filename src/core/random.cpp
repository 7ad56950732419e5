// random.cpp — SplitMix64 finalisers as a counter-based generator, and the normal distribution.
#include "voxtrain/core/random.hpp"

#include <cmath>
#include <numbers>

namespace voxtrain {
namespace {

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t random_key(std::initializer_list<std::uint64_t> parts) {
  std::uint64_t key = 0x6A09E667F3BCC909ull;
  for (std::uint64_t p : parts) key = mix(key ^ mix(p + 0x9E3779B97F4A7C15ull));
  return key;
}

std::uint64_t hash_name(std::string_view name) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

double uniform01(std::uint64_t key, std::uint64_t index) {
  return static_cast<double>(mix(key + mix(index + 0x632BE59BD9B4E019ull)) >> 11) * 0x1.0p-53;
}

double standard_normal(std::uint64_t key, std::uint64_t index) {
  const double u1 = 1.0 - uniform01(key, 2 * index);  // in (0, 1]: log is finite
  const double u2 = uniform01(key, 2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace voxtrain
