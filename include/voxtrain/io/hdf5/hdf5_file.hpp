// hdf5_file.hpp — a small RAII wrapper over the HDF5 C API: files (HDF5 1.10 format, checksummed), groups,
// datasets of float32/int32/int64/uint8 (compact or chunked with fletcher32, optionally gzip), attributes.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "voxtrain/core/tensor/dtype.hpp"
#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

// True when libhdf5 was built thread-safe: its calls may then come from several threads at once
// (the library serialises them with one lock).
#ifdef H5_HAVE_THREADSAFE
inline constexpr bool kHdf5ThreadSafe = true;
#else
inline constexpr bool kHdf5ThreadSafe = false;
#endif

// One HDF5 identifier and the function that closes it; closed when destroyed. Move-only.
class Hdf5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Hdf5Handle() = default;
  Hdf5Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Hdf5Handle() { reset(); }
  Hdf5Handle(Hdf5Handle&& other) noexcept;
  Hdf5Handle& operator=(Hdf5Handle&& other) noexcept;
  Hdf5Handle(const Hdf5Handle&) = delete;
  Hdf5Handle& operator=(const Hdf5Handle&) = delete;

  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Gives up ownership: the caller closes the id.
  hid_t release() noexcept {
    closer_ = nullptr;
    return std::exchange(id_, -1);
  }
  // Closes now (errors ignored, as in the destructor: HDF5 reports them to nobody).
  void reset() noexcept;

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// How a dataset is laid out and compressed. A chunked dataset voxtrain writes carries a fletcher32
// checksum per chunk unless checksum is false. An empty chunk lets the writer choose: compact (the bytes in the
// object header, under its checksum) up to 16 KiB, else chunks of at most 1 MiB; read back, an
// empty chunk means compact or contiguous storage.
struct Hdf5Layout {
  std::vector<std::int64_t> chunk;  // chunk extents, one per dimension (each >= 1)
  int gzip_level = 0;               // 0: uncompressed; 1..9: deflate (needs a chunk)
  bool extendible_first_axis = false;  // the first axis may grow (H5S_UNLIMITED; needs a chunk)
  bool checksum = true;             // fletcher32 on every chunk (read back: whether the chunks carry it)
};

// What groups and datasets share: the file they live in, their path, and attributes.
// Errors name "<file>: <object path>".
class Hdf5Object {
 public:
  const std::string& file_path() const { return file_; }
  const std::string& name() const { return name_; }  // "/subjects/sub-001"
  hid_t id() const { return handle_.id(); }

  bool has_attribute(const std::string& attribute) const;
  std::vector<std::string> attribute_names() const;  // in name order
  // Attributes are replaced when they exist. Strings are fixed-length UTF-8, null-padded to the
  // longest value (inline, under the header checksum; h5py gives bytes), never in the global heap.
  void write_attribute(const std::string& attribute, const std::string& value) const;
  void write_attribute(const std::string& attribute, std::span<const std::string> values) const;
  void write_attribute(const std::string& attribute, std::int64_t value) const;
  // Doubles with a shape ({} for a scalar, {3}, {4, 4}); values.size() is the shape's product.
  void write_attribute(const std::string& attribute, std::span<const double> values,
                       const std::vector<std::int64_t>& shape) const;

  // Readers throw naming file, object and attribute when it is missing or of another kind.
  // Fixed-length and variable-length strings are both read.
  std::string read_string_attribute(const std::string& attribute) const;
  std::vector<std::string> read_strings_attribute(const std::string& attribute) const;
  std::int64_t read_int_attribute(const std::string& attribute) const;  // integer scalar
  std::vector<double> read_doubles_attribute(const std::string& attribute) const;  // any numeric

  // "<file>: <name>" (or "<file>: <name> attribute 'a'") for messages.
  std::string where(const std::string& attribute = {}) const;

 protected:
  Hdf5Object(std::string file, std::string name, Hdf5Handle handle)
      : file_(std::move(file)), name_(std::move(name)), handle_(std::move(handle)) {}
  std::string child_name(const std::string& child) const;

  std::string file_;
  std::string name_;
  Hdf5Handle handle_;
};

class Hdf5Dataset : public Hdf5Object {
 public:
  std::vector<std::int64_t> shape() const;
  DType dtype() const;  // throws for a type voxtrain does not read
  Hdf5Layout layout() const;
  bool is_string() const;

  // The whole dataset as a host tensor (rank 1 to 5).
  Tensor read() const;
  // Reads the file block [start, start + count) into `out` at out_start (out's shape may be
  // larger than count: the rest of out is left as it is). out is a plain host tensor of the
  // dataset's rank; the values are converted to out's dtype. Chunks checksummed with fletcher32
  // alone are read raw and verified by voxtrain (threads then verify in parallel); anything else
  // is one H5Dread.
  void read_block(std::span<const std::int64_t> start, std::span<const std::int64_t> count, Tensor& out,
                  std::span<const std::int64_t> out_start) const;
  // Writes all of `data` (same shape as the dataset) or a block of it at start.
  void write(const Tensor& data) const;
  void write_block(std::span<const std::int64_t> start, const Tensor& block) const;
  // Grows (or shrinks) an extendible dataset to new_shape.
  void resize(const std::vector<std::int64_t>& new_shape) const;
  // A 1-D dataset of strings.
  std::vector<std::string> read_strings() const;

 private:
  friend class Hdf5Group;
  using Hdf5Object::Hdf5Object;
  // read_block's fast path for chunks whose only filter is fletcher32: raw chunks read with
  // H5Dread_chunk, verified and copied here, outside libhdf5's global lock. False when the dataset
  // does not qualify or a chunk does not verify: read_block then asks libhdf5, whose filter
  // pipeline reads the block (or names the damage).
  bool read_block_from_verified_chunks(std::span<const std::int64_t> start, std::span<const std::int64_t> count,
                                       Tensor& out, std::span<const std::int64_t> out_start) const;
};

class Hdf5Group : public Hdf5Object {
 public:
  // True when a link of that name (group, dataset, ...) exists here; `name` may be a path
  // relative to this group ("subjects/sub-001/image"), checked one step at a time.
  bool has(const std::string& child) const;
  bool has_group(const std::string& child) const;
  bool has_dataset(const std::string& child) const;
  // Names of the direct members (groups and datasets), in name order.
  std::vector<std::string> members() const;

  Hdf5Group open_group(const std::string& child) const;   // throws naming file and path when missing
  // Links (and attributes) whose names hold non-ASCII bytes are created with the UTF-8 character set.
  Hdf5Group create_group(const std::string& child) const;
  Hdf5Dataset open_dataset(const std::string& child) const;
  // A dataset of dtype and shape; rank 1 to 5; the layout's chunk is clipped to the shape.
  Hdf5Dataset create_dataset(const std::string& child, DType dtype, const std::vector<std::int64_t>& shape,
                             const Hdf5Layout& layout = {}) const;
  // create_dataset + write.
  Hdf5Dataset write_dataset(const std::string& child, const Tensor& data, const Hdf5Layout& layout = {}) const;
  // A 1-D dataset of fixed-length UTF-8 strings (as for attributes).
  Hdf5Dataset write_strings(const std::string& child, std::span<const std::string> values) const;

 private:
  friend class Hdf5File;
  using Hdf5Object::Hdf5Object;
};

enum class Hdf5Access { ReadOnly, ReadWrite };

class Hdf5File {
 public:
  // Creates (truncating) a file in the HDF5 1.10 format (libver bounds v110..v110): its metadata
  // (superblock, object headers, heaps, B-trees, chunk indexes) carry checksums. Throws naming
  // the path when it cannot.
  static Hdf5File create(const std::string& path);
  // Opens an existing file. Read-only opens do not use HDF5's file locking (so they work on
  // cluster file systems without locks, and beside a writer that has finished). Throws one line
  // for a missing file, a directory, a file that is not HDF5, and a damaged or truncated one
  // (check_hdf5_superblock runs first). Later, a checksum that does not match (metadata or a
  // chunk) is one line naming the file and the object: "<file>: <object>: checksum mismatch ...".
  static Hdf5File open(const std::string& path, Hdf5Access access = Hdf5Access::ReadOnly);

  const std::string& path() const { return path_; }
  hid_t id() const { return handle_.id(); }
  Hdf5Group root() const;
  void flush() const;
  // Closes the file now, checking that HDF5 wrote everything (the destructor cannot report).
  void close();

 private:
  Hdf5File(std::string path, Hdf5Handle handle) : path_(std::move(path)), handle_(std::move(handle)) {}
  std::string path_;
  Hdf5Handle handle_;
};

// True when the file starts with the HDF5 signature (at offset 0, 512, 1024, ...).
bool looks_like_hdf5(const std::string& path);

}  // namespace voxtrain
