// crc32c.hpp — CRC-32C (Castagnoli, as iSCSI and TFRecord use it) and the masked form in which a
// TFRecord stores it after each record's length and data.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace voxtrain {

// The CRC-32C of the bytes (reflected polynomial 0x82F63B78, initial and final XOR 0xFFFFFFFF):
// "123456789" gives 0xE3069283.
std::uint32_t crc32c(std::span<const std::byte> bytes);
std::uint32_t crc32c(std::string_view bytes);

// TFRecord's mask of a CRC: rotated right by 15 bits, plus 0xA282EAD8 (modulo 2^32).
std::uint32_t mask_crc32c(std::uint32_t crc);
std::uint32_t masked_crc32c(std::string_view bytes);

}  // namespace voxtrain
