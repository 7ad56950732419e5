// png_encoder.cpp — signature, IHDR, IDAT (every row with filter type 0, the whole image one zlib
// stream from zlib's compress2) and IEND; each chunk's CRC-32 over its type and data from zlib.
#include "voxtrain/io/tensorboard/png_encoder.hpp"

#include <zlib.h>

#include <cstddef>
#include <string_view>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
constexpr std::uint8_t kGrey = 0;
constexpr std::uint8_t kTrueColour = 2;

void put_u32_big_endian(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

// Length, type, data, and the CRC-32 of type and data, as PNG's chunk layout has them.
void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  VOX_ASSERT(type.size() == 4 && data.size() <= 0x7FFFFFFFu);
  put_u32_big_endian(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t type_at = out.size();
  out.append(type);
  out.append(data);
  const auto* crc_from = reinterpret_cast<const Bytef*>(out.data() + type_at);
  const uLong crc = ::crc32_z(::crc32_z(0L, Z_NULL, 0), crc_from, type.size() + data.size());
  put_u32_big_endian(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

std::string encode_png(std::span<const std::uint8_t> pixels, int height, int width, int channels) {
  VOX_ASSERT(height > 0 && width > 0 && (channels == 1 || channels == 3));
  const std::size_t row_bytes = static_cast<std::size_t>(width) * static_cast<std::size_t>(channels);
  VOX_ASSERT(pixels.size() == row_bytes * static_cast<std::size_t>(height));

  std::string header;
  put_u32_big_endian(header, static_cast<std::uint32_t>(width));
  put_u32_big_endian(header, static_cast<std::uint32_t>(height));
  header.push_back(8);  // bits per sample
  header.push_back(static_cast<char>(channels == 1 ? kGrey : kTrueColour));
  header.push_back(0);  // compression: deflate
  header.push_back(0);  // filter method 0 (each row then names its filter type)
  header.push_back(0);  // no interlace

  std::string rows;
  rows.reserve((row_bytes + 1) * static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    rows.push_back(0);  // filter type None
    const auto* row = pixels.data() + static_cast<std::size_t>(y) * row_bytes;
    rows.append(reinterpret_cast<const char*>(row), row_bytes);
  }
  uLongf compressed_size = ::compressBound(static_cast<uLong>(rows.size()));
  std::string compressed(compressed_size, '\0');
  const int rc = ::compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size,
                             reinterpret_cast<const Bytef*>(rows.data()), static_cast<uLong>(rows.size()),
                             Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK)
    throw InternalError(fmt::format("zlib compress2 failed with code {} on a {}x{} PNG image", rc, width, height));
  compressed.resize(compressed_size);

  std::string png(kSignature);
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", compressed);
  put_chunk(png, "IEND", {});
  return png;
}

}  // namespace voxtrain
