// png_encoder.hpp — an 8-bit greyscale or RGB image as PNG bytes (one zlib-compressed IDAT, no
// filtering, no interlace), for TensorBoard's image summaries.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace voxtrain {

// pixels: height rows of width pixels, top row first, each pixel `channels` bytes (1: grey,
// 3: red, green, blue). height and width must be positive and pixels.size() equal to
// height * width * channels; anything else is a caller's bug (InternalError).
std::string encode_png(std::span<const std::uint8_t> pixels, int height, int width, int channels);

}  // namespace voxtrain
