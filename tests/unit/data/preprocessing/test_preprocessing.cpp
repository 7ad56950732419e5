// test_preprocessing.cpp — a subject through reorientation, resampling and normalisation and back:
// outputs return exactly onto the original grid; settings from a NiftyNet config; the fingerprint.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/data/preprocessing/preprocessing.hpp"
#include "voxtrain/io/config/ini_file.hpp"

#include "support/test_files.hpp"

using namespace voxtrain::testing;
using Catch::Matchers::Contains;
using voxtrain::Subject;
using voxtrain::Tensor;

namespace {

// An LPS-oriented, anisotropic 6x5x4 subject: two image channels and a label with three values.
Subject lps_subject() {
  Subject s;
  s.id = "sub-9";
  s.affine = {{{-1.0, 0, 0, 10}, {0, -2.0, 0, 20}, {0, 0, 1.5, -5}, {0, 0, 0, 1}}};
  s.spacing = {1.0, 2.0, 1.5};
  s.image = Tensor::empty({2, 4, 5, 6});
  s.label = Tensor::empty({1, 4, 5, 6}, voxtrain::DType::Int32);
  for (std::int64_t e = 0; e < s.image.numel(); ++e) s.image.data<float>()[e] = std::sin(0.37f * static_cast<float>(e)) * 50 + 100;
  for (std::int64_t e = 0; e < s.label.numel(); ++e) s.label.data<std::int32_t>()[e] = static_cast<std::int32_t>((e * 7) % 3);
  return s;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

}  // namespace

TEST_CASE("a label map preprocessed to RAS at half the spacing returns exactly onto its original grid", "[data]") {
  Subject s = lps_subject();
  const Tensor original_label = s.label.clone();
  voxtrain::SpatialSettings spatial;
  spatial.axcodes = voxtrain::Axcodes{"R", "A", "S"};
  spatial.pixdim = std::array<double, 3>{0.5, 1.0, 0.75};
  const voxtrain::OriginalGrid grid = voxtrain::preprocess_subject_grid(s, spatial);
  // RAS: i now points right (+x), j anterior (+y); every spacing halved, so every size doubled.
  CHECK(voxtrain::axcodes_of(s.affine) == voxtrain::Axcodes{"R", "A", "S"});
  CHECK(s.size_ijk() == std::array<std::int64_t, 3>{12, 10, 8});
  CHECK(grid.size == std::array<std::int64_t, 3>{6, 5, 4});
  // A network that returns its input label: back on the original grid it equals the label read.
  const Tensor back = voxtrain::to_original_grid(s.label, grid, voxtrain::Interpolation::Nearest);
  CHECK(same_bytes(back, original_label));
  // Without any spatial setting the grid is untouched and the way back is the identity.
  Subject plain = lps_subject();
  const auto none = voxtrain::preprocess_subject_grid(plain, {});
  CHECK(same_bytes(plain.label, original_label));
  CHECK(same_bytes(voxtrain::to_original_grid(plain.label, none, voxtrain::Interpolation::Nearest), original_label));
}

TEST_CASE("preprocess_subject whitens each channel and checks labels against num_classes", "[data]") {
  voxtrain::PreprocessingSettings p;
  p.modalities = {"T1", "T2"};
  p.normalisation.whitening = true;
  p.num_classes = 3;
  Subject s = lps_subject();
  voxtrain::preprocess_subject(s, p, {});
  const std::int64_t n = s.image.numel() / 2;
  for (int c = 0; c < 2; ++c) {  // mean 0 and standard deviation 1, from a naive double loop
    double sum = 0, sq = 0;
    for (std::int64_t e = 0; e < n; ++e) sum += s.image.data<float>()[c * n + e];
    for (std::int64_t e = 0; e < n; ++e) sq += std::pow(s.image.data<float>()[c * n + e] - sum / n, 2);
    CHECK(std::abs(sum / n) < 1e-5);
    CHECK(std::sqrt(sq / n) == Approx(1.0).epsilon(1e-5));
  }
  p.num_classes = 2;  // label value 2 is now out of range
  Subject bad = lps_subject();
  CHECK_THAT(error_message_of([&] { voxtrain::preprocess_subject(bad, p, {}); }),
             Contains("sub-9") && Contains("label_normalisation"));
  p.modalities = {"T1"};
  Subject wrong = lps_subject();
  CHECK_THAT(error_message_of([&] { voxtrain::preprocess_subject(wrong, p, {}); }),
             Contains("sub-9") && Contains("2 channels") && Contains("1 image inputs"));
}

TEST_CASE("preprocessing settings come from a NiftyNet configuration", "[data]") {
  const std::string text =
      "[modality1]\npath_to_search = .\nfilename_contains = T1\ninterp_order = 3\npixdim=(1.0, 1.0, 1.0)\n"
      "axcodes=(A, R, S)\n[label]\npath_to_search = .\nfilename_contains = Label\ninterp_order = 0\n"
      "[SYSTEM]\nmodel_dir = ./models/toy\n"
      "[NETWORK]\nwhitening = True\nnormalisation = True\nhistogram_ref_file = ./hist.txt\ncutoff = (0.05, 0.95)\n"
      "[SEGMENTATION]\nimage = modality1\nlabel = label\nnum_classes = 4\nlabel_normalisation = True\n";
  const auto ini = voxtrain::IniFile::parse(text, "/tmp/seg.ini");
  const auto sections = voxtrain::input_sections(ini);
  const auto grouping = voxtrain::input_grouping(ini, sections);
  const auto p = voxtrain::preprocessing_settings_from_ini(ini, sections, grouping);
  REQUIRE(p.spatial.axcodes.has_value());
  CHECK(*p.spatial.axcodes == voxtrain::Axcodes{"A", "R", "S"});
  CHECK(p.spatial.pixdim == std::array<double, 3>{1.0, 1.0, 1.0});
  CHECK(p.spatial.image_interpolation == voxtrain::Interpolation::Linear);  // 3 runs as linear
  CHECK(p.normalisation.whitening);
  CHECK(p.normalisation.normalisation);
  CHECK(p.normalisation.cutoff == voxtrain::Cutoff{0.05, 0.95});
  CHECK(p.normalisation.histogram_ref_file == "/tmp/models/toy/hist.txt");  // against model_dir
  CHECK(p.normalisation.label_normalisation);
  CHECK(p.num_classes == 4);
  CHECK(p.modalities == std::vector<std::string>{"modality1"});
  CHECK(p.label_section == "label");

  auto message = [](const std::string& t) {
    return error_or_none([&] {
      const auto i = voxtrain::IniFile::parse(t, "c.ini");
      const auto s = voxtrain::input_sections(i);
      voxtrain::preprocessing_settings_from_ini(i, s, voxtrain::input_grouping(i, s));
    });
  };
  CHECK_THAT(message("[a]\npath_to_search=.\npixdim=(1,1,1)\n[b]\npath_to_search=.\npixdim=(2,2,2)\n"
                     "[SEGMENTATION]\nimage = a, b\n"),
             Contains("c.ini:4: [b]") && Contains("same pixdim and axcodes"));
  CHECK_THAT(message("[a]\npath_to_search=.\n[l]\npath_to_search=.\ninterp_order = 1\n[SEGMENTATION]\nimage = a\nlabel = l\n"),
             Contains("c.ini:3: [l]") && Contains("interp_order = 0"));
  CHECK_THAT(message("[a]\npath_to_search=.\n[NETWORK]\ncutoff = (0.9, 0.1)\n[SEGMENTATION]\nimage = a\n"),
             Contains("c.ini:4") && Contains("cutoff") && Contains("lo < hi"));
}

TEST_CASE("the preprocessing fingerprint changes exactly where a setting changes", "[data]") {
  voxtrain::PreprocessingSettings a;
  a.modalities = {"T1", "T2"};
  const auto base = voxtrain::preprocessing_fingerprint(a, {});
  CHECK(base.at("spatial.axcodes") == "as read");
  CHECK(base.at("spatial.pixdim") == "as read");
  CHECK(base.at("inputs.image") == "(T1, T2)");
  voxtrain::PreprocessingSettings b = a;
  b.spatial.pixdim = std::array<double, 3>{1.0, 1.0, 2.5};
  const auto changed = voxtrain::preprocessing_fingerprint(b, {});
  CHECK(changed.at("spatial.pixdim") == "(1, 1, 2.5)");
  std::vector<std::string> differing;
  for (const auto& [k, v] : changed)
    if (!base.contains(k) || base.at(k) != v) differing.push_back(k);
  CHECK(differing == std::vector<std::string>{"spatial.interp_order", "spatial.pixdim"});
  voxtrain::PreprocessingSettings c = a;
  c.normalisation.whitening = true;
  CHECK(voxtrain::preprocessing_fingerprint(c, {}) != base);
}
