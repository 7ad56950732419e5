// test_protobuf_writer.cpp — the wire format against hand-worked bytes (the examples of the
// protobuf encoding guide: 150 as field 1, "testing" as field 2) and IEEE 754 bit patterns.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "voxtrain/io/tensorboard/protobuf_writer.hpp"

namespace {

std::string bytes_of(std::initializer_list<int> values) {
  std::string out;
  for (const int v : values) out.push_back(static_cast<char>(v));
  return out;
}

}  // namespace

TEST_CASE("protobuf varints and tags are encoded as the encoding guide shows", "[io]") {
  voxtrain::ProtobufWriter w;
  w.add_uint64(1, 150);  // the guide's "08 96 01"
  CHECK(w.bytes() == bytes_of({0x08, 0x96, 0x01}));

  voxtrain::ProtobufWriter small;
  small.add_uint64(15, 0);    // tag (15 << 3) | 0 = 0x78, value 0
  small.add_uint64(16, 127);  // tag 128 needs two bytes: 80 01; 127 is one byte
  small.add_uint64(2, 128);   // 128: 80 01
  small.add_uint64(3, std::numeric_limits<std::uint64_t>::max());  // ten bytes, the last 01
  CHECK(small.bytes() == bytes_of({0x78, 0x00, 0x80, 0x01, 0x7F, 0x10, 0x80, 0x01, 0x18, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

TEST_CASE("protobuf int64 writes negative values in ten bytes", "[io]") {
  voxtrain::ProtobufWriter w;
  w.add_int64(2, -1);
  w.add_int64(2, 300);  // 300 = 0b10_0101100: AC 02
  CHECK(w.bytes() == bytes_of({0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x10, 0xAC, 0x02}));
}

TEST_CASE("protobuf fixed-width doubles and floats are little-endian IEEE 754", "[io]") {
  voxtrain::ProtobufWriter w;
  w.add_double(1, 1.0);   // 0x3FF0000000000000
  w.add_float(2, 1.0f);   // 0x3F800000
  w.add_float(2, -2.5f);  // 0xC0200000
  CHECK(w.bytes() == bytes_of({0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x15, 0, 0, 0x80, 0x3F, 0x15, 0, 0, 0x20, 0xC0}));
}

TEST_CASE("protobuf length-delimited fields: strings, messages and packed doubles", "[io]") {
  voxtrain::ProtobufWriter w;
  w.add_bytes(2, "testing");  // the guide's "12 07 74 65 73 74 69 6e 67"
  CHECK(w.bytes() == bytes_of({0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67}));

  voxtrain::ProtobufWriter outer;
  outer.add_message(3, w);  // field 3, length 9, then the inner bytes
  CHECK(outer.bytes() == bytes_of({0x1A, 0x09}) + w.bytes());

  voxtrain::ProtobufWriter packed;
  const std::vector<double> values{1.0, -2.0};  // 0x3FF0..., 0xC000...
  packed.add_packed_doubles(6, values);
  CHECK(packed.bytes() == bytes_of({0x32, 0x10, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0}));

  voxtrain::ProtobufWriter long_string;
  long_string.add_bytes(1, std::string(200, 'x'));  // length 200: C8 01
  CHECK(long_string.bytes().substr(0, 3) == bytes_of({0x0A, 0xC8, 0x01}));
  CHECK(long_string.bytes().size() == 203);
}
