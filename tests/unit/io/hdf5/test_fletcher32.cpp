// test_fletcher32.cpp — voxtrain's fletcher32 against the checksums libhdf5 itself appended to
// chunks (read raw with H5Dread_chunk): even and odd byte counts, all-zero and all-0xFF data.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "support/test_files.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/io/hdf5/fletcher32.hpp"
#include "voxtrain/io/hdf5/hdf5_file.hpp"

using voxtrain::DType;
using voxtrain::Tensor;

namespace {

struct RawChunk {
  std::vector<std::byte> data;
  std::uint32_t stored = 0;  // the 4 bytes libhdf5 appended, little-endian
};

// The first chunk of `name` in `path` as stored: the data bytes and libhdf5's checksum after them.
RawChunk first_chunk(const std::string& path, const char* name) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  hsize_t offset[1] = {0}, size = 0;
  REQUIRE(H5Dget_chunk_storage_size(set, offset, &size) >= 0);
  REQUIRE(size >= 4);
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  std::uint32_t filters = 0;
  REQUIRE(H5Dread_chunk(set, H5P_DEFAULT, offset, &filters, bytes.data()) >= 0);
  REQUIRE(filters == 0);
  H5Dclose(set);
  H5Fclose(file);
  RawChunk chunk;
  for (int b = 3; b >= 0; --b)
    chunk.stored = (chunk.stored << 8) | static_cast<std::uint32_t>(bytes[bytes.size() - 4 + static_cast<std::size_t>(b)]);
  bytes.resize(bytes.size() - 4);
  chunk.data = std::move(bytes);
  return chunk;
}

Tensor bytes_of(std::int64_t n, int kind) {
  Tensor t = Tensor::empty({n}, DType::UInt8);
  const std::uint64_t key = voxtrain::random_key({7, static_cast<std::uint64_t>(n)});
  for (std::int64_t i = 0; i < n; ++i)
    t.data<std::uint8_t>()[i] = kind == 0   ? static_cast<std::uint8_t>(voxtrain::uniform01(key, static_cast<std::uint64_t>(i)) * 256)
                                : kind == 1 ? std::uint8_t{0}
                                            : std::uint8_t{0xff};
  return t;
}

}  // namespace

TEST_CASE("fletcher32 equals the checksum libhdf5 stored with each chunk", "[io]") {
  const voxtrain::testing::ScratchDir dir("fletcher32");
  const std::string path = dir.file("chunks.h5");
  // Byte counts even and odd, below and above the 360-word folding period and the 4096-word blocks.
  const std::vector<std::int64_t> sizes{1, 2, 3, 719, 720, 721, 8191, 8192, 8193, 100001, 262144};
  {
    auto file = voxtrain::Hdf5File::create(path);
    for (std::int64_t n : sizes)
      for (int kind : {0, 1, 2})
        file.root().write_dataset(fmt::format("d{}_{}", n, kind), bytes_of(n, kind),
                                  voxtrain::Hdf5Layout{.chunk = {n}, .gzip_level = 0, .checksum = true});
    file.close();
  }
  for (std::int64_t n : sizes)
    for (int kind : {0, 1, 2}) {
      const std::string name = fmt::format("d{}_{}", n, kind);
      INFO(name);
      const RawChunk chunk = first_chunk(path, name.c_str());
      REQUIRE(chunk.data.size() == static_cast<std::size_t>(n));
      CHECK(voxtrain::hdf5_fletcher32(chunk.data) == chunk.stored);
    }
  CHECK(voxtrain::hdf5_fletcher32({}) == 0);
}

TEST_CASE("fletcher32 changes when one bit of the data does", "[io]") {
  Tensor t = bytes_of(4096, 0);
  const std::span<const std::byte> data(static_cast<const std::byte*>(t.raw_data()), 4096);
  const std::uint32_t before = voxtrain::hdf5_fletcher32(data);
  for (std::size_t at : {0u, 1u, 2047u, 4095u}) {
    static_cast<std::uint8_t*>(t.raw_data())[at] ^= 0x10;
    CHECK(voxtrain::hdf5_fletcher32(data) != before);
    static_cast<std::uint8_t*>(t.raw_data())[at] ^= 0x10;
  }
  CHECK(voxtrain::hdf5_fletcher32(data) == before);
}
