// hdf5_superblock.cpp — the HDF5 signature and superblock read with std::ifstream (no libhdf5), so a
// file that is not HDF5, cut short or damaged in its first bytes is refused in one clear line.
#include "voxtrain/io/hdf5/hdf5_superblock.hpp"

#include <array>
#include <cstring>
#include <fstream>
#include <vector>

#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

constexpr char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
constexpr std::uint64_t kUndefined = ~std::uint64_t{0};  // HDF5's "undefined address" (all bits set)
constexpr const char* kRemedy = "copy it again, or re-create it from its sources (voxdata convert for a patch store)";

std::int64_t file_size(std::ifstream& in) {
  in.clear();
  in.seekg(0, std::ios::end);
  return static_cast<std::int64_t>(in.tellg());
}

// Up to `count` bytes at `offset` (fewer at the end of the file).
std::vector<unsigned char> read_at(std::ifstream& in, std::int64_t offset, std::size_t count) {
  std::vector<unsigned char> bytes(count);
  in.clear();
  in.seekg(offset);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count));
  bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return bytes;
}

bool valid_size(int n) { return n == 2 || n == 4 || n == 8 || n == 16 || n == 32; }

// A little-endian address of `size` bytes; addresses wider than 8 bytes must fit in 8 (the rest 0),
// and an all-ones address of any width is "undefined".
std::uint64_t address(const std::vector<unsigned char>& b, std::size_t at, int size) {
  bool all_ones = true;
  std::uint64_t value = 0;
  for (int i = 0; i < size; ++i) {
    const unsigned char byte = b[at + static_cast<std::size_t>(i)];
    all_ones = all_ones && byte == 0xFF;
    if (i < 8) value |= std::uint64_t{byte} << (8 * i);
    else if (byte != 0) value = kUndefined - 1;  // beyond any real file: reported as too large
  }
  return all_ones ? kUndefined : value;
}

std::uint32_t rotate(std::uint32_t x, int k) { return (x << k) ^ (x >> (32 - k)); }

void mix(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  a -= c; a ^= rotate(c, 4); c += b;
  b -= a; b ^= rotate(a, 6); a += c;
  c -= b; c ^= rotate(b, 8); b += a;
  a -= c; a ^= rotate(c, 16); c += b;
  b -= a; b ^= rotate(a, 19); a += c;
  c -= b; c ^= rotate(b, 4); b += a;
}

void final_mix(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  c ^= b; c -= rotate(b, 14);
  a ^= c; a -= rotate(c, 11);
  b ^= a; b -= rotate(a, 25);
  c ^= b; c -= rotate(b, 16);
  a ^= c; a -= rotate(c, 4);
  b ^= a; b -= rotate(a, 14);
  c ^= b; c -= rotate(b, 24);
}

// Word w (0, 1, 2) of a 12-byte block, little-endian; bytes past `size` count as 0.
std::uint32_t word(const unsigned char* k, std::size_t size, int w) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t at = static_cast<std::size_t>(4 * w + i);
    if (at < size) v |= std::uint32_t{k[at]} << (8 * i);
  }
  return v;
}

}  // namespace

std::uint32_t hdf5_lookup3_checksum(const unsigned char* data, std::size_t size) {
  std::uint32_t a = 0xdeadbeef + static_cast<std::uint32_t>(size);
  std::uint32_t b = a, c = a;
  while (size > 12) {
    a += word(data, 12, 0);
    b += word(data, 12, 1);
    c += word(data, 12, 2);
    mix(a, b, c);
    size -= 12;
    data += 12;
  }
  if (size == 0) return c;
  a += word(data, size, 0);
  b += word(data, size, 1);
  c += word(data, size, 2);
  final_mix(a, b, c);
  return c;
}

std::optional<std::int64_t> find_hdf5_signature(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::int64_t size = file_size(in);
  for (std::int64_t offset = 0; offset + 8 <= size; offset = offset == 0 ? 512 : offset * 2) {
    const std::vector<unsigned char> bytes = read_at(in, offset, 8);
    if (bytes.size() == 8 && std::memcmp(bytes.data(), kSignature, 8) == 0) return offset;
  }
  return std::nullopt;
}

std::optional<Hdf5Superblock> read_hdf5_superblock(const std::string& path) {
  const std::optional<std::int64_t> at = find_hdf5_signature(path);
  if (!at) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  Hdf5Superblock s;
  s.offset = *at;
  // The longest superblock fields read here: version 1 with 32-byte addresses, 28 + 4 * 32 bytes.
  const std::vector<unsigned char> b = read_at(in, s.offset, 28 + 4 * 32);
  const auto cut_short = [&] {
    return error("{}: the HDF5 superblock at byte {} is cut short ({} bytes follow the signature); the file is "
                 "truncated; {}",
                 path, s.offset, b.size() - 8, kRemedy);
  };
  if (b.size() < 9) throw cut_short();
  s.version = b[8];
  if (s.version > 3)
    throw error("{}: HDF5 superblock version {} is not one HDF5 1.10 knows (0 to 3); the file is damaged or was "
                "written by a newer HDF5; {}",
                path, s.version, kRemedy);
  const bool old = s.version < 2;
  const std::size_t sizes_at = old ? 13 : 9;
  if (b.size() < sizes_at + 2) throw cut_short();
  s.offset_size = b[sizes_at];
  s.length_size = b[sizes_at + 1];
  if (!valid_size(s.offset_size) || !valid_size(s.length_size))
    throw error("{}: the HDF5 superblock gives {}-byte addresses and {}-byte lengths (HDF5 uses 2, 4, 8, 16 or 32); "
                "the file is damaged; {}",
                path, s.offset_size, s.length_size, kRemedy);
  const std::size_t o = static_cast<std::size_t>(s.offset_size);
  // Versions 0/1: base, free-space, end-of-file and driver addresses (version 1 has 4 more bytes
  // before them); versions 2/3: base, extension, end-of-file and root addresses, then a checksum.
  const std::size_t addresses_at = s.version == 0 ? 24 : s.version == 1 ? 28 : 12;
  const std::size_t needed = addresses_at + 4 * o + (old ? 0 : 4);
  if (b.size() < needed) throw cut_short();
  s.base_address = address(b, addresses_at, s.offset_size);
  s.end_of_file = address(b, addresses_at + 2 * o, s.offset_size);
  if (!old) {
    s.has_checksum = true;
    std::uint32_t stored = 0;
    for (int i = 0; i < 4; ++i) stored |= std::uint32_t{b[addresses_at + 4 * o + static_cast<std::size_t>(i)]} << (8 * i);
    s.checksum_matches = hdf5_lookup3_checksum(b.data(), addresses_at + 4 * o) == stored;
  }
  return s;
}

void check_hdf5_superblock(const std::string& path) {
  const std::optional<Hdf5Superblock> s = read_hdf5_superblock(path);
  if (!s) throw error("{}: is not an HDF5 file (no HDF5 signature); give a file written by voxtrain or h5py", path);
  if (!s->checksum_matches)
    throw error("{}: checksum mismatch in the HDF5 superblock (the file's first bytes); the file is damaged; {}", path,
                kRemedy);
  std::ifstream in(path, std::ios::binary);
  const std::uint64_t size = static_cast<std::uint64_t>(file_size(in));
  // libhdf5 takes the signature's offset as the base address and moves the stored end of file by
  // the difference (H5F__super_read); with a user block, both stored values count from byte 0.
  const std::uint64_t start = static_cast<std::uint64_t>(s->offset);
  if (s->base_address == kUndefined || s->end_of_file == kUndefined || s->end_of_file > kUndefined - start ||
      s->base_address > s->end_of_file + start)
    throw error("{}: the HDF5 superblock holds impossible addresses (base {}, end of file {}); the file is damaged; {}",
                path, s->base_address, s->end_of_file, kRemedy);
  const std::uint64_t needed = s->end_of_file + start - s->base_address;
  if (needed > size)
    throw error("{}: the file is truncated: its HDF5 superblock says it has {} bytes, but it has {}; {}", path, needed,
                size, kRemedy);
}

}  // namespace voxtrain
