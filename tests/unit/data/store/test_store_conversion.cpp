// test_store_conversion.cpp — `voxdata convert` and `extract-patches` end to end on phantom NIfTI
// files: stored voxels equal an independent whitening of the files, training subjects from the
// split, trained landmarks reused, the store checked against its config, patches at their locations.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "support/test_files.hpp"
#include "voxtrain/core/error.hpp"
#include "data_tools/convert_command.hpp"
#include "data_tools/extract_patches_command.hpp"
#include "voxtrain/data/store/patch_extraction.hpp"
#include "voxtrain/data/store/patch_store.hpp"
#include "voxtrain/data/phantoms/phantom.hpp"
#include "voxtrain/data/store/store_subject_source.hpp"
#include "voxtrain/io/config/ini_file.hpp"
#include "voxtrain/io/nifti_image.hpp"

using Catch::Matchers::Contains;
using voxtrain::ConvertOptions;
using voxtrain::Tensor;
using voxtrain::testing::error_message_of;
using voxtrain::testing::ScratchDir;

namespace {

void write_phantoms(const std::string& dir, int subjects) {
  voxtrain::PhantomDataSetOptions o;
  o.out = dir;
  o.subjects = subjects;
  o.spec.size = 20;
  o.spec.classes = 3;
  o.spec.modalities = 2;
  o.spec.seed = 9;
  voxtrain::write_phantom_data_set(o);
}

// (x - mean) / std over every voxel of one channel, in double: NiftyNet's whitening written out.
std::vector<float> whitened(const Tensor& channel) {
  const float* v = channel.data<float>();
  const auto n = channel.numel();
  double sum = 0, sq = 0;
  for (std::int64_t e = 0; e < n; ++e) sum += v[e];
  const double mean = sum / static_cast<double>(n);
  for (std::int64_t e = 0; e < n; ++e) sq += (v[e] - mean) * (v[e] - mean);
  const double sd = std::max(std::sqrt(sq / static_cast<double>(n)), 1e-5);
  std::vector<float> out(static_cast<std::size_t>(n));
  for (std::int64_t e = 0; e < n; ++e) out[static_cast<std::size_t>(e)] = static_cast<float>((v[e] - mean) / sd);
  return out;
}

}  // namespace

TEST_CASE("convert --no-data-checksums writes the same voxels without fletcher32", "[data]") {
  ScratchDir dir("convert_plain");
  write_phantoms(dir.file("nii"), 2);
  const std::vector<std::string> common{"--images", dir.file("nii"), "--image-contains", "T1", "--label-contains", "Label"};
  auto args = common;
  args.insert(args.end(), {"--out", dir.file("checked.h5")});
  voxtrain::run_convert(voxtrain::parse_convert_args(args).options);
  args = common;
  args.insert(args.end(), {"--out", dir.file("plain.h5"), "--no-data-checksums"});
  const ConvertOptions plain = voxtrain::parse_convert_args(args).options;
  CHECK_FALSE(plain.data_checksums);
  voxtrain::run_convert(plain);
  const voxtrain::PatchStoreReader checked(dir.file("checked.h5")), unchecked(dir.file("plain.h5"));
  for (std::int64_t s = 0; s < 2; ++s) {
    CHECK(checked.subject_info(s).checksum);
    CHECK_FALSE(unchecked.subject_info(s).checksum);
    const auto a = checked.read_subject(s).image, b = unchecked.read_subject(s).image;
    REQUIRE(a.nbytes() == b.nbytes());
    CHECK(std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0);
  }
}

TEST_CASE("convert stores each subject's whitened channels and label as the files hold them", "[data]") {
  ScratchDir dir("convert");
  write_phantoms(dir.file("nii"), 3);
  ConvertOptions o = voxtrain::parse_convert_args({"--images", dir.file("nii"), "--image-contains", "T1,T2",
                                                   "--label-contains", "Label", "--set", "whitening=True",
                                                   "--out", dir.file("store.h5")}).options;
  const auto summary = voxtrain::run_convert(o);
  CHECK(summary.subjects == 3);
  const voxtrain::PatchStoreReader store(dir.file("store.h5"));
  REQUIRE(store.subject_ids() == std::vector<std::string>{"sub-001", "sub-002", "sub-003"});
  CHECK(store.fingerprint().settings.at("normalisation.whitening") == "true");
  for (std::int64_t s = 0; s < 3; ++s) {
    const auto subject = store.read_subject(s);
    const std::string id = store.subject_ids()[static_cast<std::size_t>(s)];
    double worst = 0;
    for (int c = 0; c < 2; ++c) {
      const auto file = voxtrain::read_nifti(dir.file("nii/" + id + (c == 0 ? "_T1.nii.gz" : "_T2.nii.gz")));
      const auto expected = whitened(file.data);
      const float* got = subject.image.data<float>() + c * file.data.numel();
      for (std::size_t e = 0; e < expected.size(); ++e) worst = std::max(worst, double(std::abs(got[e] - expected[e])));
    }
    CHECK(worst < 1e-5);
    const auto label = voxtrain::read_nifti(dir.file("nii/" + id + "_Label.nii.gz"), voxtrain::NiftiRead::Label);
    CHECK(std::memcmp(label.data.raw_data(), subject.label.raw_data(), label.data.nbytes()) == 0);
    CHECK(subject.affine == label.affine);
  }
}

TEST_CASE("convert: one input section as an image channel and as the weight map", "[data]") {
  // NiftyNet lets [SEGMENTATION] name a section in two roles; normalisation applies to the image
  // only, so the stored weight map is the T2 file as it is while the T2 channel is whitened.
  ScratchDir dir("convert_two_roles");
  write_phantoms(dir.file("nii"), 2);
  for (const std::string image : {"T1, T2", "T2"}) {
    INFO("image = " << image);
    const std::string config = dir.write(
        "seg.ini",
        "[T1]\npath_to_search = nii\nfilename_contains = T1\n"
        "[T2]\npath_to_search = nii\nfilename_contains = T2\n"
        "[Label]\npath_to_search = nii\nfilename_contains = Label\ninterp_order = 0\n"
        "[SYSTEM]\nmodel_dir = model\n"
        "[NETWORK]\nwhitening = True\n"
        "[SEGMENTATION]\nimage = " + image + "\nlabel = Label\nweight = T2\nnum_classes = 3\n");
    voxtrain::run_convert(voxtrain::parse_convert_args({"-c", config, "--out", dir.file("store.h5")}).options);
    const voxtrain::PatchStoreReader store(dir.file("store.h5"));
    REQUIRE(store.subject_ids() == std::vector<std::string>{"sub-001", "sub-002"});
    for (std::int64_t s = 0; s < 2; ++s) {
      const auto subject = store.read_subject(s);
      const std::string id = store.subject_ids()[static_cast<std::size_t>(s)];
      const auto t2 = voxtrain::read_nifti(dir.file("nii/" + id + "_T2.nii.gz"));
      REQUIRE(subject.weight.defined());
      REQUIRE(subject.weight.nbytes() == t2.data.nbytes());
      CHECK(std::memcmp(subject.weight.raw_data(), t2.data.raw_data(), t2.data.nbytes()) == 0);
      const auto expected = whitened(t2.data);
      const float* got = subject.image.data<float>() + (image == "T2" ? 0 : t2.data.numel());
      double worst = 0;
      for (std::size_t e = 0; e < expected.size(); ++e) worst = std::max(worst, double(std::abs(got[e] - expected[e])));
      CHECK(worst < 1e-5);
    }
  }
}

TEST_CASE("convert from a config: training subjects of the split, landmarks trained once, store checked", "[data]") {
  ScratchDir dir("convert_cfg");
  write_phantoms(dir.file("nii"), 4);
  const std::string config = dir.file("seg.ini");
  auto write_config = [&](bool whitening) {
    std::ofstream(config) << "[T1]\npath_to_search = nii\nfilename_contains = T1\npixdim = (1.5, 1.5, 1.5)\n"
                             "axcodes = (R, A, S)\n"
                             "[T2]\npath_to_search = nii\nfilename_contains = T2\npixdim = (1.5, 1.5, 1.5)\n"
                             "axcodes = (R, A, S)\n"
                             "[Label]\npath_to_search = nii\nfilename_contains = Label\ninterp_order = 0\n"
                             "[SYSTEM]\nmodel_dir = model\n"
                             "[NETWORK]\nnormalisation = True\nnormalise_foreground_only = True\nwhitening = "
                          << (whitening ? "True" : "False") << "\n"
                          << "[SEGMENTATION]\nimage = T1, T2\nlabel = Label\nnum_classes = 3\n";
  };
  write_config(true);
  std::filesystem::create_directories(dir.file("model"));
  std::ofstream(dir.file("model/dataset_split.csv"))
      << "sub-001,training\nsub-002,validation\nsub-003,training\nsub-004,inference\n";

  auto o = voxtrain::parse_convert_args({"-c", config, "--out", dir.file("train.h5"), "--phase", "training"}).options;
  const auto summary = voxtrain::run_convert(o);
  CHECK(summary.subjects == 2);
  CHECK(summary.trained_landmarks == dir.file("model/histogram_ref_file.txt"));
  const voxtrain::PatchStoreReader store(dir.file("train.h5"));
  CHECK(store.subject_ids() == std::vector<std::string>{"sub-001", "sub-003"});
  const auto s = store.read_subject(0);
  CHECK(s.spacing == std::array<double, 3>{1.5, 1.5, 1.5});
  CHECK(store.fingerprint().settings.at("spatial.axcodes") == "(R, A, S)");
  CHECK(store.fingerprint().settings.count("normalisation.landmarks.T1") == 1);

  // The same config matches; a second conversion reuses the landmarks file (same fingerprint).
  voxtrain::check_store_against_config(dir.file("train.h5"), voxtrain::IniFile::read(config));
  o.out = dir.file("again.h5");
  CHECK(voxtrain::run_convert(o).trained_landmarks.empty());
  CHECK(voxtrain::PatchStoreReader(dir.file("again.h5")).fingerprint() == store.fingerprint());
  // A config that no longer whitens refuses the store, naming the setting.
  write_config(false);
  const std::string m = error_message_of(
      [&] { voxtrain::check_store_against_config(dir.file("train.h5"), voxtrain::IniFile::read(config)); });
  CHECK_THAT(m, Contains("train.h5") && Contains("normalisation.whitening"));
  CHECK(m.find('\n') == std::string::npos);

  // Phases need the split file.
  std::filesystem::remove(dir.file("model/dataset_split.csv"));
  CHECK_THAT(error_message_of([&] { voxtrain::run_convert(o); }),
             Contains("dataset_split.csv") && Contains("voxdata split"));
}

TEST_CASE("convert's arguments: one line for each mistake", "[data]") {
  auto m = [](std::vector<std::string> a) { return error_message_of([&] { voxtrain::parse_convert_args(a); }); };
  CHECK_THAT(m({"--out", "x.h5"}), Contains("-c CONFIG"));
  CHECK_THAT(m({"-c", "a.ini"}), Contains("--out"));
  CHECK_THAT(m({"-c", "a.ini", "--out", "x.h5", "--set", "whitening=True"}), Contains("--set is for the form without a config"));
  CHECK_THAT(m({"-c", "a.ini", "--out", "x.h5", "--compression", "zip"}), Contains("--compression"));
  CHECK_THAT(m({"-c", "a.ini", "--out", "x.h5", "--frob"}), Contains("unknown option '--frob'"));
  CHECK_THAT(m({"--images", "d", "--out", "x.h5"}), Contains("--image-contains"));
  // A --set key convert does not read is refused, not silently ignored.
  const std::string unknown = error_message_of([] {
    voxtrain::explicit_convert_config(voxtrain::parse_convert_args(
        {"--images", ".", "--image-contains", "T1", "--set", "whitenning=True", "--out", "x.h5"}).options);
  });
  CHECK_THAT(unknown, Contains("--set whitenning=True") && Contains("'whitening'"));
}

TEST_CASE("extract-patches writes sampled windows that equal the subjects' voxels at their locations", "[data]") {
  ScratchDir dir("extract");
  write_phantoms(dir.file("nii"), 2);
  voxtrain::run_convert(voxtrain::parse_convert_args({"--images", dir.file("nii"), "--image-contains", "T1,T2",
                                                      "--label-contains", "Label", "--out", dir.file("s.h5")}).options);
  const auto o = voxtrain::parse_extract_patches_args(
      {dir.file("s.h5"), "--out", dir.file("p.h5"), "--window", "8,6,4", "--per-subject", "5", "--sampler", "balanced"}).options;
  CHECK(voxtrain::run_extract_patches(o) == 10);
  const voxtrain::PatchStoreReader p(dir.file("p.h5"));
  REQUIRE(p.patch_count() == 10);
  CHECK(p.patch_shape() == voxtrain::Shape({10, 2, 4, 6, 8}));
  const auto patches = p.read_patches(0, 10);
  const std::size_t image_bytes = 2 * 4 * 6 * 8 * sizeof(float), label_bytes = 4 * 6 * 8 * sizeof(std::int32_t);
  for (std::size_t n = 0; n < 10; ++n) {
    const auto& at = patches.locations[n];
    CHECK(at.subject == static_cast<std::int64_t>(n / 5));
    const Tensor image = p.read_image_patch(at.subject, at), label = p.read_label_patch(at.subject, at);
    CHECK(std::memcmp(static_cast<const char*>(patches.images.raw_data()) + n * image_bytes, image.raw_data(), image_bytes) == 0);
    CHECK(std::memcmp(static_cast<const char*>(patches.labels.raw_data()) + n * label_bytes, label.raw_data(), label_bytes) == 0);
  }
  // The same arguments draw the same windows.
  voxtrain::run_extract_patches(voxtrain::parse_extract_patches_args(
      {dir.file("s.h5"), "--out", dir.file("q.h5"), "--window", "8,6,4", "--per-subject", "5", "--sampler", "balanced"}).options);
  CHECK(voxtrain::PatchStoreReader(dir.file("q.h5")).read_patches(0, 10).locations == patches.locations);
  CHECK_THAT(error_message_of([] { voxtrain::parse_extract_patches_args({"s.h5", "--out", "o.h5", "--window", "8,8"}); }),
             Contains("--window '8,8'"));
}

TEST_CASE("a store subject source reads the same patches as cropping the stored subject", "[data]") {
  ScratchDir dir("store_source");
  write_phantoms(dir.file("nii"), 2);
  voxtrain::run_convert(voxtrain::parse_convert_args({"--images", dir.file("nii"), "--image-contains", "T1",
                                                      "--label-contains", "Label", "--out", dir.file("s.h5")}).options);
  const voxtrain::StoreSubjectSource source(dir.file("s.h5"), {"sub-002"});
  REQUIRE(source.size() == 1);
  CHECK(source.store_index(0) == 1);
  auto reader = source.open_reader();
  REQUIRE(reader->reads_patches());
  const voxtrain::Subject whole = reader->read_subject(0);
  for (const voxtrain::PatchLocation at : {voxtrain::PatchLocation{0, {2, 3, 4}, {10, 9, 8}},
                                           voxtrain::PatchLocation{0, {-3, 15, 0}, {5, 25, 20}}}) {
    const auto p = reader->read_patch(0, at);
    const auto q = voxtrain::crop_subject_patch(whole, at);
    CHECK(std::memcmp(p.image.raw_data(), q.image.raw_data(), q.image.nbytes()) == 0);
    CHECK(std::memcmp(p.label.raw_data(), q.label.raw_data(), q.label.nbytes()) == 0);
  }
  const auto in = reader->read_sampler_input(voxtrain::SamplerKind::Balanced, 0);
  CHECK(std::memcmp(in.map.raw_data(), whole.label.raw_data(), whole.label.nbytes()) == 0);
  CHECK_THAT(error_message_of([&] { voxtrain::StoreSubjectSource(dir.file("s.h5"), {"sub-009"}); }),
             Contains("sub-009") && Contains("s.h5"));
}

TEST_CASE("the example config configs/phantom_segmentation.ini splits and converts the phantom data set", "[data]") {
  ScratchDir dir("example_config");
  write_phantoms(dir.file("build/phantoms"), 4);
  // The config refers to ../build/: place a copy one folder below the scratch directory.
  std::filesystem::create_directories(dir.file("configs"));
  std::filesystem::copy_file(std::string(VOXTRAIN_SOURCE_DIR) + "/configs/phantom_segmentation.ini",
                             dir.file("configs/phantom_segmentation.ini"));
  const auto ini = voxtrain::IniFile::read(dir.file("configs/phantom_segmentation.ini"));
  auto o = voxtrain::parse_convert_args({"-c", dir.file("configs/phantom_segmentation.ini"), "--out", dir.file("all.h5")}).options;
  CHECK(voxtrain::run_convert(o).subjects == 4);
  const voxtrain::PatchStoreReader store(dir.file("all.h5"));
  CHECK(store.fingerprint().settings.at("spatial.pixdim") == "(1.2, 1.2, 1.2)");
  CHECK(store.fingerprint().settings.at("normalisation.whitening") == "true");
  voxtrain::check_store_against_config(dir.file("all.h5"), ini);
}

TEST_CASE("convert trains histogram landmarks and the label mapping in one pass into one file", "[data]") {
  ScratchDir dir("convert_both");
  write_phantoms(dir.file("nii"), 3);
  auto o = voxtrain::parse_convert_args({"--images", dir.file("nii"), "--image-contains", "T1,T2", "--label-contains",
                                         "Label", "--set", "normalisation=True", "--set", "label_normalisation=True",
                                         "--out", dir.file("s.h5")}).options;
  std::vector<std::string> stages;
  int advanced = 0;
  const auto summary = voxtrain::run_convert(o, [&](const std::string&) { ++advanced; },
                                             [&](const std::string& stage, std::int64_t) { stages.push_back(stage); });
  CHECK(stages == std::vector<std::string>{"training preprocessing", "convert"});  // one training pass
  CHECK(advanced == 3 + 3);
  CHECK(summary.trained_landmarks == dir.file("histogram_ref_file.txt"));
  CHECK(summary.trained_labels == summary.trained_landmarks);
  const std::string ref = voxtrain::testing::read_text(summary.trained_landmarks);
  CHECK_THAT(ref, Contains("T1 0 ") && Contains("T2 0 ") && Contains("label_Label-from 0 1 2\n") &&
                      Contains("label_Label-to 0 1 2\n"));
  // A second conversion reads both from the file and trains nothing.
  stages.clear();
  o.out = dir.file("again.h5");
  const auto again = voxtrain::run_convert(o, {}, [&](const std::string& stage, std::int64_t) { stages.push_back(stage); });
  CHECK(stages == std::vector<std::string>{"convert"});
  CHECK(again.trained_landmarks.empty());
  CHECK(voxtrain::PatchStoreReader(dir.file("again.h5")).fingerprint() ==
        voxtrain::PatchStoreReader(dir.file("s.h5")).fingerprint());
}

TEST_CASE("a store subject source reads weight patches as hyperslabs equal to the stored map's crop", "[data]") {
  ScratchDir dir("store_weight");
  voxtrain::Subject s;
  s.id = "w-1";
  s.image = Tensor::empty({1, 5, 6, 7});
  s.weight = Tensor::empty({1, 5, 6, 7});
  for (std::int64_t e = 0; e < s.image.numel(); ++e) {
    s.image.data<float>()[e] = static_cast<float>(e);
    s.weight.data<float>()[e] = 0.25f * static_cast<float>(e % 13);
  }
  s.affine = {{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}};
  voxtrain::PatchStoreWriter writer(dir.file("w.h5"), {});
  writer.add_subject(s);
  writer.commit();
  const voxtrain::StoreSubjectSource source(dir.file("w.h5"));
  auto reader = source.open_reader();
  const voxtrain::PatchLocation at{0, {-2, 1, 3}, {4, 5, 7}};
  const auto p = reader->read_patch(0, at);
  REQUIRE(p.weight.defined());
  CHECK_FALSE(p.label.defined());
  const Tensor expected = voxtrain::crop_patch(s.weight, at);
  CHECK(std::memcmp(p.weight.raw_data(), expected.raw_data(), expected.nbytes()) == 0);
}

TEST_CASE("extract-patches refuses a store whose subjects have labels and no labels, naming both", "[data]") {
  // The committed format-1 store: sub-001 has a label, sub-002 none (found by the fuzz test, which
  // ran extract-patches on it: the old message named the output store, not the subjects).
  ScratchDir dir("extract_mixed");
  voxtrain::ExtractPatchesOptions o;
  o.store = std::string(VOXTRAIN_SOURCE_DIR) + "/tests/data/store/v1_store.h5";
  o.out = dir.file("patches.h5");
  o.window = {2, 2, 2};
  const std::string m = error_message_of([&] { voxtrain::run_extract_patches(o); });
  CHECK_THAT(m, Contains(o.store + ": subject 'sub-002' has no label but 'sub-001' has one"));
  CHECK(m.find('\n') == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(o.out));
}
