// png_reader.hpp — a PNG decoder for tests, written apart from io/tensorboard/png_encoder: chunks walked
// and their CRC-32s checked with zlib, IHDR read, IDAT inflated with zlib's uncompress and unfiltered.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace voxtrain::testing {

struct DecodedPng {
  std::string error;  // "" when the file decoded; else what is wrong with it
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, colour_type = 0, interlace = 0;
  std::vector<std::string> chunk_types;  // in file order
  std::vector<std::uint8_t> pixels;      // rows top first, samples interleaved
};

// Decodes 8-bit greyscale (colour type 0) and RGB (2) images without interlace, any of the five
// row filters; anything else, a bad signature, chunk CRC or size, is reported in `error`.
DecodedPng decode_png(std::string_view png);

}  // namespace voxtrain::testing
