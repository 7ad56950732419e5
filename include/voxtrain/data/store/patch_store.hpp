// patch_store.hpp — the HDF5 patch store: subjects' preprocessed volumes (and optional pre-extracted
// patches) in one file with the settings that made them; patches read by hyperslab (docs/DATA_FORMAT.md).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/data/sampling/patch_location.hpp"
#include "voxtrain/data/subject.hpp"

namespace voxtrain {

// The layout version this build writes and the newest it reads (root attribute
// voxtrain_format_version).
inline constexpr std::int64_t kPatchStoreFormatVersion = 1;

// The preprocessing settings that produced a store ("normalisation.whitening" -> "true",
// "spatial.pixdim" -> "(1, 1, 1)"), kept as text so a config can be compared with a store.
struct PreprocessingFingerprint {
  std::map<std::string, std::string> settings;
  friend bool operator==(const PreprocessingFingerprint&, const PreprocessingFingerprint&) = default;
};

// How subjects' volumes are chunked and compressed. The defaults are bench/bench_patch_store.cpp's
// winner (docs/PERFORMANCE.md): all channels in 32^3 chunks, uncompressed; gzip made 64^3 patch
// reads 40-100 times slower for a quarter less disk on noisy float data.
struct PatchStoreOptions {
  // Chunk [c, d, h, w] of each image [C, D, H, W]; each extent is clipped to the volume's, and
  // c = 0 means all channels in one chunk. Label, weight and sampling maps use [1, d, h, w].
  std::array<std::int64_t, 4> chunk{0, 32, 32, 32};
  int gzip_level = 0;  // 0: uncompressed; 1..9: gzip (deflate) at that level
  // fletcher32 on every chunk of the volumes and patches, so that damaged data is an error, not
  // wrong voxels. It costs patch reads about 3x (docs/PERFORMANCE.md); the metadata checksums
  // (structure, attributes) are always on.
  bool data_checksums = true;
};

// "none" -> 0, "gzip" -> 4, "gzip-1" .. "gzip-9" -> 1..9; anything else throws Error naming
// `where` (e.g. "--compression") and the accepted values.
int parse_compression(const std::string& text, const std::string& where);
std::string compression_name(int gzip_level);  // "none", "gzip-4"

// Writes a store. Everything goes to `<path>.tmp-<pid>-<n>` beside path, which commit() closes and
// renames to path: a crash, an exception or a writer destroyed without commit() leaves no file
// under path (and removes the temporary one when it can). One thread at a time.
class PatchStoreWriter {
 public:
  PatchStoreWriter(std::string path, const PreprocessingFingerprint& fingerprint, PatchStoreOptions options = {});
  ~PatchStoreWriter();
  PatchStoreWriter(const PatchStoreWriter&) = delete;
  PatchStoreWriter& operator=(const PatchStoreWriter&) = delete;

  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return temporary_path_; }

  // Adds /subjects/<id> in call order. image [C, D, H, W] float32; label [1, D, H, W] int32,
  // weight and sampling_map [1, D, H, W] float32, each optional. Throws naming the subject for
  // a bad or repeated id, shapes or dtypes that do not fit, or a channel count unlike the others'.
  void add_subject(const Subject& subject);
  // Appends N pre-extracted patches: images [N, C, d, h, w] float32, labels [N, 1, d, h, w] int32
  // or undefined (then in every call), locations.size() == N; later calls must match the first's
  // patch shape.
  void add_patches(const Tensor& images, const Tensor& labels, std::span<const PatchLocation> locations);

  std::int64_t subject_count() const { return static_cast<std::int64_t>(subject_ids_.size()); }
  std::int64_t patch_count() const { return patch_count_; }

  // Writes the subject index, closes the file and renames it to path (replacing a file there).
  void commit();

 private:
  struct Open;  // the HDF5 file and groups while writing
  std::string path_;
  std::string temporary_path_;
  PatchStoreOptions options_;
  std::unique_ptr<Open> open_;
  std::vector<std::string> subject_ids_;
  std::int64_t channels_ = 0;
  std::int64_t patch_count_ = 0;
  bool committed_ = false;
};

// What a subject's entry holds, without reading its voxels.
struct StoredSubjectInfo {
  std::string id;
  Shape image_shape;          // [C, D, H, W]
  bool has_label = false;
  bool has_weight = false;
  bool has_sampling_map = false;
  std::array<double, 3> spacing{1, 1, 1};
  std::vector<std::int64_t> image_chunk;  // the image's HDF5 chunk, empty when contiguous
  int gzip_level = 0;                     // the image's compression, 0 = none
  bool checksum = false;                  // the image's chunks carry fletcher32 (stores since 2026-12)
};

// A run of pre-extracted patches.
struct StoredPatches {
  Tensor images;                         // [n, C, d, h, w] float32
  Tensor labels;                         // [n, 1, d, h, w] int32, or undefined
  std::vector<PatchLocation> locations;  // n entries
};

// Reads a store, opened read-only without file locking. Everything the constructor reads
// (version, fingerprint, subject ids, patch count) is fixed afterwards and the reads open their
// own HDF5 objects, so with libhdf5 built thread-safe (kHdf5ThreadSafe) several threads may call
// one reader at once; HDF5 serialises the calls. Readers in separate threads need not share one.
class PatchStoreReader {
 public:
  // Throws one line for a missing file, a file that is not HDF5 or not a patch store, a store
  // from a newer voxtrain, and a damaged store.
  explicit PatchStoreReader(const std::string& path);
  ~PatchStoreReader();
  PatchStoreReader(PatchStoreReader&&) noexcept;
  PatchStoreReader& operator=(PatchStoreReader&&) noexcept;

  const std::string& path() const { return path_; }
  std::int64_t format_version() const { return format_version_; }
  const std::string& written_by() const { return written_by_; }  // "voxtrain 0.1.0", or ""
  const PreprocessingFingerprint& fingerprint() const { return fingerprint_; }

  std::int64_t subject_count() const { return static_cast<std::int64_t>(subject_ids_.size()); }
  const std::vector<std::string>& subject_ids() const { return subject_ids_; }
  // The index of subject `id`; throws naming the store and the id when it is not there.
  std::int64_t subject_index(const std::string& id) const;
  StoredSubjectInfo subject_info(std::int64_t index) const;
  Subject read_subject(std::int64_t index) const;
  // The patch `at` (its start/end; at.subject is not consulted) of subject `index`'s image,
  // [C, d, h, w], read with one hyperslab; voxels outside the volume are 0.
  Tensor read_image_patch(std::int64_t index, const PatchLocation& at) const;
  // The same for the label, [1, d, h, w] int32 (0 outside); throws when the subject has none.
  Tensor read_label_patch(std::int64_t index, const PatchLocation& at) const;
  // The same for the weight map, [1, d, h, w] float32 (0 outside); throws when the subject has none.
  Tensor read_weight_patch(std::int64_t index, const PatchLocation& at) const;

  std::int64_t patch_count() const { return patch_count_; }
  bool patches_have_labels() const { return patches_have_labels_; }
  Shape patch_shape() const { return patch_shape_; }  // [N, C, d, h, w], or [] without patches
  // Patches first .. first + count - 1.
  StoredPatches read_patches(std::int64_t first, std::int64_t count) const;

 private:
  struct Open;
  std::string subject_group(std::int64_t index) const;  // checks the index
  Tensor read_patch(std::int64_t index, const PatchLocation& at, const char* dataset) const;

  std::string path_;
  std::unique_ptr<Open> open_;
  std::int64_t format_version_ = 0;
  std::string written_by_;
  PreprocessingFingerprint fingerprint_;
  std::vector<std::string> subject_ids_;
  std::int64_t patch_count_ = 0;
  bool patches_have_labels_ = false;
  Shape patch_shape_;
};

// Throws one line naming the store and every setting whose value differs between the store and
// `expected` (the config's), or is set in only one of them, and saying to re-run `voxdata convert`
// or change the config. Returns quietly when they agree.
void check_fingerprint(const PatchStoreReader& store, const PreprocessingFingerprint& expected);

}  // namespace voxtrain
