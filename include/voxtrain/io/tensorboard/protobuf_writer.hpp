// protobuf_writer.hpp — a protocol-buffer message encoded by hand (the wire format only: varints,
// fixed 32/64-bit, length-delimited fields, packed doubles), enough for TensorBoard's Event.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace voxtrain {

// Fields are appended in the order they are added; proto3 parsers accept any order and explicit
// zero values. Byte order is little-endian whatever the host's.
class ProtobufWriter {
 public:
  // Wire type 0: an unsigned varint (uint32, uint64, bool, enum).
  void add_uint64(int field, std::uint64_t value);
  // Wire type 0: int32 and int64 as protobuf encodes them (a negative value in 10 bytes).
  void add_int64(int field, std::int64_t value);
  // Wire type 1: a double (little-endian IEEE 754 binary64).
  void add_double(int field, double value);
  // Wire type 5: a float (little-endian IEEE 754 binary32).
  void add_float(int field, float value);
  // Wire type 2: a string, bytes, or an embedded message's encoding.
  void add_bytes(int field, std::string_view bytes);
  void add_message(int field, const ProtobufWriter& message) { add_bytes(field, message.bytes()); }
  // Wire type 2: a packed repeated double (proto3's default for repeated scalars).
  void add_packed_doubles(int field, std::span<const double> values);

  const std::string& bytes() const { return bytes_; }

 private:
  void put_tag(int field, int wire_type);
  void put_varint(std::uint64_t value);
  void put_fixed32(std::uint32_t value);
  void put_fixed64(std::uint64_t value);

  std::string bytes_;
};

}  // namespace voxtrain
