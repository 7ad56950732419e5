// fletcher32.hpp — the checksum HDF5's fletcher32 filter appends to each chunk, computed here so
// that voxtrain can verify chunks it reads raw, outside libhdf5's global lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace voxtrain {

// HDF5's value for these bytes: Fletcher's two sums mod 65535 over big-endian 16-bit words (an odd
// last byte is the high byte of a word), sum2 in the high half; a nonzero sum is never written
// as 0 (65535 stands for it), and only bytes that are all zero give 0.
std::uint32_t hdf5_fletcher32(std::span<const std::byte> bytes);

}  // namespace voxtrain
