// test_png_encoder.cpp — PNGs from io/tensorboard/png_encoder decoded by the test's own reader (chunk
// CRCs checked with zlib, IDAT inflated with zlib's uncompress): header fields and every pixel.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "support/reference/png_reader.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/io/tensorboard/png_encoder.hpp"

using voxtrain::testing::decode_png;

TEST_CASE("encode_png writes a greyscale image that decodes to the same pixels", "[io]") {
  const int height = 5, width = 7;
  std::vector<std::uint8_t> grey(height * width);
  for (int i = 0; i < height * width; ++i) grey[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i * 7);
  const std::string png = voxtrain::encode_png(grey, height, width, 1);
  const auto decoded = decode_png(png);
  REQUIRE(decoded.error == "");
  CHECK(decoded.chunk_types == std::vector<std::string>{"IHDR", "IDAT", "IEND"});
  CHECK(decoded.width == 7);
  CHECK(decoded.height == 5);
  CHECK(decoded.bit_depth == 8);
  CHECK(decoded.colour_type == 0);
  CHECK(decoded.pixels == grey);
  // The signature and the fixed IHDR chunk, byte for byte (PNG specification, sections 5.2, 11.2.2).
  CHECK(png.substr(0, 16) == std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16));
}

TEST_CASE("encode_png writes an RGB image that decodes to the same samples", "[io]") {
  const int height = 3, width = 2;
  const std::vector<std::uint8_t> rgb{255, 0, 0,   0, 255, 0,    //
                                      0, 0, 255,   255, 255, 0,  //
                                      0, 0, 0,     12, 34, 56};
  const auto decoded = decode_png(voxtrain::encode_png(rgb, height, width, 3));
  REQUIRE(decoded.error == "");
  CHECK(decoded.width == 2);
  CHECK(decoded.height == 3);
  CHECK(decoded.colour_type == 2);
  CHECK(decoded.pixels == rgb);
}

TEST_CASE("encode_png of a one-pixel and of a large image", "[io]") {
  const std::vector<std::uint8_t> one{200};
  const auto single = decode_png(voxtrain::encode_png(one, 1, 1, 1));
  REQUIRE(single.error == "");
  CHECK(single.pixels == one);

  std::vector<std::uint8_t> big(3 * 300 * 257);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 24);
  const auto decoded = decode_png(voxtrain::encode_png(big, 300, 257, 3));
  REQUIRE(decoded.error == "");
  CHECK(decoded.pixels == big);
}

TEST_CASE("encode_png refuses sizes that do not match the pixels", "[io]") {
  const std::vector<std::uint8_t> six(6);
  CHECK_THROWS_AS(voxtrain::encode_png(six, 2, 2, 1), voxtrain::InternalError);
  CHECK_THROWS_AS(voxtrain::encode_png(six, 0, 6, 1), voxtrain::InternalError);
  CHECK_THROWS_AS(voxtrain::encode_png(six, 1, 3, 2), voxtrain::InternalError);
  CHECK_NOTHROW(voxtrain::encode_png(six, 1, 2, 3));
}
