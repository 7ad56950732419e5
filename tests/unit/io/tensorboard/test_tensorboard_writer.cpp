// test_tensorboard_writer.cpp — event files read back by a reader written here (TFRecord framing, both
// CRCs by a bit-by-bit CRC-32C, protobuf fields decoded by hand, PNGs by support/reference/png_reader):
// the file_version record, scalars, histograms against TensorFlow's bucket rule, images, errors.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "support/reference/png_reader.hpp"
#include "support/test_files.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/io/tensorboard/tensorboard_writer.hpp"

using Catch::Matchers::Contains;
using voxtrain::TensorBoardWriter;
using voxtrain::testing::ScratchDir;

namespace fs = std::filesystem;

namespace {

// ---- the reader: TFRecord framing ------------------------------------------------------------

std::uint32_t bitwise_crc32c(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// TFRecord's mask (tensorflow/core/lib/hash/crc32c.h): rotate right by 15, add a constant.
std::uint32_t masked(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }

std::uint64_t little_endian(std::string_view bytes, std::size_t at, int n) {
  std::uint64_t value = 0;
  for (int i = n - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return value;
}

// Every record's data; fails the test on a short record or a CRC that does not match.
std::vector<std::string> read_records(const std::string& path) {
  const std::string file = voxtrain::testing::read_text(path);
  std::vector<std::string> records;
  std::size_t at = 0;
  while (at < file.size()) {
    REQUIRE(file.size() - at >= 12);
    const std::uint64_t length = little_endian(file, at, 8);
    REQUIRE(little_endian(file, at + 8, 4) == masked(bitwise_crc32c(std::string_view(file).substr(at, 8))));
    REQUIRE(file.size() - at - 12 >= length + 4);
    const std::string data = file.substr(at + 12, length);
    REQUIRE(little_endian(file, at + 12 + length, 4) == masked(bitwise_crc32c(data)));
    records.push_back(data);
    at += 16 + length;
  }
  return records;
}

// ---- the reader: protobuf fields ---------------------------------------------------------------

struct Field {
  int number = 0;
  int wire = 0;
  std::uint64_t scalar = 0;  // a varint, or the raw bits of a fixed32 / fixed64
  std::string bytes;         // a length-delimited field
};

std::uint64_t read_varint(std::string_view m, std::size_t& at) {
  std::uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    REQUIRE(at < m.size());
    REQUIRE(shift < 64);
    const auto byte = static_cast<unsigned char>(m[at++]);
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
}

std::vector<Field> decode(std::string_view m) {
  std::vector<Field> fields;
  std::size_t at = 0;
  while (at < m.size()) {
    const std::uint64_t tag = read_varint(m, at);
    Field f;
    f.number = static_cast<int>(tag >> 3);
    f.wire = static_cast<int>(tag & 7);
    if (f.wire == 0) {
      f.scalar = read_varint(m, at);
    } else if (f.wire == 1 || f.wire == 5) {
      const int n = f.wire == 1 ? 8 : 4;
      REQUIRE(m.size() - at >= static_cast<std::size_t>(n));
      f.scalar = little_endian(m, at, n);
      at += static_cast<std::size_t>(n);
    } else {
      REQUIRE(f.wire == 2);
      const std::uint64_t length = read_varint(m, at);
      REQUIRE(m.size() - at >= length);
      f.bytes = std::string(m.substr(at, length));
      at += length;
    }
    fields.push_back(f);
  }
  return fields;
}

// The one field `number` of the message (it must be there once, with the wire type given).
Field one(const std::vector<Field>& fields, int number, int wire) {
  const Field* found = nullptr;
  for (const auto& f : fields) {
    if (f.number != number) continue;
    REQUIRE(found == nullptr);
    found = &f;
  }
  INFO("field " << number);
  REQUIRE(found != nullptr);
  REQUIRE(found->wire == wire);
  return *found;
}

double as_double(const Field& f) { return std::bit_cast<double>(f.scalar); }
float as_float(const Field& f) { return std::bit_cast<float>(static_cast<std::uint32_t>(f.scalar)); }

std::vector<double> packed_doubles(const Field& f) {
  REQUIRE(f.bytes.size() % 8 == 0);
  std::vector<double> values;
  for (std::size_t at = 0; at < f.bytes.size(); at += 8) values.push_back(std::bit_cast<double>(little_endian(f.bytes, at, 8)));
  return values;
}

// An Event holding a Summary with one Value: (step, wall_time, the Value's fields).
struct SummaryEvent {
  std::int64_t step = 0;
  double wall_time = 0;
  std::string tag;
  std::vector<Field> value;  // Summary.Value's fields
};

SummaryEvent summary_event(const std::string& record) {
  const auto event = decode(record);
  SummaryEvent e;
  e.wall_time = as_double(one(event, 1, 1));
  e.step = static_cast<std::int64_t>(one(event, 2, 0).scalar);
  const auto summary = decode(one(event, 5, 2).bytes);
  REQUIRE(summary.size() == 1);
  e.value = decode(one(summary, 1, 2).bytes);
  e.tag = one(e.value, 1, 2).bytes;
  return e;
}

std::string only_event_file(const fs::path& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path().string());
  REQUIRE(files.size() == 1);
  return files.front();
}

// ---- TensorFlow's histogram rule, from its definition ------------------------------------------

std::vector<double> tf_bucket_limits() {
  std::vector<double> positive;
  double v = 1.0e-12;
  while (v < 1.0e20) {
    positive.push_back(v);
    v *= 1.1;
  }
  std::vector<double> limits{-std::numeric_limits<double>::max()};
  for (std::size_t i = positive.size(); i-- > 0;) limits.push_back(-positive[i]);
  limits.push_back(0.0);
  for (const double p : positive) limits.push_back(p);
  limits.push_back(std::numeric_limits<double>::max());
  return limits;
}

// (limit, count) of each bucket TensorFlow keeps: the non-empty ones, and of each run of empty
// buckets its last one. Counts by a linear search for the first limit above the value.
std::vector<std::pair<double, double>> expected_buckets(const std::vector<float>& values) {
  const auto limits = tf_bucket_limits();
  std::vector<double> counts(limits.size(), 0.0);
  for (const float f : values) {
    if (std::isnan(f)) continue;
    std::size_t b = 0;
    while (b + 1 < limits.size() && !(static_cast<double>(f) < limits[b])) ++b;
    counts[b] += 1;
  }
  std::vector<std::pair<double, double>> kept;
  for (std::size_t i = 0; i < limits.size(); ++i) {
    const bool last_of_empty_run = counts[i] == 0 && (i + 1 == limits.size() || counts[i + 1] > 0);
    if (counts[i] > 0 || last_of_empty_run) kept.emplace_back(limits[i], counts[i]);
  }
  return kept;
}

struct Histo {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> limit, count;
};

Histo histo_of(const SummaryEvent& e) {
  const auto h = decode(one(e.value, 5, 2).bytes);
  Histo out;
  out.min = as_double(one(h, 1, 1));
  out.max = as_double(one(h, 2, 1));
  out.num = as_double(one(h, 3, 1));
  out.sum = as_double(one(h, 4, 1));
  out.sum_squares = as_double(one(h, 5, 1));
  out.limit = packed_doubles(one(h, 6, 2));
  out.count = packed_doubles(one(h, 7, 2));
  REQUIRE(out.limit.size() == out.count.size());
  return out;
}

struct Image {
  std::int64_t height = 0, width = 0, colorspace = 0;
  voxtrain::testing::DecodedPng png;
};

Image image_of(const SummaryEvent& e) {
  const auto fields = decode(one(e.value, 4, 2).bytes);
  Image out;
  out.height = static_cast<std::int64_t>(one(fields, 1, 0).scalar);
  out.width = static_cast<std::int64_t>(one(fields, 2, 0).scalar);
  out.colorspace = static_cast<std::int64_t>(one(fields, 3, 0).scalar);
  out.png = voxtrain::testing::decode_png(one(fields, 4, 2).bytes);
  return out;
}

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("a TensorBoard event file starts with the brain.Event:2 record and is named as TensorFlow names it",
          "[io]") {
  const ScratchDir t("tensorboard");
  const fs::path dir = t.path() / "model" / "logs";
  const double before = seconds_now();
  TensorBoardWriter writer(dir.string());
  const double after = seconds_now();
  CHECK(fs::path(writer.path()).parent_path() == dir);
  CHECK(only_event_file(dir) == writer.path());

  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof(host) - 1) == 0);
  const std::string name = fs::path(writer.path()).filename().string();
  std::smatch m;
  REQUIRE(std::regex_match(name, m, std::regex(R"(events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.0)")));
  CHECK(m[2].str() == host);
  CHECK(std::stol(m[3].str()) == static_cast<long>(::getpid()));
  const long seconds = std::stol(m[1].str());
  CHECK(seconds >= static_cast<long>(before));
  CHECK(seconds <= static_cast<long>(after));

  const auto records = read_records(writer.path());
  REQUIRE(records.size() == 1);
  const auto event = decode(records[0]);
  CHECK(one(event, 3, 2).bytes == "brain.Event:2");
  CHECK(one(event, 2, 0).scalar == 0);
  const double wall_time = as_double(one(event, 1, 1));
  CHECK(wall_time >= std::floor(before));
  CHECK(wall_time <= after);

  // A second writer in the same directory gets a file of its own.
  TensorBoardWriter second(dir.string());
  CHECK(second.path() != writer.path());
  CHECK(read_records(writer.path()).size() == 1);
}

TEST_CASE("TensorBoardWriter scalars are simple_value floats with their tags and steps", "[io]") {
  const ScratchDir t("tensorboard");
  TensorBoardWriter writer(t.path().string());
  writer.add_scalar("loss", 0.75, 0);
  writer.add_scalar("loss", 1.0 / 3.0, 7);
  writer.add_scalar("learning_rate", 1e-4, std::int64_t{1} << 40);
  writer.add_scalar("dice/label_1", -2.5, -1);
  writer.flush();

  const auto records = read_records(writer.path());
  REQUIRE(records.size() == 5);
  const struct {
    const char* tag;
    float value;
    std::int64_t step;
  } expected[] = {{"loss", 0.75f, 0}, {"loss", 1.0f / 3.0f, 7}, {"learning_rate", 1e-4f, std::int64_t{1} << 40},
                  {"dice/label_1", -2.5f, -1}};
  double last_wall_time = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto e = summary_event(records[i + 1]);
    CHECK(e.tag == expected[i].tag);
    CHECK(e.step == expected[i].step);
    CHECK(as_float(one(e.value, 2, 5)) == expected[i].value);
    CHECK(e.wall_time >= last_wall_time);
    last_wall_time = e.wall_time;
  }
}

TEST_CASE("TensorBoardWriter histograms follow TensorFlow's default buckets", "[io]") {
  const ScratchDir t("tensorboard");
  TensorBoardWriter writer(t.path().string());
  const std::vector<float> values{-3.5f, -1e-13f, 0.0f, 0.0f, 0.5f, 0.5f, 0.5f, 0.51f, 2.0f, 1e6f};
  writer.add_histogram("weights/conv1", values, 12);

  const auto records = read_records(writer.path());
  REQUIRE(records.size() == 2);
  const auto e = summary_event(records[1]);
  CHECK(e.tag == "weights/conv1");
  CHECK(e.step == 12);
  const Histo h = histo_of(e);
  CHECK(h.min == -3.5);
  CHECK(h.max == 1e6);
  CHECK(h.num == 10);
  double sum = 0, sum_squares = 0;
  for (const float v : values) {
    sum += v;
    sum_squares += static_cast<double>(v) * v;
  }
  CHECK(h.sum == Approx(sum).epsilon(1e-15));
  CHECK(h.sum_squares == Approx(sum_squares).epsilon(1e-15));

  const auto expected = expected_buckets(values);
  REQUIRE(h.limit.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("bucket " << i);
    CHECK(h.limit[i] == expected[i].first);
    CHECK(h.count[i] == expected[i].second);
  }

  // By hand: 0 lies in [0, 1e-12); -1e-13 in [-1e-12, 0); 0.5 and 0.51 share a bucket 10 % wide.
  auto count_below = [&](double limit) {
    for (std::size_t i = 0; i < h.limit.size(); ++i)
      if (h.limit[i] == limit) return h.count[i];
    return -1.0;
  };
  CHECK(count_below(1e-12) == 2);
  CHECK(count_below(0.0) == 1);
  std::size_t half = 0;
  while (!(h.limit[half] > 0.51)) ++half;
  CHECK(h.count[half] == 4);
  REQUIRE(half > 0);
  CHECK(h.count[half - 1] == 0);  // the collapsed run before it ends at the bucket's left edge
  CHECK(h.limit[half - 1] <= 0.5);
  CHECK(h.limit[half] / h.limit[half - 1] == Approx(1.1).epsilon(1e-12));
  double total = 0;
  for (const double c : h.count) total += c;
  CHECK(total == 10);
  // TensorFlow's 1551 default limits: 774 powers 1.1^k * 1e-12 below 1e20 each way, 0, +-DBL_MAX.
  CHECK(voxtrain::tensorboard_bucket_limits() == tf_bucket_limits());
  CHECK(voxtrain::tensorboard_bucket_limits().size() == 1551);
}

TEST_CASE("TensorBoardWriter histograms leave NaN out and put infinities in the outer buckets", "[io]") {
  const ScratchDir t("tensorboard");
  TensorBoardWriter writer(t.path().string());
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values{1.0f, std::numeric_limits<float>::quiet_NaN(), inf, -inf};
  writer.add_histogram("grad", values, 3);
  writer.add_histogram("empty", {}, 4);

  const auto records = read_records(writer.path());
  REQUIRE(records.size() == 3);
  const Histo h = histo_of(summary_event(records[1]));
  CHECK(h.num == 3);
  CHECK(h.min == -std::numeric_limits<double>::infinity());
  CHECK(h.max == std::numeric_limits<double>::infinity());
  REQUIRE(h.limit.size() >= 3);
  CHECK(h.limit.front() == -std::numeric_limits<double>::max());
  CHECK(h.count.front() == 1);
  CHECK(h.limit.back() == std::numeric_limits<double>::max());
  CHECK(h.count.back() == 1);

  const Histo empty = histo_of(summary_event(records[2]));
  CHECK(empty.num == 0);
  CHECK(empty.min == 0);
  CHECK(empty.max == 0);
  CHECK(empty.limit == std::vector<double>{std::numeric_limits<double>::max()});
  CHECK(empty.count == std::vector<double>{0});
}

TEST_CASE("TensorBoardWriter images are PNGs scaled from min..max to 0..255", "[io]") {
  const ScratchDir t("tensorboard");
  TensorBoardWriter writer(t.path().string());
  const int height = 3, width = 4;
  std::vector<float> pixels(height * width);
  for (int i = 0; i < height * width; ++i) pixels[static_cast<std::size_t>(i)] = -1.0f + 0.5f * static_cast<float>(i);
  writer.add_image("input/mid_slice", pixels, height, width, 5);
  const std::vector<float> flat(6, 3.25f);
  writer.add_image("label/mid_slice", flat, 2, 3, 5);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<float> odd{0.0f, nan, 2.0f, inf, -inf, 1.0f};
  writer.add_image("odd", odd, 1, 6, 5);
  const std::vector<std::uint8_t> rgb{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90};
  writer.add_image_rgb("prediction/mid_slice", rgb, 2, 3, 6);

  const auto records = read_records(writer.path());
  REQUIRE(records.size() == 5);

  const auto e = summary_event(records[1]);
  CHECK(e.tag == "input/mid_slice");
  CHECK(e.step == 5);
  const Image grey = image_of(e);
  CHECK(grey.height == 3);
  CHECK(grey.width == 4);
  CHECK(grey.colorspace == 1);
  REQUIRE(grey.png.error == "");
  CHECK(grey.png.colour_type == 0);
  CHECK(grey.png.width == 4);
  CHECK(grey.png.height == 3);
  // -1 .. 4.5 in steps of 0.5: pixel i is round(i * 255 / 11).
  std::vector<std::uint8_t> expected;
  for (int i = 0; i < 12; ++i) expected.push_back(static_cast<std::uint8_t>(std::lround(i * 255.0 / 11.0)));
  CHECK(grey.png.pixels == expected);
  CHECK(expected[11] == 255);
  CHECK(expected[1] == 23);  // 23.18...

  const Image constant = image_of(summary_event(records[2]));
  REQUIRE(constant.png.error == "");
  CHECK(constant.png.pixels == std::vector<std::uint8_t>(6, 0));

  // Finite range 0..2; NaN and -inf 0, +inf 255.
  const Image special = image_of(summary_event(records[3]));
  REQUIRE(special.png.error == "");
  CHECK(special.png.pixels == std::vector<std::uint8_t>{0, 0, 255, 255, 0, 128});

  const auto c = summary_event(records[4]);
  CHECK(c.tag == "prediction/mid_slice");
  CHECK(c.step == 6);
  const Image colour = image_of(c);
  CHECK(colour.height == 2);
  CHECK(colour.width == 3);
  CHECK(colour.colorspace == 3);
  REQUIRE(colour.png.error == "");
  CHECK(colour.png.colour_type == 2);
  CHECK(colour.png.pixels == rgb);
}

TEST_CASE("TensorBoardWriter names the directory it cannot create", "[io]") {
  const ScratchDir t("tensorboard");
  const std::string file = t.write("model/logs", "a file where the log directory should be");
  const std::string message = voxtrain::testing::error_message_of([&] { TensorBoardWriter w(file); });
  CHECK_THAT(message, Contains("cannot create the TensorBoard log directory '" + file + "'"));
  CHECK(message.find('\n') == std::string::npos);
  const std::string below = voxtrain::testing::error_message_of([&] { TensorBoardWriter w(file + "/deeper"); });
  CHECK_THAT(below, Contains(file + "/deeper"));
}

TEST_CASE("TensorBoardWriter reports a failed write and leaves only whole records", "[io]") {
  const ScratchDir t("tensorboard");
  TensorBoardWriter writer(t.path().string());
  writer.add_scalar("loss", 1.0, 1);
  const auto size_before = fs::file_size(writer.path());

  // A file-size limit a little above the current size: the next large record is cut short
  // (EFBIG, with SIGXFSZ ignored). Restored before any check can end the test.
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  struct sigaction ignore {}, old_action{};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGXFSZ, &ignore, &old_action) == 0);
  rlimit small = old;
  small.rlim_cur = static_cast<rlim_t>(size_before + 100);
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::vector<float> many(10000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<float>(i) * 0.37f;
  const std::string message = voxtrain::testing::error_or_none([&] { writer.add_histogram("big", many, 2); });
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::sigaction(SIGXFSZ, &old_action, nullptr);

  CHECK_THAT(message, Contains("cannot write to the TensorBoard event file '" + writer.path() + "'"));
  CHECK(fs::file_size(writer.path()) == size_before);  // the torn record was cut off
  writer.add_scalar("loss", 0.5, 3);                   // and later records follow whole ones
  const auto records = read_records(writer.path());
  REQUIRE(records.size() == 3);
  CHECK(summary_event(records[2]).step == 3);
}

TEST_CASE("a moved TensorBoardWriter goes on writing to the same file", "[io]") {
  const ScratchDir t("tensorboard");
  TensorBoardWriter first(t.path().string());
  const std::string path = first.path();
  first.add_scalar("a", 1.0, 1);
  TensorBoardWriter moved(std::move(first));
  moved.add_scalar("a", 2.0, 2);
  CHECK(moved.path() == path);
  const auto records = read_records(path);
  REQUIRE(records.size() == 3);
  CHECK(summary_event(records[2]).step == 2);
}
