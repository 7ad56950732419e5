// test_hdf5_file.cpp — the HDF5 wrapper: datasets of every dtype round trip (chunked, gzip,
// extendible), hyperslab reads against a per-element loop, attributes, groups, one-line errors, and
// the checksummed format (seen through the raw HDF5 API) refusing damaged bytes.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/io/hdf5/hdf5_file.hpp"

#include "support/test_files.hpp"

using voxtrain::DType;
using voxtrain::Hdf5Access;
using voxtrain::Hdf5File;
using voxtrain::Hdf5Layout;
using voxtrain::Shape;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

// A fresh file path in a scratch directory, removed when the test ends.
struct TempPath {
  explicit TempPath(const std::string& name) : path(dir.file(name)) {}
  ScratchDir dir{"hdf5"};
  std::string path;
};

// Values from the counter-based generator, exactly representable in every dtype.
Tensor pattern(const Shape& shape, DType dtype, std::uint64_t seed) {
  Tensor t = Tensor::empty(shape, dtype);
  const std::uint64_t key = voxtrain::random_key({seed, 77});
  for (std::int64_t e = 0; e < t.numel(); ++e) {
    const double u = voxtrain::uniform01(key, static_cast<std::uint64_t>(e));
    switch (dtype) {
      case DType::Float32: t.data<float>()[e] = static_cast<float>(u * 200.0 - 100.0); break;
      case DType::Int32: t.data<std::int32_t>()[e] = static_cast<std::int32_t>(u * 2e9) - 1000000000; break;
      case DType::Int64: t.data<std::int64_t>()[e] = static_cast<std::int64_t>(u * 9e15) - 4000000000000000; break;
      case DType::UInt8: t.data<std::uint8_t>()[e] = static_cast<std::uint8_t>(u * 256.0); break;
    }
  }
  return t;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// What f writes to stderr (file descriptor 2) while it runs.
std::string stderr_of(const std::function<void()>& f) {
  TempPath capture("stderr.txt");
  std::fflush(stderr);
  const int saved = ::dup(2);
  const int fd = ::open(capture.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 2);
  ::close(fd);
  f();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  return voxtrain::testing::read_text(capture.path);
}

}  // namespace

TEST_CASE("hdf5: datasets of every dtype round trip, contiguous, chunked and gzip", "[io]") {
  TempPath file("datasets.h5");
  const Shape shape{3, 5, 7, 9};
  const DType dtypes[] = {DType::Float32, DType::Int32, DType::Int64, DType::UInt8};
  const Hdf5Layout layouts[] = {Hdf5Layout{}, Hdf5Layout{.chunk = {1, 4, 4, 4}, .gzip_level = 0},
                                Hdf5Layout{.chunk = {3, 2, 3, 100}, .gzip_level = 6}};
  {
    Hdf5File f = Hdf5File::create(file.path);
    const auto root = f.root();
    for (DType t : dtypes)
      for (int l = 0; l < 3; ++l)
        root.write_dataset(fmt::format("{}_{}", voxtrain::dtype_name(t), l), pattern(shape, t, l), layouts[l]);
    f.close();
  }
  Hdf5File f = Hdf5File::open(file.path);
  const auto root = f.root();
  for (DType t : dtypes)
    for (int l = 0; l < 3; ++l) {
      INFO(voxtrain::dtype_name(t) << " layout " << l);
      const auto d = root.open_dataset(fmt::format("{}_{}", voxtrain::dtype_name(t), l));
      CHECK(d.dtype() == t);
      CHECK(d.shape() == std::vector<std::int64_t>{3, 5, 7, 9});
      CHECK(same_bytes(d.read(), pattern(shape, t, l)));
      const Hdf5Layout got = d.layout();
      CHECK(got.gzip_level == layouts[l].gzip_level);
      CHECK_FALSE(got.extendible_first_axis);
      // The chunk is clipped to the shape.
      if (l == 0) CHECK(got.chunk.empty());
      if (l == 1) CHECK(got.chunk == std::vector<std::int64_t>{1, 4, 4, 4});
      if (l == 2) CHECK(got.chunk == std::vector<std::int64_t>{3, 2, 3, 9});
    }
}

TEST_CASE("hdf5: a hyperslab read fills exactly the requested block of the output", "[io]") {
  // gzip goes through libhdf5's filter pipeline; fletcher32 alone through voxtrain's verified raw
  // chunks; no filter at all through libhdf5 again: the same block each way.
  const auto [gzip_level, checksum] = GENERATE(std::pair{1, true}, std::pair{0, true}, std::pair{0, false});
  INFO("gzip " << gzip_level << ", fletcher32 " << checksum);
  TempPath file("hyperslab.h5");
  const Tensor volume = pattern({2, 9, 8, 7}, DType::Float32, 3);
  {
    Hdf5File f = Hdf5File::create(file.path);
    f.root().write_dataset("v", volume,
                           Hdf5Layout{.chunk = {1, 4, 3, 5}, .gzip_level = gzip_level, .checksum = checksum});
  }
  const auto d = Hdf5File::open(file.path).root().open_dataset("v");
  const std::vector<std::int64_t> start{1, 2, 3, 1}, count{1, 5, 4, 6}, out_start{0, 1, 0, 2};
  Tensor out = Tensor::empty({1, 7, 5, 9});
  out.fill(-7);
  d.read_block(start, count, out, out_start);
  // The definition: out[o + n] = volume[start + n] inside the block, the fill value elsewhere.
  std::int64_t wrong = 0;
  const float* v = volume.data<float>();
  const float* o = out.data<float>();
  for (std::int64_t k = 0; k < 7; ++k)
    for (std::int64_t j = 0; j < 5; ++j)
      for (std::int64_t i = 0; i < 9; ++i) {
        const std::int64_t bk = k - 1, bj = j, bi = i - 2;
        const bool in_block = bk >= 0 && bk < 5 && bj >= 0 && bj < 4 && bi >= 0 && bi < 6;
        const float want = in_block ? v[((1 * 9 + (bk + 2)) * 8 + (bj + 3)) * 7 + (bi + 1)] : -7.0f;
        wrong += o[(k * 5 + j) * 9 + i] != want;
      }
  CHECK(wrong == 0);

  // Into an int64 tensor: HDF5 converts.
  Tensor as_int = Tensor::zeros({2, 9, 8, 7}, DType::Int64);
  const std::vector<std::int64_t> zero{0, 0, 0, 0}, all{2, 9, 8, 7};
  d.read_block(zero, all, as_int, zero);
  CHECK(as_int.data<std::int64_t>()[5] == static_cast<std::int64_t>(std::lrint(v[5])));
}

TEST_CASE("hdf5: an extendible dataset grows and keeps what was written", "[io]") {
  TempPath file("extendible.h5");
  const Tensor a = pattern({2, 3}, DType::Int64, 1), b = pattern({3, 3}, DType::Int64, 2);
  {
    Hdf5File f = Hdf5File::create(file.path);
    const auto d = f.root().create_dataset("rows", DType::Int64, {0, 3},
                                           Hdf5Layout{.chunk = {4, 3}, .gzip_level = 0, .extendible_first_axis = true});
    d.resize({2, 3});
    d.write_block(std::vector<std::int64_t>{0, 0}, a);
    d.resize({5, 3});
    d.write_block(std::vector<std::int64_t>{2, 0}, b);
    CHECK(d.layout().extendible_first_axis);
  }
  const Tensor rows = Hdf5File::open(file.path).root().open_dataset("rows").read();
  REQUIRE(rows.shape() == Shape({5, 3}));
  CHECK(std::memcmp(rows.data<std::int64_t>(), a.data<std::int64_t>(), 6 * 8) == 0);
  CHECK(std::memcmp(rows.data<std::int64_t>() + 6, b.data<std::int64_t>(), 9 * 8) == 0);
}

TEST_CASE("hdf5: attributes of every kind round trip and are replaced when written again", "[io]") {
  TempPath file("attributes.h5");
  const std::vector<std::string> names{"first.nii.gz", "", "d\xc3\xa9j\xc3\xa0 vu.nii"};
  const std::vector<double> matrix{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 1};
  {
    Hdf5File f = Hdf5File::create(file.path);
    const auto g = f.root().create_group("g");
    g.write_attribute("text", std::string("first"));
    g.write_attribute("text", std::string("second"));  // replaced
    g.write_attribute("list", std::span<const std::string>(names));
    g.write_attribute("empty", std::span<const std::string>());
    g.write_attribute("count", std::int64_t{-42});
    g.write_attribute("matrix", matrix, {4, 4});
    g.write_attribute("scalar", std::vector<double>{2.5}, {});
    g.write_attribute("spaced.key = odd", std::string("ok"));
  }
  const auto g = Hdf5File::open(file.path).root().open_group("g");
  CHECK(g.read_string_attribute("text") == "second");
  CHECK(g.read_strings_attribute("list") == names);
  CHECK(g.read_strings_attribute("empty").empty());
  CHECK(g.read_int_attribute("count") == -42);
  CHECK(g.read_doubles_attribute("matrix") == matrix);
  CHECK(g.read_doubles_attribute("count") == std::vector<double>{-42});
  CHECK(g.read_doubles_attribute("scalar") == std::vector<double>{2.5});
  CHECK(g.read_string_attribute("spaced.key = odd") == "ok");
  CHECK(g.attribute_names() ==
        std::vector<std::string>{"count", "empty", "list", "matrix", "scalar", "spaced.key = odd", "text"});
  CHECK(g.has_attribute("count"));
  CHECK_FALSE(g.has_attribute("nope"));

  const std::string missing = error_or_none([&] { (void)g.read_int_attribute("nope"); });
  CHECK_THAT(missing, Contains(file.path) && Contains("attribute 'nope' is missing from /g"));
  const std::string kind = error_or_none([&] { (void)g.read_int_attribute("text"); });
  CHECK_THAT(kind, Contains(file.path) && Contains("attribute 'text' of /g is string, expected an integer"));
  const std::string several = error_or_none([&] { (void)g.read_string_attribute("list"); });
  CHECK_THAT(several, Contains("holds 3 strings, expected one"));
}

TEST_CASE("hdf5: fixed-length strings (as numpy writes them) are read too", "[io]") {
  TempPath file("fixed.h5");
  {
    Hdf5File f = Hdf5File::create(file.path);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 6);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    const hsize_t n = 2;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t attribute = H5Acreate2(f.root().id(), "names", type, space, H5P_DEFAULT, H5P_DEFAULT);
    const char data[12] = {'a', 'b', 0, 0, 0, 0, 'c', 'd', 'e', 'f', 'g', 'h'};
    REQUIRE(H5Awrite(attribute, type, data) >= 0);
    H5Aclose(attribute);
    H5Sclose(space);
    H5Tclose(type);
  }
  CHECK(Hdf5File::open(file.path).root().read_strings_attribute("names") == std::vector<std::string>{"ab", "cdefgh"});
}

TEST_CASE("hdf5: groups list their members and report missing paths by name", "[io]") {
  TempPath file("groups.h5");
  {
    Hdf5File f = Hdf5File::create(file.path);
    const auto root = f.root();
    const auto a = root.create_group("b_group");
    a.create_group("inner").write_dataset("x", pattern({4}, DType::UInt8, 1));
    root.write_dataset("a_data", pattern({2}, DType::Int32, 1));
    root.write_strings("names", std::vector<std::string>{"sub-2", "sub-1"});
  }
  const Hdf5File f = Hdf5File::open(file.path);
  const auto root = f.root();
  CHECK(root.members() == std::vector<std::string>{"a_data", "b_group", "names"});
  CHECK(root.has("b_group/inner/x"));
  CHECK_FALSE(root.has("b_group/missing/x"));
  CHECK(root.has_group("b_group/inner"));
  CHECK_FALSE(root.has_group("a_data"));
  CHECK(root.has_dataset("a_data"));
  CHECK_FALSE(root.has_dataset("nothing"));
  CHECK(root.open_dataset("names").read_strings() == std::vector<std::string>{"sub-2", "sub-1"});
  CHECK(root.open_group("b_group").open_group("inner").name() == "/b_group/inner");
  CHECK_THAT(error_or_none([&] { (void)root.open_group("b_group").open_dataset("inner"); }),
             Contains(file.path) && Contains("dataset /b_group/inner is a group"));
  CHECK_THAT(error_or_none([&] { (void)root.open_group("nope"); }), Contains("group /nope is missing"));
}

TEST_CASE("hdf5: opening a missing, non-HDF5 or truncated file is one line naming it, nothing on stderr", "[io]") {
  const ScratchDir dir("open_errors");
  const std::string missing = dir.file("missing.h5");
  CHECK_THAT(error_or_none([&] { (void)Hdf5File::open(missing); }), Contains(missing + ": no such file"));
  CHECK_THAT(error_or_none([&] { (void)Hdf5File::open(dir.path().string()); }),
             Contains(dir.path().string() + ": is a directory"));

  const std::string garbage = dir.file("garbage.h5");
  std::ofstream(garbage) << std::string(4096, 'x');
  std::string message;
  const std::string printed = stderr_of([&] { message = error_or_none([&] { (void)Hdf5File::open(garbage); }); });
  CHECK_THAT(message, Contains(garbage + ": is not an HDF5 file"));
  CHECK(printed.empty());

  // A real file cut in half: the signature is there, the rest is not.
  const std::string whole = dir.file("whole.h5"), cut = dir.file("cut.h5");
  {
    Hdf5File f = Hdf5File::create(whole);
    f.root().write_dataset("x", pattern({64, 64}, DType::Float32, 1));
  }
  fs::copy_file(whole, cut);
  fs::resize_file(cut, fs::file_size(whole) / 2);
  CHECK(voxtrain::looks_like_hdf5(cut));
  const std::string printed_cut = stderr_of([&] { message = error_or_none([&] { (void)Hdf5File::open(cut); }); });
  CHECK_THAT(message, Contains(cut + ": the file is truncated") && Contains("copy it again"));
  CHECK(message.find('\n') == std::string::npos);
  CHECK(printed_cut.empty());

  CHECK_THAT(error_or_none([&] { (void)Hdf5File::create(dir.file("no/such/dir/x.h5")); }),
             Contains("/no/such/dir/x.h5: cannot create an HDF5 file"));
}

TEST_CASE("hdf5: read-only opens ignore file locks; read-write opens still take them", "[io]") {
  TempPath file("locked.h5");
  {
    Hdf5File f = Hdf5File::create(file.path);
    f.root().write_attribute("n", std::int64_t{5});
  }
  // Another open file description holding an exclusive lock, as a writer elsewhere would.
  const int fd = ::open(file.path.c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  CHECK(Hdf5File::open(file.path, Hdf5Access::ReadOnly).root().read_int_attribute("n") == 5);
  // The lock is real: HDF5's locking read-write open fails on it (unless locking was switched
  // off for the whole process by the environment).
  if (std::getenv("HDF5_USE_FILE_LOCKING") == nullptr)
    CHECK_THAT(error_or_none([&] { (void)Hdf5File::open(file.path, Hdf5Access::ReadWrite); }),
               Contains(file.path + ": cannot be opened as HDF5"));
  ::close(fd);
  // Without the lock, read-write works and can change the file.
  {
    Hdf5File rw = Hdf5File::open(file.path, Hdf5Access::ReadWrite);
    rw.root().write_attribute("n", std::int64_t{6});
  }
  CHECK(Hdf5File::open(file.path).root().read_int_attribute("n") == 6);
}

TEST_CASE("hdf5: a failing call names the file and the object", "[io]") {
  TempPath file("failing.h5");
  Hdf5File f = Hdf5File::create(file.path);
  const auto d = f.root().create_dataset("small", DType::Float32, {4, 4});
  // Resizing a fixed-size dataset fails inside HDF5.
  const std::string message = error_or_none([&] { d.resize({8, 8}); });
  CHECK_THAT(message, Contains(file.path + ": /small: HDF5 call failed") && Contains("H5Dset_extent"));
  CHECK(message.find('\n') == std::string::npos);
}

namespace {

// Flips one bit of the byte at `offset` of a file.
void flip_byte(const std::string& path, std::uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x10));
}

// Where libhdf5 stored the first chunk of a dataset, and how many bytes it holds.
std::pair<haddr_t, hsize_t> first_chunk(const std::string& path, const std::string& dataset) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t set = H5Dopen2(file, dataset.c_str(), H5P_DEFAULT);
  const hid_t space = H5Dget_space(set);
  hsize_t offset[8] = {};
  unsigned mask = 0;
  haddr_t address = HADDR_UNDEF;
  hsize_t size = 0;
  REQUIRE(H5Dget_chunk_info(set, space, 0, offset, &mask, &address, &size) >= 0);
  H5Sclose(space);
  H5Dclose(set);
  H5Fclose(file);
  return {address, size};
}

// The address of an object's header.
haddr_t header_address(const std::string& path, const std::string& object) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  H5O_info_t info{};
  REQUIRE(H5Oget_info_by_name2(file, object.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0);
  H5Fclose(file);
  return info.addr;
}

}  // namespace

TEST_CASE("hdf5: files are HDF5 1.10 format; small datasets compact, the others chunked with fletcher32", "[io]") {
  TempPath file("format.h5");
  {
    Hdf5File f = Hdf5File::create(file.path);
    const auto root = f.root();
    root.write_dataset("small", pattern({16, 16}, DType::Float32, 1));          // 1 KiB: compact
    root.write_dataset("large", pattern({3, 300, 300}, DType::Float32, 2));     // 1 MiB: chunked by the wrapper
    root.write_dataset("given", pattern({4, 4}, DType::Int32, 3), Hdf5Layout{.chunk = {2, 2}});
    root.write_strings("names", std::vector<std::string>{"sub-1", "sub-2"});
    f.close();
  }
  // What libhdf5 reports about the file, without the wrapper.
  const hid_t raw = H5Fopen(file.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(raw >= 0);
  H5F_info2_t info{};
  REQUIRE(H5Fget_info2(raw, &info) >= 0);
  CHECK(info.super.version == 3);  // the 1.10 format: checksummed superblock and metadata
  const auto layout_of = [&](const char* name, bool* fletcher32) {
    const hid_t set = H5Dopen2(raw, name, H5P_DEFAULT);
    const hid_t dcpl = H5Dget_create_plist(set);
    const H5D_layout_t layout = H5Pget_layout(dcpl);
    *fletcher32 = false;
    for (int n = 0; n < H5Pget_nfilters(dcpl); ++n) {
      unsigned flags = 0;
      std::size_t count = 0;
      if (H5Pget_filter2(dcpl, static_cast<unsigned>(n), &flags, &count, nullptr, 0, nullptr, nullptr) ==
          H5Z_FILTER_FLETCHER32)
        *fletcher32 = true;
    }
    H5Pclose(dcpl);
    H5Dclose(set);
    return layout;
  };
  bool fletcher32 = false;
  CHECK(layout_of("small", &fletcher32) == H5D_COMPACT);
  CHECK_FALSE(fletcher32);
  CHECK(layout_of("names", &fletcher32) == H5D_COMPACT);
  CHECK(layout_of("large", &fletcher32) == H5D_CHUNKED);
  CHECK(fletcher32);
  CHECK(layout_of("given", &fletcher32) == H5D_CHUNKED);
  CHECK(fletcher32);
  H5Fclose(raw);

  Hdf5File f = Hdf5File::open(file.path);
  const auto large = f.root().open_dataset("large");
  CHECK(large.layout().checksum);
  CHECK(same_bytes(large.read(), pattern({3, 300, 300}, DType::Float32, 2)));
  std::int64_t chunk_bytes = 4;
  for (std::int64_t c : large.layout().chunk) chunk_bytes *= c;
  CHECK(chunk_bytes <= 1024 * 1024);
  CHECK_FALSE(f.root().open_dataset("small").layout().checksum);
  CHECK(f.root().open_dataset("names").read_strings() == std::vector<std::string>{"sub-1", "sub-2"});
}

TEST_CASE("hdf5: a damaged chunk or object header is a checksum mismatch naming the file and the object", "[io]") {
  TempPath file("damaged.h5");
  {
    Hdf5File f = Hdf5File::create(file.path);
    const auto group = f.root().create_group("subjects");
    group.write_dataset("image", pattern({2, 8, 8, 8}, DType::Float32, 4), Hdf5Layout{.chunk = {2, 4, 4, 4}});
    group.write_dataset("spacing", pattern({3}, DType::Float32, 5));
    f.close();
  }
  const auto [chunk, chunk_size] = first_chunk(file.path, "/subjects/image");
  const haddr_t header = header_address(file.path, "/subjects/spacing");
  flip_byte(file.path, chunk + chunk_size / 2);
  flip_byte(file.path, header + 40);

  Hdf5File f = Hdf5File::open(file.path);
  const auto group = f.root().open_group("subjects");
  const auto image = group.open_dataset("image");
  const std::string data_error = error_or_none([&] { (void)image.read(); });
  CHECK_THAT(data_error, Contains(file.path + ": /subjects/image: checksum mismatch") && Contains("the file is damaged") &&
                             Contains("voxdata convert"));
  CHECK(data_error.find('\n') == std::string::npos);
  // A block away from the damaged chunk still reads.
  Tensor block = Tensor::empty({2, 4, 4, 4}, DType::Float32);
  const std::vector<std::int64_t> start{0, 4, 4, 4}, count{2, 4, 4, 4}, zero{0, 0, 0, 0};
  CHECK_NOTHROW(image.read_block(start, count, block, zero));

  const std::string header_error = error_or_none([&] { (void)group.open_dataset("spacing").read(); });
  CHECK_THAT(header_error, Contains(file.path + ": /subjects/spacing: checksum mismatch"));
  CHECK(header_error.find('\n') == std::string::npos);
}

TEST_CASE("hdf5: names from the file are escaped in messages, which stay one line", "[io]") {
  TempPath file("names.h5");
  Hdf5File f = Hdf5File::create(file.path);
  const auto root = f.root();
  root.write_attribute("key\nwith\x1b[1m", std::int64_t{3});
  const std::vector<std::string> names = root.attribute_names();
  REQUIRE(names.size() == 1);
  const std::string message = error_or_none([&] { (void)root.read_string_attribute(names[0]); });
  CHECK_THAT(message, Contains("attribute 'key\\x0Awith\\x1B[1m' of / is 8-byte integer, expected strings"));
  CHECK(message.find('\n') == std::string::npos);
}
