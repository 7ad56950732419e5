// png_reader.cpp — the test-side PNG decoder: big-endian chunk walk, zlib's crc32 and uncompress,
// and PNG's five row filters undone (RFC 2083 section 6).
#include "support/reference/png_reader.hpp"

#include <zlib.h>

#include <cstdlib>

namespace voxtrain::testing {
namespace {

std::uint32_t big_endian_u32(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

int paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

}  // namespace

DecodedPng decode_png(std::string_view png) {
  DecodedPng out;
  const std::string_view signature("\x89PNG\r\n\x1a\n", 8);
  if (png.substr(0, 8) != signature) {
    out.error = "bad signature";
    return out;
  }
  std::string idat;
  std::size_t at = 8;
  while (at < png.size()) {
    if (png.size() - at < 12) {
      out.error = "truncated chunk header";
      return out;
    }
    const std::uint32_t length = big_endian_u32(png, at);
    if (png.size() - at - 12 < length) {
      out.error = "chunk longer than the file";
      return out;
    }
    const std::string_view type = png.substr(at + 4, 4);
    const std::string_view data = png.substr(at + 8, length);
    const auto* crc_from = reinterpret_cast<const Bytef*>(png.data() + at + 4);
    const uLong crc = ::crc32(::crc32(0L, Z_NULL, 0), crc_from, static_cast<uInt>(length + 4));
    if (crc != big_endian_u32(png, at + 8 + length)) {
      out.error = "CRC mismatch in chunk " + std::string(type);
      return out;
    }
    out.chunk_types.emplace_back(type);
    if (type == "IHDR") {
      if (length != 13) {
        out.error = "IHDR is not 13 bytes";
        return out;
      }
      out.width = big_endian_u32(data, 0);
      out.height = big_endian_u32(data, 4);
      out.bit_depth = static_cast<unsigned char>(data[8]);
      out.colour_type = static_cast<unsigned char>(data[9]);
      out.interlace = static_cast<unsigned char>(data[12]);
    } else if (type == "IDAT") {
      idat.append(data);
    }
    at += 12 + length;
  }
  if (out.chunk_types.empty() || out.chunk_types.front() != "IHDR" || out.chunk_types.back() != "IEND") {
    out.error = "chunks do not start with IHDR and end with IEND";
    return out;
  }
  if (out.bit_depth != 8 || (out.colour_type != 0 && out.colour_type != 2) || out.interlace != 0) {
    out.error = "not an 8-bit grey or RGB image without interlace";
    return out;
  }
  const std::size_t channels = out.colour_type == 0 ? 1 : 3;
  const std::size_t stride = out.width * channels;
  std::vector<std::uint8_t> raw((stride + 1) * out.height);
  uLongf raw_size = raw.size();
  if (::uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_size != raw.size()) {
    out.error = "IDAT does not inflate to height * (1 + row bytes)";
    return out;
  }
  out.pixels.assign(stride * out.height, 0);
  for (std::size_t y = 0; y < out.height; ++y) {
    const int filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    std::uint8_t* row = &out.pixels[y * stride];
    const std::uint8_t* up = y > 0 ? &out.pixels[(y - 1) * stride] : nullptr;
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= channels ? row[x - channels] : 0;
      const int b = up != nullptr ? up[x] : 0;
      const int c = up != nullptr && x >= channels ? up[x - channels] : 0;
      int predictor = 0;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = a; break;
        case 2: predictor = b; break;
        case 3: predictor = (a + b) / 2; break;
        case 4: predictor = paeth(a, b, c); break;
        default: out.error = "unknown row filter " + std::to_string(filter); return out;
      }
      row[x] = static_cast<std::uint8_t>((in[x] + predictor) & 0xFF);
    }
  }
  return out;
}

}  // namespace voxtrain::testing
