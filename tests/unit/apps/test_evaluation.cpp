// test_evaluation.cpp — `voxtrain evaluate`'s core: subject ids and file matching, every metric on
// the committed fixtures against numpy/scipy's values (tests/data/evaluation/expected.csv), the CSV
// and summary of NIfTI files written in a temp dir, and the errors for bad pairs.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_files.hpp"
#include "voxtrain/apps/evaluation.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/io/nifti_image.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"

using voxtrain::DType;
using voxtrain::EvaluationPair;
using voxtrain::EvaluationSettings;
using voxtrain::FileMatching;
using voxtrain::NiftiDatatype;
using voxtrain::NiftiImage;
using voxtrain::Tensor;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(VOXTRAIN_SOURCE_DIR) / "tests" / "data" / "evaluation";

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string field;
  while (std::getline(s, field, ',')) out.push_back(field);
  return out;
}

// A 1 x 1 x nx label map with voxel size (2, 1, 1) mm (or the affine given).
NiftiImage line_image(const std::vector<std::int32_t>& values, double x_spacing = 2.0,
                      NiftiDatatype stored_as = NiftiDatatype::UInt8) {
  NiftiImage image;
  image.data = Tensor::empty({1, 1, 1, static_cast<std::int64_t>(values.size())}, DType::Int32);
  std::copy(values.begin(), values.end(), image.data.data<std::int32_t>());
  image.affine = {{{x_spacing, 0, 0, 10}, {0, 1, 0, -3}, {0, 0, 1, 7}, {0, 0, 0, 1}}};
  image.sform_code = 1;
  image.qform_code = 1;
  image.stored_as = stored_as;
  return image;
}

std::string write_line(const fs::path& path, const std::vector<std::int32_t>& values, double x_spacing = 2.0,
                       NiftiDatatype stored_as = NiftiDatatype::UInt8) {
  fs::create_directories(path.parent_path());
  voxtrain::write_nifti(path.string(), line_image(values, x_spacing, stored_as));
  return path.string();
}

std::vector<std::string> names_of(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(fs::path(p).filename().string());
  return out;
}

}  // namespace

TEST_CASE("subject ids: NiftyNet's inference names and reference names", "[apps]") {
  CHECK(voxtrain::segmentation_subject_id("window_seg_sub-001__niftynet_out.nii.gz") == "sub-001");
  CHECK(voxtrain::segmentation_subject_id("window_seg_BraTS_01_my_out.nii", "my_out") == "BraTS_01");
  CHECK(voxtrain::segmentation_subject_id("window_seg_BraTS_01_my_out.nii") == "BraTS_01_my_out");
  CHECK(voxtrain::segmentation_subject_id("sub-002.nii.gz") == "sub-002");
  CHECK(voxtrain::reference_subject_id("sub-001_Label.nii.gz") == "sub-001_Label");
  CHECK(voxtrain::reference_subject_id("_case7.nii") == "case7");
}

TEST_CASE("matching by subject id: separator-bounded parts, equal ids first, unmatched files listed", "[apps]") {
  const std::vector<std::string> segs{"/s/window_seg_sub-1__niftynet_out.nii.gz", "/s/window_seg_sub-10__niftynet_out.nii.gz",
                                      "/s/window_seg_sub-3__niftynet_out.nii.gz", "/s/window_seg_sub-2__niftynet_out.nii.gz",
                                      "/s/sub-5_pred.nii.gz"};
  const std::vector<std::string> refs{"/r/sub-10_Label.nii.gz", "/r/sub-1_Label.nii.gz", "/r/sub-1-2_Label.nii.gz",
                                      "/r/Label_sub-2.nii.gz", "/r/sub-4.nii.gz", "/r/sub-5.nii.gz"};
  const FileMatching m = voxtrain::match_evaluation_files(segs, refs);
  REQUIRE(m.pairs.size() == 4);
  const std::map<std::string, std::string> expected{{"sub-1", "/r/sub-1_Label.nii.gz"},
                                                    {"sub-10", "/r/sub-10_Label.nii.gz"},
                                                    {"sub-2", "/r/Label_sub-2.nii.gz"},
                                                    {"sub-5", "/r/sub-5.nii.gz"}};
  std::vector<std::string> ids;
  for (const EvaluationPair& p : m.pairs) {
    ids.push_back(p.subject_id);
    INFO(p.subject_id);
    REQUIRE(expected.contains(p.subject_id));
    CHECK(p.ref_path == expected.at(p.subject_id));
  }
  CHECK(ids == std::vector<std::string>{"sub-1", "sub-10", "sub-2", "sub-5"});  // sorted
  CHECK(m.pairs[0].seg_path == segs[0]);
  CHECK(m.unmatched_seg == std::vector<std::string>{"/s/window_seg_sub-3__niftynet_out.nii.gz"});
  CHECK(m.unmatched_ref == std::vector<std::string>{"/r/sub-1-2_Label.nii.gz", "/r/sub-4.nii.gz"});
  // An equal id wins over a partial match.
  const FileMatching exact = voxtrain::match_evaluation_files({"/s/window_seg_a__niftynet_out.nii.gz"},
                                                              {"/r/a_Label.nii.gz", "/r/a.nii.gz"});
  REQUIRE(exact.pairs.size() == 1);
  CHECK(exact.pairs[0].ref_path == "/r/a.nii.gz");
}

TEST_CASE("matching errors: two references for one subject, one reference for two, nothing matched", "[apps]") {
  CHECK_THROWS_WITH(voxtrain::match_evaluation_files({"/s/window_seg_sub-1__niftynet_out.nii.gz"},
                                                     {"/r/sub-1_T1.nii.gz", "/r/sub-1_Label.nii.gz"}),
                    Contains("window_seg_sub-1__niftynet_out.nii.gz' (id 'sub-1') matches 2 references") &&
                        Contains("sub-1_T1.nii.gz") && Contains("--ref-contains"));
  CHECK_THROWS_WITH(voxtrain::match_evaluation_files({"/s/window_seg_sub-1__niftynet_out.nii.gz", "/s/sub-1.nii"},
                                                     {"/r/sub-1_Label.nii.gz"}),
                    Contains("reference '/r/sub-1_Label.nii.gz' is the match of two segmentations"));
  CHECK_THROWS_WITH(voxtrain::match_evaluation_files({"/s/window_seg_a__niftynet_out.nii.gz"},
                                                     {"/r/b_Label.nii.gz", "/r/c_Label.nii.gz"}),
                    Contains("no segmentation matches a reference by subject id: segmentations in '/s': "
                             "window_seg_a__niftynet_out.nii.gz (id 'a'); references in '/r': b_Label.nii.gz "
                             "(id 'b_Label'), c_Label.nii.gz (id 'c_Label')"));
}

TEST_CASE("evaluation_files: a file, a directory (filtered, sorted), and the errors naming the flag", "[apps]") {
  const std::vector<std::string> refs = voxtrain::evaluation_files((kFixtures / "ref").string(), "--ref");
  CHECK(names_of(refs) == std::vector<std::string>{"sub-001_Label.nii.gz", "sub-002_Label.nii.gz", "sub-003_Label.nii.gz",
                                                    "sub-004_Label.nii.gz"});
  CHECK(names_of(voxtrain::evaluation_files((kFixtures / "ref").string(), "--ref", {"002"})) ==
        std::vector<std::string>{"sub-002_Label.nii.gz"});
  CHECK_THROWS_WITH(voxtrain::evaluation_files((kFixtures / "ref").string(), "--ref", {"T1"}),
                    Contains("--ref directory") && Contains("holds no .nii or .nii.gz file whose name contains T1"));
  CHECK_THROWS_WITH(voxtrain::evaluation_files((kFixtures / "nope").string(), "--seg"),
                    Contains("--seg") && Contains("nope' does not exist"));
  CHECK_THROWS_WITH(voxtrain::evaluation_files((kFixtures / "expected.csv").string(), "--seg"),
                    Contains("expected.csv' is not a .nii or .nii.gz file"));
}

TEST_CASE("evaluate the fixtures: every metric of every subject and label equals numpy/scipy's", "[apps]") {
  const FileMatching m = voxtrain::match_evaluation_files(
      voxtrain::evaluation_files((kFixtures / "seg").string(), "--seg"),
      voxtrain::evaluation_files((kFixtures / "ref").string(), "--ref"));
  CHECK(names_of(m.unmatched_seg) == std::vector<std::string>{"window_seg_sub-005__niftynet_out.nii.gz"});
  CHECK(names_of(m.unmatched_ref) == std::vector<std::string>{"sub-004_Label.nii.gz"});
  EvaluationSettings settings;
  settings.num_classes = 3;
  settings.metrics.clear();
  for (const auto& info : voxtrain::segmentation_metric_catalogue()) settings.metrics.emplace_back(info.name);
  const voxtrain::EvaluationResult result = voxtrain::evaluate_subjects(m.pairs, settings);

  std::ifstream in(kFixtures / "expected.csv");
  std::string line;
  REQUIRE(std::getline(in, line));
  const std::vector<std::string> header = split_commas(line);
  REQUIRE(header.size() == 2 + settings.metrics.size());
  std::size_t row = 0;
  while (std::getline(in, line)) {
    const std::vector<std::string> fields = split_commas(line);
    REQUIRE(row < result.rows.size());
    const voxtrain::EvaluationRow& r = result.rows[row++];
    CHECK(r.subject_id == fields[0]);
    CHECK(r.label == fields[1]);
    for (std::size_t c = 2; c < fields.size(); ++c) {
      const std::size_t metric = std::find(result.metrics.begin(), result.metrics.end(), header[c]) - result.metrics.begin();
      REQUIRE(metric < result.metrics.size());
      const double expected = std::stod(fields[c]);
      INFO(r.subject_id << " label " << r.label << " " << header[c]);
      if (std::isnan(expected)) {
        CHECK(std::isnan(r.values[metric]));
      } else {
        CHECK(r.values[metric] == Approx(expected).epsilon(1e-9).margin(1e-12));
      }
    }
  }
  CHECK(row == result.rows.size());
  CHECK(row == 12);  // 3 subjects x (3 labels + mean)
}

TEST_CASE("evaluate NIfTI files written in a temp dir: rows, mean rows, CSV text, summary", "[apps]") {
  const voxtrain::testing::ScratchDir t("evaluate");
  // Label 1: ref voxels 0-4, seg 0-2 (tp 3, fn 2, dice 0.75, Hausdorff 2 voxels x 2 mm = 4).
  // Label 2: ref 6-7, seg 5-6 (tp 1, fp 1, fn 1, dice 0.5, Hausdorff 2). Background 0 is skipped.
  const std::string seg = write_line(t.path() / "seg" / "window_seg_case1__niftynet_out.nii.gz", {1, 1, 1, 0, 0, 2, 2, 0});
  const std::string ref = write_line(t.path() / "ref" / "case1_Label.nii.gz", {1, 1, 1, 1, 1, 0, 2, 2});
  write_line(t.path() / "ref" / "case2_Label.nii.gz", {0, 0, 0, 0, 0, 0, 0, 0});
  const FileMatching m = voxtrain::match_evaluation_files(
      voxtrain::evaluation_files((t.path() / "seg").string(), "--seg"),
      voxtrain::evaluation_files((t.path() / "ref").string(), "--ref"));
  REQUIRE(m.pairs.size() == 1);
  CHECK(m.pairs[0].subject_id == "case1");
  CHECK(names_of(m.unmatched_ref) == std::vector<std::string>{"case2_Label.nii.gz"});
  EvaluationSettings settings;
  settings.num_classes = 3;
  settings.skip_background = true;
  settings.metrics = voxtrain::parse_metric_names("Dice,tp,fp,fn,hausdorff_distance,dice");
  REQUIRE(settings.metrics == std::vector<std::string>{"dice", "tp", "fp", "fn", "hausdorff_distance"});
  std::vector<std::string> seen;
  const auto result = voxtrain::evaluate_subjects(m.pairs, settings, [&](const EvaluationPair& p) { seen.push_back(p.subject_id); });
  CHECK(seen == std::vector<std::string>{"case1"});
  CHECK(result.labels == std::vector<int>{1, 2});
  const fs::path csv = t.path() / "out" / "metrics.csv";
  voxtrain::write_evaluation_csv(csv.string(), result);
  CHECK(voxtrain::testing::read_text(csv.string()) ==
        "subject_id,label,dice,tp,fp,fn,hausdorff_distance\n"
        "case1,1,0.75,3,0,2,4\n"
        "case1,2,0.5,1,1,1,2\n"
        "case1,mean,0.625,2,0.5,1.5,3\n");
  CHECK(voxtrain::evaluation_summary(result) ==
        "volume-level metrics, mean (standard deviation) over 1 subject:\n"
        "  label  dice        tp     fp          fn          hausdorff_distance\n"
        "  1      0.7500 (0)  3 (0)  0 (0)       2 (0)       4 (0)\n"
        "  2      0.5000 (0)  1 (0)  1 (0)       1 (0)       2 (0)\n"
        "  mean   0.6250 (0)  2 (0)  0.5000 (0)  1.5000 (0)  3 (0)\n");
}

TEST_CASE("summary: mean and population standard deviation over subjects, NaN left out and counted", "[apps]") {
  voxtrain::EvaluationResult r;
  r.metrics = {"dice"};
  r.labels = {1};
  const double nan = std::nan("");
  r.rows = {{"a", "1", {0.5}}, {"a", "mean", {0.5}}, {"b", "1", {nan}}, {"b", "mean", {nan}},
            {"c", "1", {1.0}}, {"c", "mean", {1.0}}};
  const std::string s = voxtrain::evaluation_summary(r);
  // mean of 0.5 and 1 = 0.75, population sd = 0.25, from 2 of the 3 subjects.
  CHECK_THAT(s, Contains("over 3 subjects") && Contains("  1      0.7500 (0.2500) n=2\n") && Contains("n=N: only N subjects"));
  CHECK(voxtrain::format_metric_value(nan) == "nan");
  CHECK(voxtrain::format_metric_value(0.1) == "0.1");
  CHECK(voxtrain::format_metric_value(1.0 / 3) == "0.3333333333333333");
}

TEST_CASE("bad pairs: shapes, affines, labels out of range, several volumes; each error names the files", "[apps]") {
  const voxtrain::testing::ScratchDir t("evaluate_bad");
  EvaluationSettings settings;
  settings.num_classes = 3;
  const std::string ref = write_line(t.path() / "ref.nii.gz", {0, 1, 1, 2});
  auto evaluate = [&](const std::string& seg, const std::string& reference) {
    return voxtrain::evaluate_subjects({EvaluationPair{.subject_id = "x", .seg_path = seg, .ref_path = reference}}, settings);
  };
  const std::string shorter = write_line(t.path() / "short.nii.gz", {0, 1, 1});
  CHECK_THROWS_WITH(evaluate(shorter, ref), Contains(fmt::format("segmentation '{}' is 3 x 1 x 1 voxels but reference '{}' is 4 x 1 x 1", shorter, ref)) &&
                                                Contains("resample the segmentation onto the reference"));
  const std::string wider = write_line(t.path() / "wide.nii.gz", {0, 1, 1, 2}, 2.5);
  CHECK_THROWS_WITH(evaluate(wider, ref), Contains(fmt::format("segmentation '{}' and reference '{}' have different affines (row 0, column 0: 2.5 vs 2)", wider, ref)));
  const std::string high = write_line(t.path() / "high.nii.gz", {0, 1, 3, 2});
  CHECK_THROWS_WITH(evaluate(high, ref), Contains(fmt::format("segmentation '{}' holds label 3 at voxel (2, 0, 0), outside [0, 3) for --num-classes 3", high)));
  const std::string negative = write_line(t.path() / "negative.nii.gz", {0, 1, 1, -1}, 2.0, NiftiDatatype::Int16);
  CHECK_THROWS_WITH(evaluate(ref, negative), Contains(fmt::format("reference '{}' holds label -1 at voxel (3, 0, 0)", negative)));
  NiftiImage two = line_image({0, 1, 1, 2, 0, 1, 1, 2});
  two.data = two.data.reshaped({2, 1, 1, 4});
  const std::string probabilities = (t.path() / "two.nii.gz").string();
  voxtrain::write_nifti(probabilities, two);
  CHECK_THROWS_WITH(evaluate(probabilities, ref), Contains(fmt::format("segmentation '{}' has 2 volumes: a label map has one", probabilities)));
  CHECK_THROWS_WITH(voxtrain::parse_metric_names("dice,hausdorf_distance"),
                    Contains("unknown metric 'hausdorf_distance' (did you mean 'hausdorff_distance'?)"));
}
