// tfrecord.cpp — the 16 bytes of framing around a record's data; the CRCs from io/tensorboard/crc32c.
#include "voxtrain/io/tensorboard/tfrecord.hpp"

#include <cstdint>

#include "voxtrain/io/tensorboard/crc32c.hpp"

namespace voxtrain {
namespace {

void put_little_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

}  // namespace

std::string tfrecord(std::string_view data) {
  std::string record;
  record.reserve(data.size() + 16);
  put_little_endian(record, data.size(), 8);
  put_little_endian(record, masked_crc32c(record), 4);
  record.append(data);
  put_little_endian(record, masked_crc32c(data), 4);
  return record;
}

}  // namespace voxtrain
