// test_phantom.cpp — the phantom data set: deterministic per (seed, subject) and thread count,
// every class present and separable in every contrast, files that read back, argument errors.
#include <catch2/catch.hpp>

#include <omp.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "data_tools/phantoms_command.hpp"
#include "voxtrain/data/phantoms/phantom.hpp"
#include "voxtrain/io/nifti_image.hpp"

#include "support/test_files.hpp"

using voxtrain::Phantom;
using voxtrain::PhantomSpec;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

bool same_bytes(const voxtrain::Tensor& a, const voxtrain::Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.nbytes() == b.nbytes() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

bool same(const Phantom& a, const Phantom& b) {
  return same_bytes(a.image, b.image) && same_bytes(a.label, b.label) && a.affine == b.affine;
}

std::vector<double> class_fractions(const Phantom& p, int classes) {
  std::vector<double> count(static_cast<std::size_t>(classes), 0.0);
  const auto* l = p.label.data<std::int32_t>();
  for (std::int64_t v = 0; v < p.label.numel(); ++v) {
    if (l[v] < 0 || l[v] >= classes) FAIL("label " << l[v] << " outside 0.." << classes - 1);
    count[static_cast<std::size_t>(l[v])] += 1;
  }
  for (double& c : count) c /= static_cast<double>(p.label.numel());
  return count;
}

std::string error_of(const std::vector<std::string>& args) {
  return error_or_none([&] { voxtrain::parse_phantoms_args(args); });
}

}  // namespace

TEST_CASE("phantoms: the same (seed, subject) gives identical bytes; another seed or subject differs", "[data]") {
  const PhantomSpec spec{.size = 24, .classes = 4, .modalities = 2, .seed = 7};
  const Phantom a = voxtrain::make_phantom(spec, 3);
  CHECK(a.image.shape() == voxtrain::Shape{2, 24, 24, 24});
  CHECK(a.label.shape() == voxtrain::Shape{1, 24, 24, 24});
  CHECK(a.image.dtype() == voxtrain::DType::Float32);
  CHECK(a.label.dtype() == voxtrain::DType::Int32);
  CHECK(same(a, voxtrain::make_phantom(spec, 3)));
  // Generating other subjects first changes nothing: subjects are independent.
  (void)voxtrain::make_phantom(spec, 1);
  CHECK(same(a, voxtrain::make_phantom(spec, 3)));
  PhantomSpec other = spec;
  other.seed = 8;
  CHECK_FALSE(same_bytes(a.image, voxtrain::make_phantom(other, 3).image));
  CHECK_FALSE(same_bytes(a.label, voxtrain::make_phantom(other, 3).label));
  CHECK_FALSE(same_bytes(a.image, voxtrain::make_phantom(spec, 4).image));
}

TEST_CASE("phantoms: anisotropic spacing in the affine, centred on the origin", "[data]") {
  const PhantomSpec spec{.size = 16, .classes = 3, .modalities = 1, .seed = 0};
  bool anisotropic = false;
  for (int s = 1; s <= 5; ++s) {
    const Phantom p = voxtrain::make_phantom(spec, s);
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c)
        if (r != c) CHECK(p.affine[r][c] == 0.0);
      CHECK(p.affine[r][r] >= 0.8);
      CHECK(p.affine[r][r] <= 1.5);
      CHECK(p.affine[r][3] == Approx(-7.5 * p.affine[r][r]));  // voxel 7.5 (the centre) at 0 mm
    }
    CHECK(p.affine[3] == std::array<double, 4>{0, 0, 0, 1});
    if (std::abs(p.affine[0][0] - p.affine[2][2]) > 0.05) anisotropic = true;
  }
  CHECK(anisotropic);
}

TEST_CASE("phantoms: every class appears with a plausible volume fraction", "[data]") {
  for (int classes : {2, 3, 4, 6}) {
    for (std::uint64_t seed : {0, 1, 2}) {
      for (int subject : {1, 2, 3}) {
        CAPTURE(classes, seed, subject);
        const PhantomSpec spec{.size = 32, .classes = classes, .modalities = 1, .seed = seed};
        const auto f = class_fractions(voxtrain::make_phantom(spec, subject), classes);
        const int lesion = voxtrain::phantom_lesion_class(spec);
        CHECK(lesion == classes - 1);
        if (classes >= 3) {
          CHECK(f[0] > 0.45);  // the head is inside the field of view, not filling it
          CHECK(f[0] < 0.97);
          for (int c = 1; c < lesion; ++c) CHECK(f[static_cast<std::size_t>(c)] > 0.003);
        } else {
          CHECK(f[0] > 0.9);  // K = 2: the head's tissue is class 0 with the background
        }
        CHECK(f[static_cast<std::size_t>(lesion)] > 0.0);  // a small lesion, present in every subject
        CHECK(f[static_cast<std::size_t>(lesion)] < 0.03);
      }
    }
  }
  // The smallest size with the most classes it allows still has every class.
  const PhantomSpec tiny{.size = 16, .classes = 4, .modalities = 1, .seed = 5};
  for (int subject = 1; subject <= 10; ++subject) {
    const auto f = class_fractions(voxtrain::make_phantom(tiny, subject), 4);
    for (double x : f) CHECK(x > 0.0);
  }
}

TEST_CASE("phantoms: per-modality class means are distinct, and the contrasts differ", "[data]") {
  const int classes = 5, modalities = 5;
  const PhantomSpec spec{.size = 32, .classes = classes, .modalities = modalities, .seed = 11};
  for (int subject : {1, 2}) {
    const Phantom p = voxtrain::make_phantom(spec, subject);
    const auto* label = p.label.data<std::int32_t>();
    const auto* image = p.image.data<float>();
    const std::int64_t voxels = p.label.numel();
    std::vector<std::vector<double>> mean(modalities, std::vector<double>(classes, 0.0));
    std::vector<double> count(classes, 0.0);
    for (std::int64_t v = 0; v < voxels; ++v) count[static_cast<std::size_t>(label[v])] += 1;
    for (int m = 0; m < modalities; ++m) {
      for (std::int64_t v = 0; v < voxels; ++v)
        mean[static_cast<std::size_t>(m)][static_cast<std::size_t>(label[v])] += image[m * voxels + v];
      for (int c = 0; c < classes; ++c) {
        auto& x = mean[static_cast<std::size_t>(m)][static_cast<std::size_t>(c)];
        x /= count[static_cast<std::size_t>(c)];
      }
      for (int c = 0; c < classes; ++c)
        for (int d = c + 1; d < classes; ++d) {
          CAPTURE(subject, m, c, d);
          CHECK(std::abs(mean[static_cast<std::size_t>(m)][static_cast<std::size_t>(c)] -
                         mean[static_cast<std::size_t>(m)][static_cast<std::size_t>(d)]) > 50.0);
        }
    }
    // T1 and T2 order the tissues differently (not one contrast repeated).
    CHECK((mean[0][1] < mean[0][2]) != (mean[1][1] < mean[1][2]));
  }
  CHECK(voxtrain::phantom_modality_name(0) == "T1");
  CHECK(voxtrain::phantom_modality_name(1) == "T2");
  CHECK(voxtrain::phantom_modality_name(2) == "FLAIR");
  CHECK(voxtrain::phantom_modality_name(3) == "PD");
  CHECK(voxtrain::phantom_modality_name(4) == "M5");
  CHECK(voxtrain::phantom_subject_id(7) == "sub-007");
}

TEST_CASE("phantoms: the result does not depend on the OpenMP thread count", "[data]") {
  const int threads = omp_get_max_threads();
  const PhantomSpec spec{.size = 24, .classes = 4, .modalities = 2, .seed = 3};
  omp_set_num_threads(1);
  const Phantom one = voxtrain::make_phantom(spec, 2);
  omp_set_num_threads(2);
  const Phantom two = voxtrain::make_phantom(spec, 2);
  omp_set_num_threads(3);
  const Phantom three = voxtrain::make_phantom(spec, 2);
  omp_set_num_threads(threads);
  CHECK(same(one, two));
  CHECK(same(one, three));
}

TEST_CASE("phantoms: the written files read back with the same data and affine", "[data]") {
  const ScratchDir scratch("phantoms");
  const fs::path dir = scratch.path() / "new" / "dir";
  voxtrain::PhantomDataSetOptions o;
  o.out = dir.string();
  o.subjects = 2;
  o.spec = PhantomSpec{.size = 16, .classes = 4, .modalities = 3, .seed = 9};
  std::vector<std::string> progress;
  voxtrain::write_phantom_data_set(o, [&](int done, int total, const std::string& id) {
    progress.push_back(std::to_string(done) + "/" + std::to_string(total) + " " + id);
  });
  CHECK(progress == std::vector<std::string>{"1/2 sub-001", "2/2 sub-002"});
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"sub-001_FLAIR.nii.gz", "sub-001_Label.nii.gz", "sub-001_T1.nii.gz",
                                          "sub-001_T2.nii.gz", "sub-002_FLAIR.nii.gz", "sub-002_Label.nii.gz",
                                          "sub-002_T1.nii.gz", "sub-002_T2.nii.gz"});
  for (int s = 1; s <= 2; ++s) {
    const Phantom p = voxtrain::make_phantom(o.spec, s);
    const std::string id = voxtrain::phantom_subject_id(s);
    const auto check_geometry = [&](const voxtrain::NiftiImage& img) {
      for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) CHECK(img.affine[r][c] == Approx(p.affine[r][c]).margin(1e-6));
      for (int a = 0; a < 3; ++a) CHECK(img.pixdim[a] == Approx(p.affine[a][a]).epsilon(1e-6));
    };
    const std::int64_t voxels = 16 * 16 * 16;
    for (int m = 0; m < 3; ++m) {
      const auto img = voxtrain::read_nifti((dir / (id + "_" + voxtrain::phantom_modality_name(m) + ".nii.gz")).string());
      CHECK(img.data.shape() == voxtrain::Shape{1, 16, 16, 16});
      CHECK(std::memcmp(img.data.data<float>(), p.image.data<float>() + m * voxels, voxels * sizeof(float)) == 0);
      check_geometry(img);
    }
    const auto lab = voxtrain::read_nifti((dir / (id + "_Label.nii.gz")).string(), voxtrain::NiftiRead::Label);
    CHECK(lab.stored_as == voxtrain::NiftiDatatype::UInt8);
    CHECK(same_bytes(lab.data, p.label));
    check_geometry(lab);
  }
}

TEST_CASE("phantoms: arguments, defaults and one-line errors naming the flag", "[data]") {
  const auto o = voxtrain::parse_phantoms_args({"--out", "d"}).options;
  CHECK(o.out == "d");
  CHECK(o.subjects == 10);
  CHECK(o.spec.size == 96);
  CHECK(o.spec.classes == 4);
  CHECK(o.spec.modalities == 2);
  CHECK(o.spec.seed == 0);
  const auto all = voxtrain::parse_phantoms_args(
      {"--out=x", "--subjects", "3", "--size=32", "--classes", "5", "--modalities", "4", "--seed", "42"}).options;
  CHECK(all.out == "x");
  CHECK(all.subjects == 3);
  CHECK(all.spec.size == 32);
  CHECK(all.spec.classes == 5);
  CHECK(all.spec.modalities == 4);
  CHECK(all.spec.seed == 42);
  CHECK(voxtrain::parse_phantoms_args({"--help"}).help);
  CHECK_THAT(voxtrain::phantoms_usage(), Contains("--out DIR") && Contains("--seed"));

  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--out", "d", "--sizes", "32"}, "unknown option '--sizes' (did you mean '--size'?)"},
      {{"--out", "d", "--frob"}, "unknown option '--frob'"},
      {{"--out", "d", "--subjects", "ten"}, "--subjects 'ten' is not a whole number"},
      {{"--out", "d", "--size", "32.5"}, "--size '32.5' is not a whole number"},
      {{"--out", "d", "--seed", "-1"}, "--seed '-1' is not a whole number >= 0"},
      {{"--out", "d", "--classes", "1"}, "--classes 1 is too few: give 2 or more"},
      {{"--out", "d", "--size", "8"}, "--size 8 is too small: give 16 or more"},
      {{"--out", "d", "--size", "16", "--classes", "5"}, "--classes 5 is too many for --size 16: give at most 4"},
      {{"--out", "d", "--modalities", "0"}, "--modalities 0 is too few"},
      {{"--out", "d", "--subjects", "0"}, "--subjects 0 is too few"},
      {{"--subjects", "2"}, "--out DIR is missing"},
      {{"--out"}, "--out needs a value"},
      {{"--out", "d", "extra"}, "unexpected argument 'extra'"},
  };
  for (const auto& [args, expected] : cases) {
    const std::string message = error_of(args);
    CAPTURE(args);
    CHECK_THAT(message, Contains(expected));
    CHECK_THAT(message, Contains("phantoms: "));
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("phantoms: an --out that is a file is an error naming it", "[data]") {
  const ScratchDir scratch("phantoms_file");
  const fs::path file = scratch.path() / "out";
  { std::FILE* f = std::fopen(file.c_str(), "w"); REQUIRE(f); std::fclose(f); }
  voxtrain::PhantomDataSetOptions o;
  o.out = file.string();
  o.subjects = 1;
  o.spec.size = 16;
  CHECK_THROWS_WITH(voxtrain::write_phantom_data_set(o), Contains("cannot create the --out directory") && Contains(file.string()));
}
