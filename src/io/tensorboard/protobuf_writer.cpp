// protobuf_writer.cpp — the wire format: a tag is the varint (field << 3) | wire type; varints are
// 7 bits per byte, low group first, the high bit set on every byte but the last.
#include "voxtrain/io/tensorboard/protobuf_writer.hpp"

#include <bit>

#include "voxtrain/core/checks/check.hpp"

namespace voxtrain {
namespace {

constexpr int kVarint = 0;
constexpr int kFixed64 = 1;
constexpr int kLengthDelimited = 2;
constexpr int kFixed32 = 5;

}  // namespace

void ProtobufWriter::put_tag(int field, int wire_type) {
  VOX_ASSERT(field >= 1 && field <= (1 << 29) - 1);
  put_varint((static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(wire_type));
}

void ProtobufWriter::put_varint(std::uint64_t value) {
  while (value >= 0x80) {
    bytes_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<char>(value));
}

void ProtobufWriter::put_fixed32(std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void ProtobufWriter::put_fixed64(std::uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void ProtobufWriter::add_uint64(int field, std::uint64_t value) {
  put_tag(field, kVarint);
  put_varint(value);
}

void ProtobufWriter::add_int64(int field, std::int64_t value) {
  put_tag(field, kVarint);
  put_varint(static_cast<std::uint64_t>(value));  // two's complement: -1 is ten bytes
}

void ProtobufWriter::add_double(int field, double value) {
  put_tag(field, kFixed64);
  put_fixed64(std::bit_cast<std::uint64_t>(value));
}

void ProtobufWriter::add_float(int field, float value) {
  put_tag(field, kFixed32);
  put_fixed32(std::bit_cast<std::uint32_t>(value));
}

void ProtobufWriter::add_bytes(int field, std::string_view bytes) {
  put_tag(field, kLengthDelimited);
  put_varint(bytes.size());
  bytes_.append(bytes);
}

void ProtobufWriter::add_packed_doubles(int field, std::span<const double> values) {
  put_tag(field, kLengthDelimited);
  put_varint(8 * values.size());
  for (const double v : values) put_fixed64(std::bit_cast<std::uint64_t>(v));
}

}  // namespace voxtrain
