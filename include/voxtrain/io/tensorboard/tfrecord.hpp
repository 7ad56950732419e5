// tfrecord.hpp — one TFRecord, the framing of every record in a TensorBoard event file:
// uint64 length, masked CRC-32C of the length, the data, masked CRC-32C of the data.
#pragma once

#include <string>
#include <string_view>

namespace voxtrain {

// The record's bytes (length and CRCs little-endian), ready to append to a file.
std::string tfrecord(std::string_view data);

}  // namespace voxtrain
