// test_volume_loader.cpp — a subject's NIfTI files to a Subject: channels stacked in order, maps
// read, and every mismatch (size, affine, channels, missing file) refused naming subject and file.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "support/test_files.hpp"
#include "voxtrain/data/nifti/volume_loader.hpp"
#include "voxtrain/io/nifti_image.hpp"

using Catch::Matchers::Contains;
using voxtrain::NiftiImage;
using voxtrain::Shape;
using voxtrain::SubjectFiles;
using voxtrain::Tensor;
using voxtrain::testing::error_message_of;

namespace {

voxtrain::Affine spaced_affine(double sx, double sy, double sz) {
  voxtrain::Affine a{};
  a[0] = {0, 0, sz, -10};  // a permuted, anisotropic grid: spacing is the column length
  a[1] = {sx, 0, 0, 5};
  a[2] = {0, -sy, 0, 2};
  a[3] = {0, 0, 0, 1};
  return a;
}

NiftiImage volume(const Shape& shape, float base, const voxtrain::Affine& affine) {
  NiftiImage img;
  img.data = Tensor::empty(shape);
  for (std::int64_t e = 0; e < img.data.numel(); ++e) img.data.data<float>()[e] = base + static_cast<float>(e);
  img.affine = affine;
  img.sform_code = 1;
  return img;
}

NiftiImage labels(const Shape& shape, const voxtrain::Affine& affine) {
  NiftiImage img;
  img.data = Tensor::empty(shape, voxtrain::DType::Int32);
  for (std::int64_t e = 0; e < img.data.numel(); ++e) img.data.data<std::int32_t>()[e] = static_cast<std::int32_t>(e % 3);
  img.affine = affine;
  img.sform_code = 1;
  img.stored_as = voxtrain::NiftiDatatype::UInt8;
  return img;
}

bool equal_bytes(const void* a, const void* b, std::size_t n) { return std::memcmp(a, b, n) == 0; }

}  // namespace

TEST_CASE("a subject's files load as stacked channels on the first image's grid", "[data]") {
  voxtrain::testing::ScratchDir dir("loader");
  const auto affine = spaced_affine(0.5, 1.5, 3.0);
  const NiftiImage t1 = volume(Shape{1, 4, 5, 6}, 0, affine);
  const NiftiImage two = volume(Shape{2, 4, 5, 6}, 1000, affine);  // a 4-D file with two channels
  const NiftiImage lab = labels(Shape{1, 4, 5, 6}, affine);
  voxtrain::write_nifti(dir.file("t1.nii.gz"), t1);
  voxtrain::write_nifti(dir.file("two.nii"), two);
  voxtrain::write_nifti(dir.file("lab.nii.gz"), lab);
  voxtrain::write_nifti(dir.file("w.nii.gz"), volume(Shape{1, 4, 5, 6}, 7, affine));

  SubjectFiles files{"case-7", {dir.file("t1.nii.gz"), dir.file("two.nii")}, dir.file("lab.nii.gz"),
                     dir.file("w.nii.gz"), ""};
  const voxtrain::Subject s = voxtrain::load_subject_files(files);
  CHECK(s.id == "case-7");
  REQUIRE(s.image.shape() == Shape({3, 4, 5, 6}));
  CHECK(equal_bytes(s.image.raw_data(), t1.data.raw_data(), t1.data.nbytes()));
  CHECK(equal_bytes(static_cast<const char*>(s.image.raw_data()) + t1.data.nbytes(), two.data.raw_data(),
                    two.data.nbytes()));
  REQUIRE(s.label.dtype() == voxtrain::DType::Int32);
  CHECK(equal_bytes(s.label.raw_data(), lab.data.raw_data(), lab.data.nbytes()));
  CHECK(s.weight.shape() == Shape({1, 4, 5, 6}));
  CHECK_FALSE(s.sampling_map.defined());
  CHECK(s.size_ijk() == std::array<std::int64_t, 3>{6, 5, 4});
  CHECK(s.spacing[0] == Approx(0.5).epsilon(1e-6));  // column lengths of the permuted affine
  CHECK(s.spacing[1] == Approx(1.5).epsilon(1e-6));
  CHECK(s.spacing[2] == Approx(3.0).epsilon(1e-6));
  CHECK(s.source_files.size() == 4);
}

TEST_CASE("loading refuses files that do not share the first image's grid, naming subject and file", "[data]") {
  voxtrain::testing::ScratchDir dir("loader_bad");
  const auto affine = spaced_affine(1, 1, 1);
  voxtrain::write_nifti(dir.file("t1.nii.gz"), volume(Shape{1, 4, 5, 6}, 0, affine));
  voxtrain::write_nifti(dir.file("small.nii.gz"), labels(Shape{1, 4, 5, 5}, affine));
  voxtrain::write_nifti(dir.file("moved.nii.gz"), volume(Shape{1, 4, 5, 6}, 0, spaced_affine(1, 1, 1.01)));
  voxtrain::write_nifti(dir.file("two.nii.gz"), volume(Shape{2, 4, 5, 6}, 0, affine));
  voxtrain::write_nifti(dir.file("frac.nii.gz"), volume(Shape{1, 4, 5, 6}, 0.5f, affine));

  auto load = [&](SubjectFiles f) { return [f] { voxtrain::load_subject_files(f); }; };
  std::string m = error_message_of(load({"s1", {dir.file("t1.nii.gz")}, dir.file("small.nii.gz"), "", ""}));
  CHECK_THAT(m, Contains("subject 's1'") && Contains("small.nii.gz is 5x5x4 voxels") && Contains("t1.nii.gz is 6x5x4"));
  m = error_message_of(load({"s2", {dir.file("t1.nii.gz"), dir.file("moved.nii.gz")}, "", "", ""}));
  CHECK_THAT(m, Contains("subject 's2'") && Contains("affine of") && Contains("moved.nii.gz"));
  m = error_message_of(load({"s3", {dir.file("t1.nii.gz")}, "", dir.file("two.nii.gz"), ""}));
  CHECK_THAT(m, Contains("subject 's3'") && Contains("weight map") && Contains("2 channels"));
  m = error_message_of(load({"s4", {dir.file("t1.nii.gz")}, dir.file("missing.nii.gz"), "", ""}));
  CHECK_THAT(m, Contains("subject 's4'") && Contains("missing.nii.gz") && Contains("no such file"));
  m = error_message_of(load({"s5", {dir.file("t1.nii.gz")}, dir.file("frac.nii.gz"), "", ""}));
  CHECK_THAT(m, Contains("subject 's5'") && Contains("not a whole number"));  // a float image as label
  CHECK(m.find('\n') == std::string::npos);
}
