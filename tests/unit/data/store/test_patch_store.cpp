// test_patch_store.cpp — the HDF5 patch store: subjects and patches round trip, hyperslab patches
// equal crop_patch, fingerprint checks, version/kind/damage errors, commit-by-rename, threads, h5ls.
#include <catch2/catch.hpp>

#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/sampling/patch_location.hpp"
#include "voxtrain/data/store/patch_store.hpp"

#include "support/fixtures.hpp"
#include "support/skip.hpp"
#include "support/test_files.hpp"

using voxtrain::DType;
using voxtrain::PatchLocation;
using voxtrain::PatchStoreOptions;
using voxtrain::PatchStoreReader;
using voxtrain::PatchStoreWriter;
using voxtrain::PreprocessingFingerprint;
using voxtrain::Shape;
using voxtrain::Subject;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

Tensor random_floats(const Shape& shape, std::uint64_t seed) {
  Tensor t = Tensor::empty(shape);
  const std::uint64_t key = voxtrain::random_key({seed, 11});
  for (std::int64_t e = 0; e < t.numel(); ++e)
    t.data<float>()[e] = static_cast<float>(voxtrain::standard_normal(key, static_cast<std::uint64_t>(e)));
  return t;
}

Tensor random_labels(const Shape& shape, std::uint64_t seed) {
  Tensor t = Tensor::empty(shape, DType::Int32);
  const std::uint64_t key = voxtrain::random_key({seed, 12});
  for (std::int64_t e = 0; e < t.numel(); ++e)
    t.data<std::int32_t>()[e] = static_cast<std::int32_t>(voxtrain::uniform01(key, static_cast<std::uint64_t>(e)) * 5);
  return t;
}

// A subject with `channels` image channels on a (nx, ny, nz) grid; optional maps by flag.
Subject make_subject(const std::string& id, std::int64_t channels, std::int64_t nx, std::int64_t ny, std::int64_t nz,
                     std::uint64_t seed, bool label = true, bool maps = false) {
  Subject s;
  s.id = id;
  s.image = random_floats({channels, nz, ny, nx}, seed);
  if (label) s.label = random_labels({1, nz, ny, nx}, seed);
  if (maps) {
    s.weight = random_floats({1, nz, ny, nx}, seed + 100);
    s.sampling_map = random_floats({1, nz, ny, nx}, seed + 200);
  }
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) s.affine[r][c] = r == 3 ? (c == 3 ? 1 : 0) : 0.25 * (r + 1) - 0.5 * c + 0.01 * seed;
  s.spacing = {0.8 + 0.1 * seed, 1.25, 3.0};
  for (std::int64_t c = 0; c < channels; ++c) s.source_files.push_back(fmt::format("/data/{}_M{}.nii.gz", id, c));
  return s;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.defined() != b.defined()) return false;
  if (!a.defined()) return true;
  return a.shape() == b.shape() && a.dtype() == b.dtype() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

PreprocessingFingerprint settings() {
  return {{{"normalisation.whitening", "true"}, {"spatial.pixdim", "(1, 1, 1)"}, {"spatial.axcodes", "(R, A, S)"}}};
}

// Writes subjects (and nothing else) to a committed store.
// Flips one bit of the first chunk of `dataset`, found with the raw HDF5 API (the 6th byte).
void flip_bit_in_first_chunk(const std::string& path, const char* dataset) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t set = H5Dopen2(file, dataset, H5P_DEFAULT);
  const hid_t space = H5Dget_space(set);
  hsize_t offset[4] = {};
  unsigned mask = 0;
  haddr_t address = 0;
  hsize_t size = 0;
  REQUIRE(H5Dget_chunk_info(set, space, 0, offset, &mask, &address, &size) >= 0);
  H5Sclose(space);
  H5Dclose(set);
  H5Fclose(file);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(address + 5));
  const char c = static_cast<char>(f.get() ^ 0x01);
  f.seekp(static_cast<std::streamoff>(address + 5));
  f.put(c);
}

void write_store(const std::string& path, const std::vector<Subject>& subjects, PatchStoreOptions options = {}) {
  PatchStoreWriter writer(path, settings(), options);
  for (const Subject& s : subjects) writer.add_subject(s);
  writer.commit();
}

// Sets the root attribute voxtrain_format_version with the raw HDF5 API (as a newer voxtrain would).
void set_format_version(const std::string& path, std::int64_t version) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t attribute = H5Aopen(file, "voxtrain_format_version", H5P_DEFAULT);
  REQUIRE(attribute >= 0);
  REQUIRE(H5Awrite(attribute, H5T_NATIVE_INT64, &version) >= 0);
  H5Aclose(attribute);
  REQUIRE(H5Fclose(file) >= 0);
}

std::string run_and_read(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  CHECK(::pclose(pipe) == 0);
  return out;
}

}  // namespace

TEST_CASE("patch store: subjects round trip with every map, affine, spacing, sources and their order", "[data]") {
  const ScratchDir dir("round_trip");
  std::vector<Subject> subjects{make_subject("sub-010", 2, 9, 7, 5, 1, true, true),
                                make_subject("sub-002", 2, 6, 11, 4, 2, false, false),
                                make_subject("a", 2, 5, 5, 5, 3, true, false)};
  subjects[1].source_files.clear();  // an empty list is kept as empty
  const std::string path = dir.file("store.h5");
  write_store(path, subjects, PatchStoreOptions{.chunk = {1, 4, 4, 4}, .gzip_level = 1});

  const PatchStoreReader store(path);
  CHECK(store.format_version() == 1);
  CHECK_THAT(store.written_by(), Contains("voxtrain "));
  CHECK(store.fingerprint() == settings());
  CHECK(store.subject_count() == 3);
  CHECK(store.subject_ids() == std::vector<std::string>{"sub-010", "sub-002", "a"});
  CHECK(store.subject_index("a") == 2);
  CHECK(store.patch_count() == 0);
  for (std::int64_t n = 0; n < 3; ++n) {
    INFO("subject " << n);
    const Subject& want = subjects[static_cast<std::size_t>(n)];
    const Subject got = store.read_subject(n);
    CHECK(got.id == want.id);
    CHECK(same_bytes(got.image, want.image));
    CHECK(same_bytes(got.label, want.label));
    CHECK(same_bytes(got.weight, want.weight));
    CHECK(same_bytes(got.sampling_map, want.sampling_map));
    CHECK(got.affine == want.affine);
    CHECK(got.spacing == want.spacing);
    CHECK(got.source_files == want.source_files);
    const auto info = store.subject_info(n);
    CHECK(info.id == want.id);
    CHECK(info.image_shape == want.image.shape());
    CHECK(info.has_label == want.label.defined());
    CHECK(info.has_weight == want.weight.defined());
    CHECK(info.spacing == want.spacing);
  }
}

TEST_CASE("patch store: pre-extracted patches round trip over several add_patches calls", "[data]") {
  const ScratchDir dir("patches");
  const std::string path = dir.file("patches.h5");
  const Tensor images_a = random_floats({3, 2, 4, 5, 6}, 5), labels_a = random_labels({3, 1, 4, 5, 6}, 5);
  const Tensor images_b = random_floats({2, 2, 4, 5, 6}, 6), labels_b = random_labels({2, 1, 4, 5, 6}, 6);
  std::vector<PatchLocation> where;
  for (std::int64_t p = 0; p < 5; ++p)
    where.push_back(PatchLocation{.subject = p % 2, .start = {p, -p, 2 * p}, .end = {p + 6, 5 - p, 2 * p + 4}});
  {
    PatchStoreWriter writer(path, settings());
    writer.add_subject(make_subject("s0", 2, 8, 8, 8, 1));
    writer.add_patches(images_a, labels_a, std::span(where).subspan(0, 3));
    writer.add_patches(images_b, labels_b, std::span(where).subspan(3, 2));
    CHECK(writer.patch_count() == 5);
    // Later batches must match the first: shape and label presence.
    const PatchLocation wider{.subject = 0, .start = {0, 0, 0}, .end = {7, 5, 4}};
    CHECK_THAT(error_or_none([&] { writer.add_patches(random_floats({1, 2, 4, 5, 7}, 1), {}, std::span(&wider, 1)); }),
               Contains(path) && Contains("do not match the shape of the patches already added"));
    CHECK_THAT(error_or_none([&] { writer.add_patches(random_floats({1, 2, 4, 5, 6}, 1), {}, std::span(where).subspan(0, 1)); }),
               Contains("these patches have no labels but the first ones had"));
    CHECK_THAT(error_or_none([&] { writer.add_patches(images_b, labels_b, std::span(where).subspan(0, 1)); }),
               Contains("2 patches come with 1 locations"));
    writer.commit();
  }
  const PatchStoreReader store(path);
  REQUIRE(store.patch_count() == 5);
  CHECK(store.patches_have_labels());
  CHECK(store.patch_shape() == Shape({5, 2, 4, 5, 6}));
  const auto all = store.read_patches(0, 5);
  CHECK(all.locations == where);
  const std::size_t a_bytes = images_a.nbytes(), a_label_bytes = labels_a.nbytes();
  CHECK(std::memcmp(all.images.raw_data(), images_a.raw_data(), a_bytes) == 0);
  CHECK(std::memcmp(static_cast<char*>(all.images.raw_data()) + a_bytes, images_b.raw_data(), images_b.nbytes()) == 0);
  CHECK(std::memcmp(all.labels.raw_data(), labels_a.raw_data(), a_label_bytes) == 0);
  CHECK(std::memcmp(static_cast<char*>(all.labels.raw_data()) + a_label_bytes, labels_b.raw_data(), labels_b.nbytes()) == 0);
  // A run across the two batches.
  const auto middle = store.read_patches(2, 2);
  CHECK(middle.images.shape() == Shape({2, 2, 4, 5, 6}));
  CHECK(std::memcmp(middle.images.raw_data(), static_cast<char*>(all.images.raw_data()) + 2 * a_bytes / 3,
                    2 * a_bytes / 3) == 0);
  CHECK(middle.locations == std::vector<PatchLocation>{where[2], where[3]});
  CHECK_THAT(error_or_none([&] { (void)store.read_patches(4, 2); }), Contains("patches 4 to 5 are out of range: the patch store holds 5"));
}

TEST_CASE("patch store: hyperslab patches equal crop_patch of the whole volume, inside and across the border", "[data]") {
  const ScratchDir dir("hyperslab");
  const Subject s = make_subject("sub-001", 3, 19, 17, 13, 4);
  const PatchStoreOptions options[] = {PatchStoreOptions{}, PatchStoreOptions{.chunk = {1, 5, 6, 7}, .gzip_level = 1},
                                       PatchStoreOptions{.chunk = {0, 4, 4, 4}, .gzip_level = 0}};
  std::vector<PatchLocation> locations;
  locations.push_back({.subject = 0, .start = {0, 0, 0}, .end = {19, 17, 13}});        // the whole volume
  locations.push_back({.subject = 0, .start = {3, 2, 1}, .end = {11, 9, 8}});          // inside
  locations.push_back({.subject = 0, .start = {-4, -3, -2}, .end = {6, 5, 4}});        // across the low corner
  locations.push_back({.subject = 0, .start = {15, 12, 9}, .end = {25, 20, 16}});      // across the high corner
  locations.push_back({.subject = 0, .start = {-5, 4, 3}, .end = {24, 10, 20}});       // larger than the volume in x
  locations.push_back({.subject = 0, .start = {30, 0, 0}, .end = {36, 4, 4}});         // wholly outside
  const std::uint64_t key = voxtrain::random_key({9, 1});
  for (std::uint64_t n = 0; n < 20; ++n) {  // random windows, some reaching outside
    PatchLocation at{.subject = 0, .start = {}, .end = {}};
    const std::int64_t extent[3] = {19, 17, 13};
    for (int a = 0; a < 3; ++a) {
      const std::int64_t size = 1 + static_cast<std::int64_t>(voxtrain::uniform01(key, n * 6 + a) * 10);
      at.start[a] = -4 + static_cast<std::int64_t>(voxtrain::uniform01(key, n * 6 + 3 + a) * (extent[a] + 4));
      at.end[a] = at.start[a] + size;
    }
    locations.push_back(at);
  }
  for (int o = 0; o < 3; ++o) {
    const std::string path = dir.file(fmt::format("store{}.h5", o));
    write_store(path, {make_subject("first", 3, 4, 4, 4, 1), s}, options[o]);
    const PatchStoreReader store(path);
    for (const PatchLocation& at : locations) {
      INFO("options " << o << ", patch " << at.to_string());
      CHECK(same_bytes(store.read_image_patch(1, at), voxtrain::crop_patch(s.image, at)));
      CHECK(same_bytes(store.read_label_patch(1, at), voxtrain::crop_patch(s.label, at)));
    }
  }
}

TEST_CASE("patch store: the fingerprint check passes on equal settings and names every difference", "[data]") {
  const ScratchDir dir("fingerprint");
  const std::string path = dir.file("store.h5");
  write_store(path, {make_subject("s", 1, 4, 4, 4, 1)});
  const PatchStoreReader store(path);
  CHECK_NOTHROW(voxtrain::check_fingerprint(store, settings()));

  PreprocessingFingerprint config = settings();
  config.settings["normalisation.whitening"] = "false";
  config.settings.erase("spatial.axcodes");
  config.settings["augmentation.rotation"] = "(-10, 10)";
  const std::string message = error_or_none([&] { voxtrain::check_fingerprint(store, config); });
  CHECK_THAT(message, Contains(path + ": the patch store was made with other preprocessing settings than the config"));
  CHECK_THAT(message, Contains("normalisation.whitening: store 'true', config 'false'"));
  CHECK_THAT(message, Contains("spatial.axcodes: store '(R, A, S)', config (not set)"));
  CHECK_THAT(message, Contains("augmentation.rotation: store (not set), config '(-10, 10)'"));
  CHECK_THAT(message, !Contains("spatial.pixdim"));
  CHECK_THAT(message, Contains("re-run `voxdata convert` with this config, or change the config"));
}

TEST_CASE("patch store: a store from a newer voxtrain is refused naming both versions", "[data]") {
  const ScratchDir dir("version");
  const std::string path = dir.file("future.h5");
  write_store(path, {make_subject("s", 1, 4, 4, 4, 1)});
  set_format_version(path, 2);
  const std::string message = error_or_none([&] { PatchStoreReader store(path); });
  CHECK_THAT(message, Contains(path + ": patch store format version 2 is newer than this voxtrain supports (version 1)"));
  CHECK_THAT(message, Contains("upgrade voxtrain"));
  set_format_version(path, 1);
  CHECK_NOTHROW(PatchStoreReader(path));
}

TEST_CASE("patch store: missing, non-HDF5, non-store and truncated files are one-line errors", "[data]") {
  const ScratchDir dir("bad_files");
  const std::string missing = dir.file("missing.h5");
  CHECK_THAT(error_or_none([&] { PatchStoreReader r(missing); }), Contains(missing + ": no such file"));

  const std::string text = dir.file("notes.h5");
  std::ofstream(text) << "this is not HDF5\n";
  CHECK_THAT(error_or_none([&] { PatchStoreReader r(text); }), Contains(text + ": is not an HDF5 file"));

  const std::string other = dir.file("other.h5");
  {
    const hid_t f = H5Fcreate(other.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(f >= 0);
    H5Fclose(f);
  }
  CHECK_THAT(error_or_none([&] { PatchStoreReader r(other); }),
             Contains(other + ": is an HDF5 file but not a voxtrain patch store"));

  const std::string whole = dir.file("whole.h5"), cut = dir.file("cut.h5");
  write_store(whole, {make_subject("s", 2, 16, 16, 16, 1)});
  fs::copy_file(whole, cut);
  fs::resize_file(cut, fs::file_size(whole) * 2 / 3);
  const std::string message = error_or_none([&] { PatchStoreReader r(cut); });
  CHECK_THAT(message, Contains(cut + ": the file is truncated") && Contains("voxdata convert"));
  CHECK(message.find('\n') == std::string::npos);
}

TEST_CASE("patch store: damaged voxels and subject ids are one-line errors naming the store and the object", "[data]") {
  const ScratchDir dir("damaged");
  const std::string path = dir.file("store.h5");
  write_store(path, {make_subject("sub-001", 2, 8, 8, 8, 1), make_subject("sub-002", 2, 4, 4, 4, 2)});
  flip_bit_in_first_chunk(path, "/subjects/sub-001/label");
  const PatchStoreReader store(path);
  const PatchLocation at{.subject = 0, .start = {0, 0, 0}, .end = {3, 3, 3}};
  CHECK_NOTHROW(store.read_image_patch(0, at));  // the image is intact
  CHECK_NOTHROW(store.read_subject(1));
  for (const std::string& message : {error_or_none([&] { (void)store.read_subject(0); }),
                                     error_or_none([&] { (void)store.read_label_patch(0, at); })}) {
    CHECK_THAT(message, Contains(path + ": /subjects/sub-001/label: checksum mismatch") &&
                            Contains("the file is damaged; re-create it") && Contains("voxdata convert"));
    CHECK(message.find('\n') == std::string::npos);
  }

  // Subject ids with a line break or bytes that are not UTF-8 are not ids voxtrain writes: the
  // message shows them escaped, on one line.
  const std::string odd = dir.file("odd_ids.h5");
  write_store(odd, {make_subject("sub-001", 1, 4, 4, 4, 1)});
  {
    const hid_t file = H5Fopen(odd.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(H5Ldelete(file, "subject_ids", H5P_DEFAULT) >= 0);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    const hsize_t one[1] = {1};
    const hid_t space = H5Screate_simple(1, one, nullptr);
    const hid_t set = H5Dcreate2(file, "subject_ids", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char* id = "sub\n\xff" "1";
    REQUIRE(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &id) >= 0);
    H5Dclose(set);
    H5Sclose(space);
    H5Tclose(type);
    REQUIRE(H5Fclose(file) >= 0);
  }
  const std::string message = error_or_none([&] { PatchStoreReader r(odd); });
  CHECK_THAT(message, Contains(odd + ": /subject_ids holds 'sub\\x0A\\xFF1', which is not a subject id voxtrain writes"));
  CHECK(message.find('\n') == std::string::npos);
}

TEST_CASE("patch store: without data checksums the voxels read back the same, and damage goes unnoticed", "[data]") {
  const ScratchDir dir("no_data_checksums");
  const Subject s = make_subject("sub-001", 2, 8, 8, 8, 1);
  const std::string with = dir.file("with.h5"), without = dir.file("without.h5");
  write_store(with, {s});
  PatchStoreOptions plain;
  plain.data_checksums = false;
  write_store(without, {s}, plain);
  CHECK(PatchStoreReader(with).subject_info(0).checksum);
  CHECK_FALSE(PatchStoreReader(without).subject_info(0).checksum);
  CHECK(same_bytes(PatchStoreReader(without).read_subject(0).image, s.image));
  // The same flipped bit: an error with checksums, wrong voxels without (the documented trade).
  flip_bit_in_first_chunk(with, "/subjects/sub-001/image");
  flip_bit_in_first_chunk(without, "/subjects/sub-001/image");
  CHECK_THAT(error_or_none([&] { (void)PatchStoreReader(with).read_subject(0); }), Contains("checksum mismatch"));
  CHECK_FALSE(same_bytes(PatchStoreReader(without).read_subject(0).image, s.image));
}

TEST_CASE("patch store: missing subjects and labels are named", "[data]") {
  const ScratchDir dir("missing_subject");
  const std::string path = dir.file("store.h5");
  write_store(path, {make_subject("sub-001", 1, 4, 4, 4, 1), make_subject("sub-002", 1, 4, 4, 4, 2, false)});
  const PatchStoreReader store(path);
  CHECK_THAT(error_or_none([&] { (void)store.subject_index("sub-003"); }),
             Contains(path + ": no subject 'sub-003' in this patch store (2 subjects)") && Contains("did you mean"));
  CHECK_THAT(error_or_none([&] { (void)store.read_subject(2); }),
             Contains(path + ": subject index 2 is out of range: the patch store holds 2 subjects"));
  const PatchLocation at{.subject = 1, .start = {0, 0, 0}, .end = {2, 2, 2}};
  CHECK_THAT(error_or_none([&] { (void)store.read_label_patch(1, at); }),
             Contains(path + ": subject 'sub-002' has no label in this patch store"));
}

TEST_CASE("patch store: the writer refuses bad subjects naming them", "[data]") {
  const ScratchDir dir("writer_errors");
  const std::string path = dir.file("store.h5");
  PatchStoreWriter writer(path, settings());
  writer.add_subject(make_subject("sub-001", 2, 4, 4, 4, 1));
  CHECK_THAT(error_or_none([&] { writer.add_subject(make_subject("sub-001", 2, 4, 4, 4, 2)); }),
             Contains(path + ": subject 'sub-001' is added twice"));
  CHECK_THAT(error_or_none([&] { writer.add_subject(make_subject("a/b", 2, 4, 4, 4, 2)); }),
             Contains("subject id 'a/b' cannot name an HDF5 group"));
  CHECK_THAT(error_or_none([&] { writer.add_subject(make_subject("sub-002", 3, 4, 4, 4, 2)); }),
             Contains("subject 'sub-002' has 3 image channels but the subjects before it have 2"));
  Subject bad = make_subject("sub-003", 2, 4, 4, 4, 3);
  bad.label = random_labels({1, 4, 4, 5}, 1);
  CHECK_THAT(error_or_none([&] { writer.add_subject(bad); }),
             Contains("subject 'sub-003': the label must be a int32 host tensor [1, 4, 4, 4] like the image, not int32 [1, 4, 4, 5]"));
  writer.commit();
  CHECK(PatchStoreReader(path).subject_ids() == std::vector<std::string>{"sub-001"});
}

TEST_CASE("patch store: nothing appears under the final name before commit, nor without it", "[data]") {
  const ScratchDir dir("commit");
  const std::string path = dir.file("store.h5");
  {
    PatchStoreWriter writer(path, settings());
    writer.add_subject(make_subject("s", 1, 4, 4, 4, 1));
    CHECK_FALSE(fs::exists(path));
    CHECK(fs::exists(writer.temporary_path()));
    CHECK_THAT(writer.temporary_path(), Contains(path + ".tmp-" + std::to_string(::getpid())));
    writer.commit();
    CHECK(fs::exists(path));
    CHECK_FALSE(fs::exists(writer.temporary_path()));
  }
  CHECK(PatchStoreReader(path).subject_count() == 1);

  const std::string abandoned = dir.file("abandoned.h5");
  std::string temporary;
  {
    PatchStoreWriter writer(abandoned, settings());
    temporary = writer.temporary_path();
    writer.add_subject(make_subject("s", 1, 4, 4, 4, 1));
  }  // destroyed without commit, as when an exception unwinds
  CHECK_FALSE(fs::exists(abandoned));
  CHECK_FALSE(fs::exists(temporary));
  CHECK(fs::is_empty(dir.path().string() + "/") == false);  // only the committed store is left
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir.path())) left.push_back(entry.path().filename().string());
  CHECK(left == std::vector<std::string>{"store.h5"});

  // Committing over an existing store replaces it.
  write_store(path, {make_subject("t1", 1, 4, 4, 4, 1), make_subject("t2", 1, 4, 4, 4, 2)});
  CHECK(PatchStoreReader(path).subject_ids() == std::vector<std::string>{"t1", "t2"});
}

TEST_CASE("patch store: two threads reading at once get the same patches as one thread", "[data]") {
  const ScratchDir dir("threads");
  const std::string path = dir.file("store.h5");
  write_store(path, {make_subject("s0", 2, 24, 20, 16, 1), make_subject("s1", 2, 16, 24, 20, 2)},
              PatchStoreOptions{.chunk = {1, 8, 8, 8}, .gzip_level = 1});
  std::vector<PatchLocation> locations;
  const std::uint64_t key = voxtrain::random_key({21});
  for (std::uint64_t n = 0; n < 60; ++n) {
    PatchLocation at{.subject = static_cast<std::int64_t>(n % 2), .start = {}, .end = {}};
    for (int a = 0; a < 3; ++a) {
      at.start[a] = static_cast<std::int64_t>(voxtrain::uniform01(key, n * 3 + a) * 16) - 2;
      at.end[a] = at.start[a] + 8;
    }
    locations.push_back(at);
  }
  std::vector<Tensor> expected;
  {
    const PatchStoreReader store(path);
    for (const auto& at : locations) expected.push_back(store.read_image_patch(at.subject, at));
  }
  const auto read_all = [&](const PatchStoreReader& store, std::vector<Tensor>& out) {
    for (const auto& at : locations) out.push_back(store.read_image_patch(at.subject, at));
  };
  // Separate readers, one per thread.
  std::vector<Tensor> a, b;
  std::thread ta([&] { read_all(PatchStoreReader(path), a); });
  std::thread tb([&] { read_all(PatchStoreReader(path), b); });
  ta.join();
  tb.join();
  // One reader shared by both threads.
  const PatchStoreReader shared(path);
  std::vector<Tensor> c, d;
  std::thread tc([&] { read_all(shared, c); });
  std::thread td([&] { read_all(shared, d); });
  tc.join();
  td.join();
  REQUIRE(a.size() == expected.size());
  REQUIRE(b.size() == expected.size());
  REQUIRE(c.size() == expected.size());
  REQUIRE(d.size() == expected.size());
  std::size_t differing = 0;
  for (std::size_t n = 0; n < expected.size(); ++n)
    differing += !same_bytes(a[n], expected[n]) + !same_bytes(b[n], expected[n]) + !same_bytes(c[n], expected[n]) +
                 !same_bytes(d[n], expected[n]);
  CHECK(differing == 0);
}

TEST_CASE("patch store: h5ls lists the documented layout of a store voxtrain wrote", "[data]") {
  const std::string h5ls = voxtrain::testing::find_program("h5ls");
  const std::string h5dump = voxtrain::testing::find_program("h5dump");
  if (h5ls.empty() || h5dump.empty()) {
    voxtrain::testing::skip_test("h5ls or h5dump is not on PATH (Debian package hdf5-tools): layout check skipped");
    return;
  }
  const ScratchDir dir("h5ls");
  const std::string path = dir.file("store.h5");
  {
    PatchStoreWriter writer(path, settings());
    writer.add_subject(make_subject("sub-001", 2, 9, 7, 5, 1, true, true));
    writer.add_subject(make_subject("sub-002", 2, 9, 7, 5, 2, false, false));
    std::vector<PatchLocation> where(3, PatchLocation{.subject = 0, .start = {0, 0, 0}, .end = {4, 4, 4}});
    writer.add_patches(random_floats({3, 2, 4, 4, 4}, 1), random_labels({3, 1, 4, 4, 4}, 1), where);
    writer.commit();
  }
  const std::string listing = run_and_read(h5ls + " -r '" + path + "'");
  INFO(listing);
  // h5ls prints dimensions slowest first: [C, D, H, W] = {2, 5, 7, 9}.
  CHECK_THAT(listing, Contains("/fingerprint             Group"));
  CHECK_THAT(listing, Contains("/subject_ids             Dataset {2}"));
  CHECK_THAT(listing, Contains("/subjects/sub-001/image  Dataset {2, 5, 7, 9}"));
  CHECK_THAT(listing, Contains("/subjects/sub-001/label  Dataset {1, 5, 7, 9}"));
  CHECK_THAT(listing, Contains("/subjects/sub-001/sampling_map Dataset {1, 5, 7, 9}"));
  CHECK_THAT(listing, Contains("/subjects/sub-001/weight Dataset {1, 5, 7, 9}"));
  CHECK_THAT(listing, Contains("/subjects/sub-002/image  Dataset {2, 5, 7, 9}"));
  CHECK_THAT(listing, !Contains("/subjects/sub-002/label"));
  CHECK_THAT(listing, Contains("/patches/image           Dataset {3/Inf, 2, 4, 4, 4}"));
  CHECK_THAT(listing, Contains("/patches/label           Dataset {3/Inf, 1, 4, 4, 4}"));
  CHECK_THAT(listing, Contains("/patches/location        Dataset {3/Inf, 7}"));

  // h5dump shows the root attributes and the fingerprint as plain strings and numbers.
  const std::string attributes = run_and_read(h5dump + " -A -g /fingerprint '" + path + "'");
  INFO(attributes);
  CHECK_THAT(attributes, Contains("ATTRIBUTE \"normalisation.whitening\"") && Contains("\"true\""));
  const std::string root = run_and_read(h5dump + " -a /voxtrain_format_version '" + path + "'");
  CHECK_THAT(root, Contains("(0): 1"));
  // Every chunked dataset carries fletcher32; the file is in the 1.10 format (superblock 3).
  for (const char* dataset : {"/subjects/sub-001/image", "/subjects/sub-001/label", "/patches/image", "/patches/location"})
    CHECK_THAT(run_and_read(fmt::format("/usr/bin/h5dump -p -H -d {} '{}'", dataset, path)),
               Contains("CHECKSUM FLETCHER32"));
  CHECK_THAT(run_and_read("/usr/bin/h5dump -B -H '" + path + "'"), Contains("SUPERBLOCK_VERSION 3"));
}

// ---- the committed format-version-1 store (tests/data/store/v1_store.h5) ----------------------
// Written once by the hidden test below (voxtrain_unit_tests "[.fixture]"); read back by the next
// test (a store of format version 1 must stay readable) and by `voxdata inspect` in tests/cli/.
namespace {

const std::string kFixtureStore = fixture_path("store/v1_store.h5");

std::vector<Subject> fixture_subjects() {
  return {make_subject("sub-001", 2, 6, 5, 4, 1, true, true), make_subject("sub-002", 2, 5, 5, 3, 2, false, false)};
}

std::vector<PatchLocation> fixture_locations() {
  return {PatchLocation{.subject = 0, .start = {0, 0, 0}, .end = {3, 3, 2}},
          PatchLocation{.subject = 1, .start = {2, 1, 1}, .end = {5, 4, 3}},
          PatchLocation{.subject = 0, .start = {-1, 2, 2}, .end = {2, 5, 4}}};
}

}  // namespace

TEST_CASE("patch store: write the committed v1 fixture", "[.fixture]") {
  // CTest registers hidden cases too, so a plain `ctest` would rewrite the committed file with
  // today's writer: since the checksum change that is no longer the format-1.0 file it must stay
  // (the only store written before checksums). Writing needs VOXTRAIN_WRITE_FIXTURES=1.
  if (std::getenv("VOXTRAIN_WRITE_FIXTURES") == nullptr) {
    WARN("fixture not written: set VOXTRAIN_WRITE_FIXTURES=1 to rewrite " << kFixtureStore);
    return;
  }
  fs::create_directories(fs::path(kFixtureStore).parent_path());
  PatchStoreWriter writer(kFixtureStore, settings(), PatchStoreOptions{.chunk = {0, 4, 4, 4}, .gzip_level = 0});
  for (const Subject& s : fixture_subjects()) writer.add_subject(s);
  writer.add_patches(random_floats({3, 2, 2, 3, 3}, 8), random_labels({3, 1, 2, 3, 3}, 8), fixture_locations());
  writer.commit();
}

TEST_CASE("patch store: the committed format-version-1 store still reads as written", "[data]") {
  const PatchStoreReader store(kFixtureStore);
  CHECK(store.format_version() == 1);
  CHECK(store.fingerprint() == settings());
  const std::vector<Subject> want = fixture_subjects();
  REQUIRE(store.subject_ids() == std::vector<std::string>{"sub-001", "sub-002"});
  for (std::int64_t n = 0; n < 2; ++n) {
    const Subject got = store.read_subject(n);
    const Subject& w = want[static_cast<std::size_t>(n)];
    CHECK(same_bytes(got.image, w.image));
    CHECK(same_bytes(got.label, w.label));
    CHECK(same_bytes(got.weight, w.weight));
    CHECK(got.affine == w.affine);
    CHECK(got.spacing == w.spacing);
    CHECK(got.source_files == w.source_files);
  }
  const auto patches = store.read_patches(0, 3);
  CHECK(same_bytes(patches.images, random_floats({3, 2, 2, 3, 3}, 8)));
  CHECK(same_bytes(patches.labels, random_labels({3, 1, 2, 3, 3}, 8)));
  CHECK(patches.locations == fixture_locations());
}
