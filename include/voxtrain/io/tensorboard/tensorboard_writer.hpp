// tensorboard_writer.hpp — a TensorBoard event file (TFRecord of tensorflow.Event protos) with
// scalars, histograms and PNG images, each event written through to the file as it is added.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace voxtrain {

// TensorFlow's default histogram bucket limits (tensorflow/core/lib/histogram): -DBL_MAX, the
// negatives -1e-12 * 1.1^k (largest magnitude first), 0, the positives 1e-12 * 1.1^k below 1e20,
// DBL_MAX. Bucket i holds the values v with limit[i-1] <= v < limit[i].
const std::vector<double>& tensorboard_bucket_limits();

// One file, dir/events.out.tfevents.<unix seconds, 10 digits>.<hostname>.<pid>.<n> (n: the
// first free number from 0), created with its parents; its first record is the file_version
// event "brain.Event:2". Every add_* appends one event record with a single write(2), so a
// killed process leaves whole records (at most a torn last one, which TensorBoard skips).
// Use from one thread at a time.
class TensorBoardWriter {
 public:
  // Throws Error naming the directory or file when either cannot be created.
  explicit TensorBoardWriter(const std::string& dir);
  ~TensorBoardWriter();
  TensorBoardWriter(TensorBoardWriter&& other) noexcept;
  TensorBoardWriter& operator=(TensorBoardWriter&& other) noexcept;
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  // A Summary.Value simple_value (float), shown by TensorBoard's scalars dashboard.
  void add_scalar(const std::string& tag, double value, std::int64_t step);
  // A HistogramProto of the values over tensorboard_bucket_limits(): min, max, num, sum,
  // sum_squares, and the buckets with each run of empty ones collapsed into one (as TensorFlow
  // encodes them). NaNs are left out; infinities count in the outermost buckets. No values: num 0,
  // min and max 0, one empty bucket.
  void add_histogram(const std::string& tag, std::span<const float> values, std::int64_t step);
  // A greyscale image, pixels[y * width + x], mapped linearly from [min, max] of its finite values
  // onto 0..255 (a constant image is all 0; NaN and -inf 0, +inf 255), written as PNG.
  void add_image(const std::string& tag, std::span<const float> pixels, int height, int width, std::int64_t step);
  // An 8-bit RGB image, rgb[(y * width + x) * 3 + c], written as PNG.
  void add_image_rgb(const std::string& tag, std::span<const std::uint8_t> rgb, int height, int width,
                     std::int64_t step);
  // Asks the kernel to put what has been written on disk (fsync); the records themselves are
  // already in the file. Throws Error naming the file when it fails.
  void flush();

  const std::string& path() const { return path_; }

 private:
  void write_summary_value(const std::string& encoded_value, std::int64_t step);
  void write_record(const std::string& event);

  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;  // bytes of whole records in the file
};

}  // namespace voxtrain
