// test_crc32c.cpp — CRC-32C against its published check value and the RFC 3720 (iSCSI) vectors,
// and against a bit-by-bit CRC; TFRecord framing against the bytes TensorBoard's RecordWriter wrote.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "voxtrain/core/random.hpp"
#include "voxtrain/io/tensorboard/crc32c.hpp"
#include "voxtrain/io/tensorboard/tfrecord.hpp"

namespace {

// CRC-32C one bit at a time (reflected polynomial 0x82F63B78): the definition, no table.
std::uint32_t bitwise_crc32c(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string from_hex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return bytes;
}

}  // namespace

TEST_CASE("crc32c matches the check value and the RFC 3720 vectors", "[io]") {
  // The catalogue's check value of CRC-32C ("CRC-32/ISCSI"): the CRC of the ASCII digits 1..9.
  CHECK(voxtrain::crc32c(std::string_view("123456789")) == 0xE3069283u);
  CHECK(bitwise_crc32c("123456789") == 0xE3069283u);
  CHECK(voxtrain::crc32c(std::string_view()) == 0u);

  // RFC 3720 appendix B.4: 32 bytes of zeros, of ones, increasing, decreasing, and a read PDU.
  std::string zeros(32, '\0'), ones(32, '\xFF'), increasing, decreasing;
  for (int i = 0; i < 32; ++i) {
    increasing.push_back(static_cast<char>(i));
    decreasing.push_back(static_cast<char>(31 - i));
  }
  const std::string pdu = from_hex(
      "01c00000000000000000000000000000"
      "14000000000004000000001400000018"
      "28000000000000000200000000000000");
  REQUIRE(pdu.size() == 48);
  CHECK(voxtrain::crc32c(zeros) == 0x8A9136AAu);
  CHECK(voxtrain::crc32c(ones) == 0x62A8AB43u);
  CHECK(voxtrain::crc32c(increasing) == 0x46DD794Eu);
  CHECK(voxtrain::crc32c(decreasing) == 0x113FDB5Cu);
  CHECK(voxtrain::crc32c(pdu) == 0xD9963A56u);
  CHECK(voxtrain::crc32c(std::as_bytes(std::span(pdu.data(), pdu.size()))) == 0xD9963A56u);
}

TEST_CASE("crc32c agrees with a bit-by-bit CRC on random data of every length up to 300", "[io]") {
  std::string bytes;
  const std::uint64_t key = voxtrain::random_key({31, 7});
  for (std::uint64_t n = 0; n <= 300; ++n) {
    INFO("length " << n);
    CHECK(voxtrain::crc32c(bytes) == bitwise_crc32c(bytes));
    bytes.push_back(static_cast<char>(voxtrain::uniform01(key, n) * 256));
  }
}

TEST_CASE("tfrecord frames data as TensorBoard's RecordWriter does", "[io]") {
  // Written by tensorboard 2.21.0's tensorboard.summary.writer.record_writer.RecordWriter:
  //   f = io.BytesIO(); RecordWriter(f).write(data); print(f.getvalue().hex())
  CHECK(voxtrain::tfrecord("") == from_hex("000000000000000029039807d8ea82a2"));
  CHECK(voxtrain::tfrecord("a") == from_hex("01000000000000000175de4161786ee428"));
  CHECK(voxtrain::tfrecord("brain.Event:2") ==
        from_hex("0d000000000000003c37b834627261696e2e4576656e743a32ee01067c"));
  std::string increasing;
  for (int i = 0; i < 32; ++i) increasing.push_back(static_cast<char>(i));
  CHECK(voxtrain::tfrecord(increasing) ==
        from_hex("200000000000000029eda950000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f92781f95"));
  // tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c(b"123456789")
  CHECK(voxtrain::masked_crc32c("123456789") == 0xC78AB0E5u);
  CHECK(voxtrain::mask_crc32c(0) == 0xA282EAD8u);
}
