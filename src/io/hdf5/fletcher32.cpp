// fletcher32.cpp — Fletcher-32 in blocks: per block the word sum and the weighted sum that the
// running second sum gathers, so the inner loop has no dependency from one word to the next.
#include "voxtrain/io/hdf5/fletcher32.hpp"

#include <algorithm>

namespace voxtrain {
namespace {

constexpr std::uint64_t kModulus = 65535;
constexpr std::size_t kBlockWords = 4096;  // block sums stay below 2^45: no overflow in 64 bits

struct BlockSums {
  std::uint64_t sum = 0;       // sum of the words w_i
  std::uint64_t weighted = 0;  // sum of (n - i) w_i: what the n running sums add up beyond s1 * n
};

// Words in runs of kRun with fixed weights kRun - j in 32 bits (which vectorises), the runs then
// weighted by what follows them.
BlockSums block_sums(const unsigned char* bytes, std::size_t words) {
  constexpr std::size_t kRun = 32;
  BlockSums s;
  std::size_t i = 0;
  for (; i + kRun <= words; i += kRun) {
    std::uint32_t run_sum = 0, run_weighted = 0;  // below 2^22 and 2^27
    for (std::size_t j = 0; j < kRun; ++j) {
      const std::uint32_t w = (std::uint32_t{bytes[2 * (i + j)]} << 8) | bytes[2 * (i + j) + 1];
      run_sum += w;
      run_weighted += static_cast<std::uint32_t>(kRun - j) * w;
    }
    s.sum += run_sum;
    s.weighted += (words - i - kRun) * std::uint64_t{run_sum} + run_weighted;
  }
  for (; i < words; ++i) {
    const std::uint64_t w = (std::uint64_t{bytes[2 * i]} << 8) | bytes[2 * i + 1];
    s.sum += w;
    s.weighted += (words - i) * w;
  }
  return s;
}

std::uint32_t as_written(std::uint64_t residue) { return residue == 0 ? 0xffff : static_cast<std::uint32_t>(residue); }

}  // namespace

std::uint32_t hdf5_fletcher32(std::span<const std::byte> bytes) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t words = bytes.size() / 2;
  std::uint64_t s1 = 0, s2 = 0;
  bool nonzero = false;
  for (std::size_t first = 0; first < words; first += kBlockWords) {
    const std::size_t n = std::min(kBlockWords, words - first);
    const BlockSums b = block_sums(data + 2 * first, n);
    nonzero = nonzero || b.sum != 0;
    s2 = (s2 + n % kModulus * s1 + b.weighted % kModulus) % kModulus;  // each running sum starts at s1
    s1 = (s1 + b.sum) % kModulus;
  }
  if (bytes.size() % 2 == 1) {
    const std::uint64_t w = std::uint64_t{data[bytes.size() - 1]} << 8;
    nonzero = nonzero || w != 0;
    s1 = (s1 + w) % kModulus;
    s2 = (s2 + s1) % kModulus;
  }
  if (!nonzero) return 0;
  return (as_written(s2) << 16) | as_written(s1);
}

}  // namespace voxtrain
