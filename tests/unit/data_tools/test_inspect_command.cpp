// test_inspect_command.cpp — `voxdata inspect` reports: NIfTI headers against what nibabel read
// (tests/data/nifti/expected.txt), orientation by the dominant axis, patch stores, escaped header
// text, and errors.
#include <catch2/catch.hpp>

#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/io/nifti_image.hpp"
#include "data_tools/inspect_command.hpp"

#include "support/fixtures.hpp"
#include "support/test_files.hpp"

using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

const fs::path kNifti = fixture_path("nifti");

struct Fixture {
  std::string file;
  std::int64_t nx = 0, ny = 0, nz = 0, nt = 0;
  int qform_code = 0, sform_code = 0;
  double affine[12] = {};
};

std::vector<Fixture> fixtures() {
  std::ifstream in(kNifti / "expected.txt");
  REQUIRE(in.good());
  std::vector<Fixture> all;
  std::string line, key, datatype;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    s >> key;
    if (key == "fixture") {
      Fixture f;
      s >> f.file >> datatype >> f.nx >> f.ny >> f.nz >> f.nt >> f.qform_code >> f.sform_code;
      all.push_back(f);
    } else if (key == "affine") {
      for (double& v : all.back().affine) s >> v;
    }
  }
  return all;
}

// nibabel's aff2axcodes for near-axis-aligned affines: each voxel axis points along the world
// axis its column is largest on, R/A/S when positive, L/P/I when negative.
std::string dominant_axcodes(const double* a) {
  std::string codes;
  for (int c = 0; c < 3; ++c) {
    int best = 0;
    for (int r = 1; r < 3; ++r)
      if (std::fabs(a[r * 4 + c]) > std::fabs(a[best * 4 + c])) best = r;
    codes.push_back(a[best * 4 + c] > 0 ? "RAS"[best] : "LPI"[best]);
  }
  return codes;
}

}  // namespace

TEST_CASE("inspect: NIfTI reports show nibabel's dims, codes, affine and orientation", "[data]") {
  for (const Fixture& f : fixtures()) {
    INFO(f.file);
    const std::string report = voxtrain::inspect_file((kNifti / f.file).string());
    const std::string dims = f.nt > 1 ? fmt::format("{} x {} x {} x {}", f.nx, f.ny, f.nz, f.nt)
                                      : fmt::format("{} x {} x {}", f.nx, f.ny, f.nz);
    CHECK_THAT(report, Contains("dimensions:  " + dims + " ("));
    CHECK_THAT(report, Contains(fmt::format("qform_code:  {} (", f.qform_code)));
    CHECK_THAT(report, Contains(fmt::format("sform_code:  {} (", f.sform_code)));
    for (int r = 0; r < 3; ++r)
      CHECK_THAT(report, Contains(fmt::format("  [{:11.4f} {:11.4f} {:11.4f} {:11.4f} ]\n", f.affine[r * 4],
                                              f.affine[r * 4 + 1], f.affine[r * 4 + 2], f.affine[r * 4 + 3])));
    CHECK_THAT(report, Contains("orientation: " + dominant_axcodes(f.affine) + " ("));
  }
}

TEST_CASE("inspect: a patch store report lists version, fingerprint, subjects and patches", "[data]") {
  const std::string report = voxtrain::inspect_file(fixture_path("store/v1_store.h5"));
  CHECK_THAT(report, Contains("format:      voxtrain patch store, format version 1"));
  CHECK_THAT(report, Contains("  spatial.pixdim = (1, 1, 1)\n"));
  CHECK_THAT(report, Contains("subjects:    2\n"));
  CHECK_THAT(report, Contains("  sub-002          [2, 3, 5, 5]           no "));
  CHECK_THAT(report, Contains("patches:     3 of [C, d, h, w] = [2, 2, 3, 3], with labels"));
}

TEST_CASE("inspect: missing, unknown and non-store files are one-line errors naming them", "[data]") {
  const ScratchDir dir("inspect");
  const std::string missing = dir.file("gone.nii.gz");
  CHECK_THAT(error_or_none([&] { (void)voxtrain::inspect_file(missing); }), Contains(missing + ": no such file"));
  const std::string text = dir.write("notes.txt", "hello\n");
  CHECK_THAT(error_or_none([&] { (void)voxtrain::inspect_file(text); }), Contains(text + ": unknown file type"));
  const std::string plain_h5 = dir.file("plain.h5");
  const hid_t f = H5Fcreate(plain_h5.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(f >= 0);
  H5Fclose(f);
  CHECK_THAT(error_or_none([&] { (void)voxtrain::inspect_file(plain_h5); }),
             Contains(plain_h5 + ": is an HDF5 file but not a voxtrain patch store"));
}

TEST_CASE("inspect: header text that is not printable UTF-8 is shown escaped, never as raw bytes", "[data]") {
  const ScratchDir dir("inspect_text");
  const std::string path = dir.file("text.nii");
  voxtrain::NiftiImage image;
  image.data = voxtrain::Tensor::zeros(voxtrain::Shape{1, 2, 2, 2}, voxtrain::DType::Float32);
  image.affine = {{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}};
  voxtrain::write_nifti(path, image);
  {
    // NIfTI-1 text fields: descrip at byte 148 (80 bytes), aux_file at 228 (24), intent_name at 328 (16).
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    const auto put = [&](std::streamoff at, const std::string& text) {
      f.seekp(at);
      f.write(text.data(), static_cast<std::streamsize>(text.size()));
    };
    put(148, std::string("T1 \x1b[2J\nbrain caf\xc3\xa9 \xff\0", 23));
    put(228, std::string("aux\r\x07\0", 6));
    put(328, std::string("z\x85score\0", 8));
  }
  const std::string report = voxtrain::inspect_file(path);
  CHECK_THAT(report, Contains("description: T1 \\x1B[2J\\x0Abrain caf\xc3\xa9 \\xFF\n"));
  CHECK_THAT(report, Contains("aux_file:    aux\\x0D\\x07\n"));
  CHECK_THAT(report, Contains("intent_name: z\\x85score\n"));
  for (const char c : report) {
    const auto u = static_cast<unsigned char>(c);
    CHECK((u >= 0x20 || c == '\n'));
    CHECK(u != 0x7f);
  }
}
