// test_hdf5_superblock.cpp — the plain-read HDF5 checks: the lookup3 checksum against superblocks libhdf5
// wrote, user blocks, and one-line refusals of truncated, damaged and non-HDF5 files (sizes from the OS).
#include <catch2/catch.hpp>

#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/io/hdf5/hdf5_file.hpp"
#include "voxtrain/io/hdf5/hdf5_superblock.hpp"

#include "support/test_files.hpp"

using voxtrain::check_hdf5_superblock;
using voxtrain::read_hdf5_superblock;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

// A file written by libhdf5 itself with the given format bounds and user block (0: none).
void write_raw(const std::string& path, H5F_libver_t low, hsize_t user_block) {
  const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  REQUIRE(H5Pset_userblock(fcpl, user_block) >= 0);
  REQUIRE(H5Pset_libver_bounds(fapl, low, H5F_LIBVER_LATEST) >= 0);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl);
  REQUIRE(file >= 0);
  const hsize_t dims[1] = {100};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t set = H5Dcreate2(file, "x", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  std::vector<std::int32_t> values(100, 7);
  REQUIRE(H5Dwrite(set, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
  H5Dclose(set);
  H5Sclose(space);
  H5Pclose(fapl);
  H5Pclose(fcpl);
  REQUIRE(H5Fclose(file) >= 0);
}

std::vector<unsigned char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::vector<unsigned char>& b) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(b.data()),
                                                                 static_cast<std::streamsize>(b.size()));
}

}  // namespace

TEST_CASE("hdf5 superblock: the lookup3 checksum matches what libhdf5 stored, in every format it writes", "[io]") {
  const ScratchDir dir("superblock");
  struct Case {
    H5F_libver_t low;
    hsize_t user_block;
    int version;
  };
  for (const Case c : {Case{H5F_LIBVER_EARLIEST, 0, 0}, Case{H5F_LIBVER_V18, 0, 2}, Case{H5F_LIBVER_V110, 0, 3},
                       Case{H5F_LIBVER_EARLIEST, 512, 0}, Case{H5F_LIBVER_V110, 1024, 3}}) {
    const std::string path = dir.file(fmt::format("raw_{}_{}.h5", static_cast<int>(c.low), c.user_block));
    write_raw(path, c.low, c.user_block);
    INFO(path);
    const auto s = read_hdf5_superblock(path);
    REQUIRE(s.has_value());
    CHECK(s->version == c.version);
    CHECK(s->offset == static_cast<std::int64_t>(c.user_block));
    CHECK(s->offset_size == 8);
    CHECK(s->has_checksum == (c.version >= 2));
    CHECK(s->checksum_matches);
    // The end of file libhdf5 recorded is the size the operating system reports.
    CHECK(s->end_of_file == fs::file_size(path));
    CHECK_NOTHROW(check_hdf5_superblock(path));
  }
  // The published lookup3 value for no bytes (hashlittle("", 0, 0) = 0xdeadbeef).
  CHECK(voxtrain::hdf5_lookup3_checksum(nullptr, 0) == 0xdeadbeefu);
}

TEST_CASE("hdf5 superblock: truncated, damaged and non-HDF5 files are refused in one line before libhdf5 reads them",
          "[io]") {
  const ScratchDir dir("superblock_bad");
  const std::string good = dir.file("good.h5");
  {
    voxtrain::Hdf5File f = voxtrain::Hdf5File::create(good);
    f.root().write_attribute("n", std::int64_t{1});
  }
  const std::vector<unsigned char> original = bytes_of(good);
  const auto refused = [&](const std::vector<unsigned char>& b, const std::string& name) {
    const std::string path = dir.file(name);
    write_bytes(path, b);
    const std::string message = error_or_none([&] { check_hdf5_superblock(path); });
    CHECK(message.find('\n') == std::string::npos);
    CHECK_THAT(message, Contains(path + ": "));
    // Hdf5File::open gives the same line: libhdf5 never sees the file.
    CHECK(error_or_none([&] { (void)voxtrain::Hdf5File::open(path); }) == message);
    return message;
  };

  std::vector<unsigned char> cut(original.begin(), original.end() - 1);
  CHECK_THAT(refused(cut, "cut.h5"),
             Contains(fmt::format("the file is truncated: its HDF5 superblock says it has {} bytes, but it has {}",
                                  original.size(), original.size() - 1)) &&
                 Contains("copy it again"));

  std::vector<unsigned char> flipped = original;
  flipped[28] ^= 0x04;  // the end-of-file address of a version 3 superblock (bytes 28-35)
  CHECK_THAT(refused(flipped, "flipped.h5"), Contains("checksum mismatch in the HDF5 superblock"));

  std::vector<unsigned char> version = original;
  version[8] = 9;
  CHECK_THAT(refused(version, "version.h5"), Contains("HDF5 superblock version 9 is not one HDF5 1.10 knows"));

  const std::vector<unsigned char> signature_only(original.begin(), original.begin() + 10);
  CHECK_THAT(refused(signature_only, "signature_only.h5"), Contains("superblock at byte 0 is cut short"));

  CHECK_THAT(refused(std::vector<unsigned char>(600, 'x'), "text.h5"), Contains("is not an HDF5 file (no HDF5 signature)"));

  // A version 0 superblock has no checksum: its end of file (bytes 40-47) is checked against the size.
  const std::string old = dir.file("old.h5");
  write_raw(old, H5F_LIBVER_EARLIEST, 0);
  std::vector<unsigned char> longer = bytes_of(old);
  longer[41] += 1;  // 256 bytes more than the file has
  CHECK_THAT(refused(longer, "old_longer.h5"),
             Contains(fmt::format("its HDF5 superblock says it has {} bytes, but it has {}", longer.size() + 256,
                                  longer.size())));
}
