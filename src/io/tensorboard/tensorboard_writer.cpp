// tensorboard_writer.cpp — Event and Summary protos (field numbers of tensorboard/compat/proto
// event.proto, summary.proto, histogram.proto) framed as TFRecords and appended to the file.
#include "voxtrain/io/tensorboard/tensorboard_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <utility>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/io/tensorboard/png_encoder.hpp"
#include "voxtrain/io/tensorboard/protobuf_writer.hpp"
#include "voxtrain/io/tensorboard/tfrecord.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

// tensorflow.Event
constexpr int kEventWallTime = 1;
constexpr int kEventStep = 2;
constexpr int kEventFileVersion = 3;
constexpr int kEventSummary = 5;
// tensorflow.Summary and Summary.Value
constexpr int kSummaryValue = 1;
constexpr int kValueTag = 1;
constexpr int kValueSimpleValue = 2;
constexpr int kValueImage = 4;
constexpr int kValueHisto = 5;
// tensorflow.Summary.Image
constexpr int kImageHeight = 1;
constexpr int kImageWidth = 2;
constexpr int kImageColorspace = 3;
constexpr int kImageEncoded = 4;
// tensorflow.HistogramProto
constexpr int kHistoMin = 1;
constexpr int kHistoMax = 2;
constexpr int kHistoNum = 3;
constexpr int kHistoSum = 4;
constexpr int kHistoSumSquares = 5;
constexpr int kHistoBucketLimit = 6;
constexpr int kHistoBucket = 7;

constexpr const char* kFileVersion = "brain.Event:2";

double wall_time_now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(now).count();
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  std::string host(name);
  std::replace(host.begin(), host.end(), '/', '_');
  return host;
}

ProtobufWriter event_header(double wall_time, std::int64_t step) {
  ProtobufWriter event;
  event.add_double(kEventWallTime, wall_time);
  event.add_int64(kEventStep, step);
  return event;
}

std::uint8_t grey_level(float v, double lo, double hi) {
  if (std::isnan(v)) return 0;
  if (std::isinf(v)) return v > 0 ? 255 : 0;
  if (!(hi > lo)) return 0;
  const double scaled = std::round((static_cast<double>(v) - lo) * 255.0 / (hi - lo));
  return static_cast<std::uint8_t>(std::clamp(scaled, 0.0, 255.0));
}

std::string image_value(const std::string& tag, const std::string& png, int height, int width, int colorspace) {
  ProtobufWriter image;
  image.add_int64(kImageHeight, height);
  image.add_int64(kImageWidth, width);
  image.add_int64(kImageColorspace, colorspace);
  image.add_bytes(kImageEncoded, png);
  ProtobufWriter value;
  value.add_bytes(kValueTag, tag);
  value.add_message(kValueImage, image);
  return value.bytes();
}

}  // namespace

const std::vector<double>& tensorboard_bucket_limits() {
  static const std::vector<double> limits = [] {
    std::vector<double> positive;
    for (double v = 1.0e-12; v < 1.0e20; v *= 1.1) positive.push_back(v);
    std::vector<double> all;
    all.reserve(2 * positive.size() + 3);
    all.push_back(-std::numeric_limits<double>::max());
    for (auto it = positive.rbegin(); it != positive.rend(); ++it) all.push_back(-*it);
    all.push_back(0.0);
    all.insert(all.end(), positive.begin(), positive.end());
    all.push_back(std::numeric_limits<double>::max());
    return all;
  }();
  return limits;
}

TensorBoardWriter::TensorBoardWriter(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec))
    throw error("cannot create the TensorBoard log directory '{}': {}; check the path and its permissions", dir,
                ec ? ec.message() : "a file of that name is in the way");
  const double now = wall_time_now();
  const std::string stem = fmt::format("events.out.tfevents.{:010d}.{}.{}", static_cast<long long>(now),
                                       host_name(), static_cast<long>(::getpid()));
  for (int n = 0; fd_ < 0; ++n) {
    path_ = (fs::path(dir) / fmt::format("{}.{}", stem, n)).string();
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0 && errno != EEXIST)
      throw error("cannot create the TensorBoard event file '{}': {}; check the directory's permissions", path_,
                  std::strerror(errno));
  }
  ProtobufWriter event = event_header(now, 0);
  event.add_bytes(kEventFileVersion, kFileVersion);
  try {
    write_record(event.bytes());
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

TensorBoardWriter::~TensorBoardWriter() {
  if (fd_ >= 0) ::close(fd_);
}

TensorBoardWriter::TensorBoardWriter(TensorBoardWriter&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

TensorBoardWriter& TensorBoardWriter::operator=(TensorBoardWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

void TensorBoardWriter::add_scalar(const std::string& tag, double value, std::int64_t step) {
  ProtobufWriter summary_value;
  summary_value.add_bytes(kValueTag, tag);
  summary_value.add_float(kValueSimpleValue, static_cast<float>(value));
  write_summary_value(summary_value.bytes(), step);
}

void TensorBoardWriter::add_histogram(const std::string& tag, std::span<const float> values, std::int64_t step) {
  const std::vector<double>& limits = tensorboard_bucket_limits();
  std::vector<double> counts(limits.size(), 0.0);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  double num = 0, sum = 0, sum_squares = 0;
  for (const float f : values) {
    if (std::isnan(f)) continue;
    const double v = f;
    const auto above = std::upper_bound(limits.begin(), limits.end(), v);  // first limit > v
    const auto bucket = std::min(static_cast<std::size_t>(above - limits.begin()), limits.size() - 1);
    counts[bucket] += 1.0;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    num += 1.0;
    sum += v;
    sum_squares += v * v;
  }
  if (num == 0) lo = hi = 0;

  // Each run of empty buckets becomes one empty bucket ending where the run ends.
  std::vector<double> bucket_limit, bucket;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0.0) {
      while (i + 1 < counts.size() && counts[i + 1] == 0.0) ++i;
    }
    bucket_limit.push_back(limits[i]);
    bucket.push_back(counts[i]);
  }

  ProtobufWriter histo;
  histo.add_double(kHistoMin, lo);
  histo.add_double(kHistoMax, hi);
  histo.add_double(kHistoNum, num);
  histo.add_double(kHistoSum, sum);
  histo.add_double(kHistoSumSquares, sum_squares);
  histo.add_packed_doubles(kHistoBucketLimit, bucket_limit);
  histo.add_packed_doubles(kHistoBucket, bucket);
  ProtobufWriter summary_value;
  summary_value.add_bytes(kValueTag, tag);
  summary_value.add_message(kValueHisto, histo);
  write_summary_value(summary_value.bytes(), step);
}

void TensorBoardWriter::add_image(const std::string& tag, std::span<const float> pixels, int height, int width,
                                  std::int64_t step) {
  VOX_ASSERT(height > 0 && width > 0);
  VOX_ASSERT(pixels.size() == static_cast<std::size_t>(height) * static_cast<std::size_t>(width));
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const float v : pixels) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, static_cast<double>(v));
    hi = std::max(hi, static_cast<double>(v));
  }
  std::vector<std::uint8_t> grey(pixels.size());
  std::transform(pixels.begin(), pixels.end(), grey.begin(), [&](float v) { return grey_level(v, lo, hi); });
  write_summary_value(image_value(tag, encode_png(grey, height, width, 1), height, width, 1), step);
}

void TensorBoardWriter::add_image_rgb(const std::string& tag, std::span<const std::uint8_t> rgb, int height,
                                      int width, std::int64_t step) {
  write_summary_value(image_value(tag, encode_png(rgb, height, width, 3), height, width, 3), step);
}

void TensorBoardWriter::flush() {
  VOX_ASSERT(fd_ >= 0);
  if (::fsync(fd_) != 0)
    throw error("cannot flush the TensorBoard event file '{}' to disk: {}", path_, std::strerror(errno));
}

void TensorBoardWriter::write_summary_value(const std::string& encoded_value, std::int64_t step) {
  ProtobufWriter summary;
  summary.add_bytes(kSummaryValue, encoded_value);
  ProtobufWriter event = event_header(wall_time_now(), step);
  event.add_message(kEventSummary, summary);
  write_record(event.bytes());
}

void TensorBoardWriter::write_record(const std::string& event) {
  VOX_ASSERT_MSG(fd_ >= 0, "a moved-from TensorBoardWriter was used");
  const std::string record = tfrecord(event);
  std::size_t done = 0;
  while (done < record.size()) {
    const ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = n < 0 ? std::strerror(errno) : "nothing was written";
      // Cut a torn record off (best effort), so that records added later can still be read.
      const int cut = ::ftruncate(fd_, static_cast<off_t>(size_));
      static_cast<void>(cut);
      throw error("cannot write to the TensorBoard event file '{}': {}; check the free space on its file system",
                  path_, reason);
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += record.size();
}

}  // namespace voxtrain
