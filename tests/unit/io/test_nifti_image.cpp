// test_nifti_image.cpp — files nibabel wrote (tests/data/nifti/, expected.txt) read to nibabel's
// values; write/read round trips for every datatype, 3-D and 4-D, .nii and .nii.gz; error messages.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/io/nifti_image.hpp"

#include "support/fixtures.hpp"
#include "support/test_files.hpp"

using voxtrain::Affine;
using voxtrain::DType;
using voxtrain::NiftiDatatype;
using voxtrain::NiftiImage;
using voxtrain::NiftiRead;
using voxtrain::Shape;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fixture_path("nifti");

struct Voxel {
  std::int64_t i, j, k, t;
  double value;
};

struct Expected {
  std::string file, datatype;
  std::int64_t nx = 0, ny = 0, nz = 0, nt = 0;
  int qform_code = 0, sform_code = 0;
  double slope = 0, inter = 0, sum = 0;
  bool label = false;
  double affine[12] = {};
  double pixdim[4] = {};
  std::vector<Voxel> voxels;
};

// expected.txt, written by make_fixtures.py from what nibabel reads.
std::vector<Expected> load_expected() {
  std::ifstream in(kFixtures / "expected.txt");
  REQUIRE(in.good());
  std::vector<Expected> all;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string key;
    s >> key;
    if (key == "fixture") {
      Expected e;
      int label = 0;
      s >> e.file >> e.datatype >> e.nx >> e.ny >> e.nz >> e.nt >> e.qform_code >> e.sform_code >>
          e.slope >> e.inter >> e.sum >> label;
      e.label = label != 0;
      all.push_back(e);
    } else if (key == "affine") {
      for (double& v : all.back().affine) s >> v;
    } else if (key == "pixdim") {
      for (double& v : all.back().pixdim) s >> v;
    } else if (key == "voxel") {
      Voxel v{};
      s >> v.i >> v.j >> v.k >> v.t >> v.value;
      all.back().voxels.push_back(v);
    }
    REQUIRE_FALSE(s.fail());
  }
  return all;
}

template <class T> T at(const NiftiImage& img, std::int64_t i, std::int64_t j, std::int64_t k, std::int64_t t) {
  const Shape& s = img.data.shape();
  return img.data.data<T>()[((t * s[1] + k) * s[2] + j) * s[3] + i];
}

// Rotation about an oblique axis, anisotropic spacing (0.7, 1.2, 3.1) and a translation.
Affine oblique_affine() {
  const double c = std::cos(0.4), s = std::sin(0.4), c2 = std::cos(-0.25), s2 = std::sin(-0.25);
  const double rot[3][3] = {{c, -s * c2, s * s2}, {s, c * c2, -c * s2}, {0, s2, c2}};
  const double spacing[3] = {0.7, 1.2, 3.1};
  Affine a{};
  for (int r = 0; r < 3; ++r)
    for (int col = 0; col < 3; ++col) a[r][col] = rot[r][col] * spacing[col];
  a[0][3] = -12.5;
  a[1][3] = 40.25;
  a[2][3] = 7.0;
  a[3][3] = 1;
  return a;
}

Tensor ramp(const Shape& shape, DType dtype, double scale, double offset) {
  Tensor t = Tensor::empty(shape, dtype);
  for (std::int64_t n = 0; n < t.numel(); ++n) {
    const double v = static_cast<double>(n) * scale + offset;
    if (dtype == DType::Float32) t.data<float>()[n] = static_cast<float>(v);
    if (dtype == DType::Int32) t.data<std::int32_t>()[n] = static_cast<std::int32_t>(v);
    if (dtype == DType::UInt8) t.data<std::uint8_t>()[n] = static_cast<std::uint8_t>(v);
  }
  return t;
}

}  // namespace

TEST_CASE("NIfTI files written by nibabel read to nibabel's values, affine and pixdim", "[io]") {
  const std::vector<Expected> all = load_expected();
  REQUIRE(all.size() == 6);
  for (const Expected& e : all) {
    INFO(e.file);
    const NiftiImage img = voxtrain::read_nifti((kFixtures / e.file).string());
    CHECK(img.data.shape() == Shape{e.nt, e.nz, e.ny, e.nx});
    CHECK(img.data.dtype() == DType::Float32);
    CHECK(voxtrain::nifti_datatype_name(img.stored_as) == e.datatype);
    CHECK(img.qform_code == e.qform_code);
    CHECK(img.sform_code == e.sform_code);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c) CHECK(img.affine[r][c] == Approx(e.affine[r * 4 + c]).margin(1e-5));
    CHECK(img.affine[3] == std::array<double, 4>{0, 0, 0, 1});
    for (int d = 0; d < 4; ++d) CHECK(img.pixdim[d] == Approx(e.pixdim[d]).epsilon(1e-7));
    for (const Voxel& v : e.voxels) {
      INFO("voxel " << v.i << "," << v.j << "," << v.k << "," << v.t);
      CHECK(at<float>(img, v.i, v.j, v.k, v.t) == static_cast<float>(v.value));
    }
    double sum = 0;
    for (std::int64_t n = 0; n < img.data.numel(); ++n) sum += img.data.data<float>()[n];
    CHECK(sum == Approx(e.sum).epsilon(1e-9));

    if (e.label) {
      const NiftiImage labels = voxtrain::read_nifti((kFixtures / e.file).string(), NiftiRead::Label);
      CHECK(labels.data.dtype() == DType::Int32);
      for (const Voxel& v : e.voxels) CHECK(at<std::int32_t>(labels, v.i, v.j, v.k, v.t) == v.value);
    }
  }
}

TEST_CASE("NIfTI write then read keeps voxels, affine, pixdim and codes", "[io]") {
  const ScratchDir dir("nifti");
  struct Case {
    NiftiDatatype stored;
    DType dtype;
    double scale, offset;
  };
  const Case cases[] = {{NiftiDatatype::Float32, DType::Float32, 0.37, -5.125},
                        {NiftiDatatype::Int32, DType::Int32, 1001, -70000},
                        {NiftiDatatype::Int16, DType::Int32, 97, -3000},
                        {NiftiDatatype::UInt8, DType::UInt8, 1, 3}};
  const Affine affine = oblique_affine();
  for (const Case& c : cases) {
    for (const Shape shape : {Shape{1, 3, 4, 5}, Shape{2, 3, 4, 5}}) {
      for (const char* ext : {".nii", ".nii.gz"}) {
        const std::string path =
            dir.file(fmt::format("img_{}_{}{}", voxtrain::nifti_datatype_name(c.stored), shape[0], ext));
        INFO(path);
        NiftiImage img;
        img.data = ramp(shape, c.dtype, c.scale, c.offset);
        img.affine = affine;
        img.pixdim = {0.7, 1.2, 3.1, 2.5};
        img.qform_code = 1;
        img.sform_code = 4;
        img.stored_as = c.stored;
        voxtrain::write_nifti(path, img);

        const NiftiImage back = voxtrain::read_nifti(path);
        REQUIRE(back.data.shape() == shape);
        CHECK(back.stored_as == c.stored);
        CHECK(back.qform_code == 1);
        CHECK(back.sform_code == 4);
        for (int r = 0; r < 4; ++r)
          for (int col = 0; col < 4; ++col)
            CHECK(back.affine[r][col] == Approx(affine[r][col]).margin(1e-5));
        CHECK(back.pixdim[0] == Approx(0.7).epsilon(1e-6));
        CHECK(back.pixdim[1] == Approx(1.2).epsilon(1e-6));
        CHECK(back.pixdim[2] == Approx(3.1).epsilon(1e-6));
        CHECK(back.pixdim[3] == (shape[0] > 1 ? 2.5 : 1.0));
        const Tensor want = ramp(shape, DType::Float32, c.scale, c.offset);
        std::int64_t differ = 0;
        for (std::int64_t n = 0; n < want.numel(); ++n)
          differ += back.data.data<float>()[n] != want.data<float>()[n];
        CHECK(differ == 0);

        // The qform alone (sform code 0) gives the same affine, up to float rounding.
        img.sform_code = 0;
        voxtrain::write_nifti(path, img);
        const NiftiImage qonly = voxtrain::read_nifti(path);
        for (int r = 0; r < 3; ++r)
          for (int col = 0; col < 4; ++col)
            CHECK(qonly.affine[r][col] == Approx(affine[r][col]).margin(1e-4));
      }
    }
  }
  // Nothing but the written files: no temporary left behind.
  for (const auto& entry : fs::directory_iterator(dir.path()))
    CHECK_THAT(entry.path().filename().string(), !Contains(".tmp-"));
}

TEST_CASE("a segmentation written like its input overlays it", "[io]") {
  const ScratchDir dir("nifti");
  const NiftiImage t1 = voxtrain::read_nifti((kFixtures / "t1_int16_scaled.nii.gz").string());
  Tensor seg = ramp(Shape{3, 4, 5}, DType::Int32, 1, 0);
  for (std::int64_t n = 0; n < seg.numel(); ++n) seg.data<std::int32_t>()[n] %= 4;
  const std::string path = dir.file("seg.nii.gz");
  voxtrain::write_nifti_like(path, seg, t1);
  const NiftiImage back = voxtrain::read_nifti(path, NiftiRead::Label);
  CHECK(back.stored_as == NiftiDatatype::UInt8);
  CHECK(back.data.shape() == Shape{1, 3, 4, 5});
  CHECK(back.qform_code == t1.qform_code);
  CHECK(back.sform_code == t1.sform_code);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) CHECK(back.affine[r][c] == t1.affine[r][c]);  // float32 srow kept
  for (std::int64_t n = 0; n < seg.numel(); ++n)
    REQUIRE(back.data.data<std::int32_t>()[n] == seg.data<std::int32_t>()[n]);

  CHECK_THAT(error_message_of([&] { voxtrain::write_nifti_like(path, Tensor::zeros(Shape{3, 5, 4}), t1); }),
             Contains("seg.nii.gz") && Contains("[C, 3, 4, 5]"));
}

TEST_CASE("NIfTI errors name the file and say what to do, on one line", "[io]") {
  const ScratchDir dir("nifti");
  auto one_line = [](const std::string& m) { return m.find('\n') == std::string::npos; };

  const std::string missing = dir.file("nope.nii.gz");
  std::string m = error_message_of([&] { voxtrain::read_nifti(missing); });
  CHECK_THAT(m, Contains(missing) && Contains("no such file"));
  CHECK(one_line(m));

  const std::string garbage = dir.file("garbage.nii");
  std::ofstream(garbage) << std::string(1000, 'x');
  m = error_message_of([&] { voxtrain::read_nifti(garbage); });
  CHECK_THAT(m, Contains(garbage) && Contains("cannot be read as NIfTI"));
  CHECK(one_line(m));

  // A truncated .nii.gz: the first half of a good file.
  const std::string good = dir.file("good.nii.gz");
  NiftiImage img;
  img.data = ramp(Shape{1, 20, 20, 20}, DType::Float32, 0.001, 0);
  img.affine = oblique_affine();
  voxtrain::write_nifti(good, img);
  std::ifstream in(good, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string truncated = dir.file("truncated.nii.gz");
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  m = error_message_of([&] { voxtrain::read_nifti(truncated); });
  CHECK_THAT(m, Contains(truncated));
  CHECK(one_line(m));

  // Unsupported datatype: patch the datatype (int16 at byte 70) of a written .nii to int64 (1024)
  // and bitpix (byte 72) to 64, keeping the file otherwise valid.
  const std::string wide = dir.file("int64.nii");
  NiftiImage small;
  small.data = Tensor::zeros(Shape{1, 2, 2, 2}, DType::Float32);
  small.affine = oblique_affine();
  small.stored_as = NiftiDatatype::Float32;
  voxtrain::write_nifti(wide, small);
  {
    std::fstream f(wide, std::ios::in | std::ios::out | std::ios::binary);
    const std::int16_t datatype = 1024, bitpix = 64;
    f.seekp(70);
    f.write(reinterpret_cast<const char*>(&datatype), 2);
    f.write(reinterpret_cast<const char*>(&bitpix), 2);
    f.seekp(0, std::ios::end);
    f.write(std::string(64, '\0').data(), 64);  // int64 voxels need twice the bytes
  }
  m = error_message_of([&] { voxtrain::read_nifti(wide); });
  CHECK_THAT(m, Contains(wide) && Contains("INT64") && Contains("not supported"));
  CHECK(one_line(m));

  // 5-D: dim[0] = 5 with dim[5] = 2 (bytes 40 + 2*d).
  const std::string five = dir.file("five.nii");
  voxtrain::write_nifti(five, small);
  {
    std::fstream f(five, std::ios::in | std::ios::out | std::ios::binary);
    const std::int16_t dims[6] = {5, 2, 2, 1, 1, 2};
    f.seekp(40);
    f.write(reinterpret_cast<const char*>(dims), sizeof dims);
  }
  m = error_message_of([&] { voxtrain::read_nifti(five); });
  CHECK_THAT(m, Contains(five) && Contains("5 dimensions"));

  // A zero dimension (dim[3] = 0 at byte 46) and a negative spacing (pixdim[2] = -3 at byte 84):
  // nifticlib would silently read both as 1.
  const std::string empty_dim = dir.file("zero_dim.nii");
  voxtrain::write_nifti(empty_dim, small);
  {
    std::fstream f(empty_dim, std::ios::in | std::ios::out | std::ios::binary);
    const std::int16_t zero = 0;
    f.seekp(46);
    f.write(reinterpret_cast<const char*>(&zero), 2);
  }
  m = error_message_of([&] { voxtrain::read_nifti(empty_dim); });
  CHECK_THAT(m, Contains(empty_dim) && Contains("dimension 3 of the header is 0") && Contains("2x2x0"));
  CHECK(one_line(m));
  const std::string negative = dir.file("negative_pixdim.nii");
  voxtrain::write_nifti(negative, small);
  {
    std::fstream f(negative, std::ios::in | std::ios::out | std::ios::binary);
    const float minus_three = -3.0f;
    f.seekp(84);
    f.write(reinterpret_cast<const char*>(&minus_three), 4);
  }
  m = error_message_of([&] { voxtrain::read_nifti(negative); });
  CHECK_THAT(m, Contains(negative) && Contains("pixdim[2] = -3 is not a positive voxel spacing"));
  CHECK(one_line(m));

  // Label read of a non-integer image.
  m = error_message_of([&] { voxtrain::read_nifti(good, NiftiRead::Label); });
  CHECK_THAT(m, Contains(good) && Contains("not a whole number"));

  // Write failures: a directory that does not exist; a value int16 cannot hold.
  const std::string nowhere = dir.file("no/such/dir/out.nii");
  m = error_message_of([&] { voxtrain::write_nifti(nowhere, small); });
  CHECK_THAT(m, Contains(nowhere) && Contains("cannot write"));
  CHECK(one_line(m));
  NiftiImage big;
  big.data = ramp(Shape{1, 2, 2, 2}, DType::Int32, 10000, 0);
  big.affine = oblique_affine();
  big.stored_as = NiftiDatatype::Int16;
  const std::string overflow = dir.file("overflow.nii");
  m = error_message_of([&] { voxtrain::write_nifti(overflow, big); });
  CHECK_THAT(m, Contains(overflow) && Contains("int16 cannot hold"));
  CHECK_FALSE(fs::exists(overflow));
}

TEST_CASE("a header announcing more voxels than the file holds is refused before they are allocated", "[io]") {
  const ScratchDir dir("nifti_size");
  const std::string path = dir.file("huge.nii");
  NiftiImage small;
  small.data = Tensor::zeros(Shape{1, 2, 2, 2}, DType::Float32);
  small.affine = oblique_affine();
  voxtrain::write_nifti(path, small);
  {
    // dim[1..3] (bytes 42-47) = 32767: 3.5e13 float32 voxels in a file of 384 bytes.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    const std::int16_t dims[3] = {32767, 32767, 32767};
    f.seekp(42);
    f.write(reinterpret_cast<const char*>(dims), sizeof dims);
  }
  const std::string m = error_message_of([&] { voxtrain::read_nifti(path); });
  CHECK_THAT(m, Contains(path + ": the header announces 32767x32767x32767 voxels of 4 bytes") &&
                    Contains(fmt::format("the file has only {} bytes", std::filesystem::file_size(path))) &&
                    Contains("truncated or its header is damaged"));
  CHECK(m.find('\n') == std::string::npos);
  // The header alone still reads (inspect shows what it claims).
  CHECK(voxtrain::read_nifti_header(path).dim[0] == 32767);
}
