// test_evaluation_config.cpp — `voxtrain evaluate -c`'s work: inference output names, the settings
// from the config, the pairs by subject id on a tiny run, Dice against a voxel loop, and the errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_files.hpp"
#include "support/tiny_evaluation_run.hpp"
#include "voxtrain/apps/evaluation.hpp"
#include "voxtrain/apps/evaluation_config.hpp"
#include "voxtrain/io/config/run_config.hpp"
#include "voxtrain/io/nifti_image.hpp"

using voxtrain::ConfigEvaluation;
using voxtrain::RunConfig;
using voxtrain::testing::error_message_of;
using voxtrain::testing::TinyEvaluationRun;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace fs = std::filesystem;

namespace {

ConfigEvaluation from_config(const std::string& path, const std::vector<std::string>& overrides = {}) {
  return voxtrain::evaluation_from_config(RunConfig::load(path, voxtrain::parse_config_overrides(overrides)));
}

std::string error_of(const std::string& path, const std::vector<std::string>& overrides = {}) {
  return error_message_of([&] { from_config(path, overrides); });
}

std::string one_line(const std::string& message) {
  CHECK(message.find('\n') == std::string::npos);
  return message;
}

// The tiny config with one line replaced.
std::string config_with(const std::string& from, const std::string& to) {
  std::string text = voxtrain::testing::kTinyEvaluationConfig;
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("inference output names: window_seg_<id>_<postfix>.nii.gz gives the id, other names none", "[apps][evaluate]") {
  using voxtrain::inference_output_subject_id;
  CHECK(inference_output_subject_id("window_seg_sub-001__niftynet_out.nii.gz", "_niftynet_out") == "sub-001");
  CHECK(inference_output_subject_id("window_seg_sub_1__niftynet_out.nii", "_niftynet_out") == "sub_1");
  CHECK(inference_output_subject_id("window_seg_BraTS_01_seg.nii.gz", "seg") == "BraTS_01");
  CHECK(inference_output_subject_id("window_seg_a_.nii.gz", "") == "a");
  CHECK_FALSE(inference_output_subject_id("window_seg_sub-001__niftynet_out.nii.gz", "_other"));
  CHECK_FALSE(inference_output_subject_id("sub-001__niftynet_out.nii.gz", "_niftynet_out"));
  CHECK_FALSE(inference_output_subject_id("window_seg___niftynet_out.nii.gz", "_niftynet_out"));
  CHECK_FALSE(inference_output_subject_id("window_seg_sub-001__niftynet_out.csv", "_niftynet_out"));
}

TEST_CASE("inference output names: what inference's writer writes reads back as its subject id", "[apps][evaluate]") {
  const TinyEvaluationRun run;
  for (const std::string id : {"sub-1", "case_7.b", "x"}) {
    const std::string path = run.write_segmentation(id, TinyEvaluationRun::reference(1));
    CHECK(voxtrain::inference_output_subject_id(fs::path(path).filename().string(), "_niftynet_out") == id);
  }
}

TEST_CASE("evaluate -c settings: num_classes, evaluation_units and evaluations from the config", "[apps][evaluate]") {
  const TinyEvaluationRun run;
  const auto settings = [&](const std::vector<std::string>& overrides) {
    return voxtrain::evaluation_settings(RunConfig::load(run.config(), voxtrain::parse_config_overrides(overrides)));
  };
  const voxtrain::EvaluationSettings s = settings({});
  CHECK(s.num_classes == 3);
  CHECK(s.skip_background);  // NiftyNet's default evaluation_units = foreground leaves out label 0
  CHECK(s.metrics == std::vector<std::string>{"dice", "jaccard"});
  CHECK_FALSE(settings({"--evaluation_units", "label"}).skip_background);
  CHECK(settings({"--evaluations", "()"}).metrics == voxtrain::EvaluationSettings{}.metrics);
  CHECK(settings({"--evaluations", "haus_dist,IoU"}).metrics ==
        std::vector<std::string>{"hausdorff_distance", "jaccard"});
  CHECK_THAT(one_line(error_message_of([&] { settings({"--evaluations", "dice,hausdorf_distance"}); })),
             StartsWith("command line --evaluations: unknown metric 'hausdorf_distance' (did you mean "
                        "'hausdorff_distance'?): choose from dice, jaccard,"));
  CHECK_THAT(one_line(error_message_of([&] { settings({"--num_classes", "1"}); })),
             Contains("command line --num_classes = 1 with evaluation_units = foreground leaves no label"));
  CHECK(settings({"--num_classes", "1", "--evaluation_units", "label"}).num_classes == 1);
  CHECK_THAT(one_line(error_message_of([&] { settings({"--num_classes", "0"}); })),
             StartsWith("command line --num_classes = 0: give the number of labels including background"));
}

TEST_CASE("evaluate -c pairs each segmentation in save_seg_dir with its subject's label file", "[apps][evaluate]") {
  const TinyEvaluationRun run;
  const std::string seg1 = run.write_segmentation("sub-1", TinyEvaluationRun::segmentation(1));
  const std::string seg3 = run.write_segmentation("sub-3", TinyEvaluationRun::segmentation(3));
  voxtrain::write_nifti(run.seg_dir() + "/notes.nii.gz", voxtrain::read_nifti(seg1));  // not an output's name
  const ConfigEvaluation e = from_config(run.config());
  CHECK(fs::equivalent(e.seg_dir, run.seg_dir()));
  CHECK(e.label_section == "Label");
  CHECK(e.output_pattern == "window_seg_<subject>__niftynet_out.nii.gz");
  REQUIRE(e.matching.pairs.size() == 2);
  CHECK(e.matching.pairs[0].subject_id == "sub-1");
  CHECK(e.matching.pairs[0].seg_path == seg1);
  CHECK(fs::equivalent(e.matching.pairs[0].ref_path, run.path("data/sub-1_Label.nii.gz")));
  CHECK(e.matching.pairs[1].subject_id == "sub-3");
  CHECK(e.matching.pairs[1].seg_path == seg3);
  CHECK(fs::equivalent(e.matching.pairs[1].ref_path, run.path("data/sub-3_Label.nii.gz")));
  REQUIRE(e.matching.unmatched_ref.size() == 1);  // sub-2 was not inferred
  CHECK(fs::equivalent(e.matching.unmatched_ref[0], run.path("data/sub-2_Label.nii.gz")));
  CHECK(e.matching.unmatched_seg.empty());
  REQUIRE(e.other_files.size() == 1);
  CHECK(fs::path(e.other_files[0]).filename() == "notes.nii.gz");
  CHECK(fs::path(e.csv_path) == fs::path(run.path("model/evaluation/eval_subject_id_label.csv")).lexically_normal());

  // Volume-level Dice and Jaccard of labels 1 and 2 (foreground), against a loop over the voxels.
  const voxtrain::EvaluationResult r = voxtrain::evaluate_subjects(e.matching.pairs, e.settings);
  REQUIRE(r.rows.size() == 6);  // per subject: labels 1, 2 and the mean
  for (std::size_t s = 0; s < 2; ++s) {
    const int subject = s == 0 ? 1 : 3;
    const auto seg = TinyEvaluationRun::segmentation(subject), ref = TinyEvaluationRun::reference(subject);
    for (int label = 1; label <= 2; ++label) {
      const voxtrain::EvaluationRow& row = r.rows[s * 3 + static_cast<std::size_t>(label - 1)];
      INFO("subject " << subject << " label " << label);
      CHECK(row.label == std::to_string(label));
      const double dice = voxtrain::testing::naive_dice(seg, ref, label);
      REQUIRE((dice > 0.0 && dice < 1.0));  // the data set tests something
      CHECK(row.values[0] == Approx(dice).epsilon(1e-12));
      CHECK(row.values[1] == Approx(voxtrain::testing::naive_jaccard(seg, ref, label)).epsilon(1e-12));
    }
  }
}

TEST_CASE("evaluate -c: save_seg_dir and save_csv_dir resolve against model_dir, absolute paths stay", "[apps][evaluate]") {
  const TinyEvaluationRun run;
  run.write_segmentation("sub-2", TinyEvaluationRun::segmentation(2));
  fs::rename(run.seg_dir(), run.path("elsewhere"));
  const ConfigEvaluation e = from_config(run.config(), {"--save_seg_dir", run.path("elsewhere"), "--save_csv_dir", "./csv"});
  CHECK(e.seg_dir == run.path("elsewhere"));
  REQUIRE(e.matching.pairs.size() == 1);
  CHECK(fs::path(e.csv_path) == fs::path(run.path("model/csv/eval_subject_id_label.csv")).lexically_normal());
  run.set_config(std::string(voxtrain::testing::kTinyEvaluationConfig) + "\n[INFERENCE]\nsave_seg_dir = ../elsewhere\n");
  CHECK(from_config(run.config()).matching.pairs.size() == 1);
}

TEST_CASE("evaluate -c errors: one line naming the key or file, and what to do", "[apps][evaluate]") {
  const TinyEvaluationRun run;
  SECTION("the config does not exist") {
    CHECK_THAT(one_line(error_of(run.path("missing.ini"))), StartsWith("cannot read config file '") && Contains("missing.ini"));
  }
  SECTION("save_seg_dir does not exist: infer first") {
    CHECK_THAT(one_line(error_of(run.config())),
               StartsWith(run.config() + ": [INFERENCE] save_seg_dir (default): '") &&
                   Contains("/model/output' does not exist: run 'voxtrain infer -c " + run.config() +
                            "' first, it writes the segmentations there"));
  }
  SECTION("save_seg_dir holds no inference output") {
    fs::create_directories(run.seg_dir());
    run.write_segmentation("sub-1", TinyEvaluationRun::segmentation(1));
    CHECK(one_line(error_of(run.config(), {"--output_postfix", "seg"})) ==
          run.config() + ": [INFERENCE] save_seg_dir (default): '" + run.seg_dir() +
              "' holds no segmentation named window_seg_<subject>_seg.nii.gz: run 'voxtrain infer -c " + run.config() +
              "' first, it writes them there");
  }
  SECTION("num_classes is not set (-1)") {
    run.set_config(config_with("num_classes = 3\n", ""));
    CHECK(one_line(error_of(run.config())) ==
          run.config() + ": [SEGMENTATION] num_classes is not set: evaluate needs the number of labels including "
                         "background: set num_classes = 2 (or more) in [SEGMENTATION], or give --num_classes 2");
    run.set_config(config_with("num_classes = 3\n", "num_classes = -1\n"));
    CHECK_THAT(one_line(error_of(run.config())),
               StartsWith(run.config() + ":15: [SEGMENTATION] num_classes = -1: evaluate needs the number of labels"));
  }
  SECTION("no label section") {
    run.set_config(config_with("label = Label\n", ""));
    CHECK(one_line(error_of(run.config())) ==
          run.config() + ": [SEGMENTATION] label is not set: evaluate compares each segmentation with its subject's "
                         "file of the label input section: name it, e.g. label = label");
  }
  SECTION("the label section named does not exist") {
    run.set_config(config_with("label = Label\n", "label = Labels\n"));
    CHECK_THAT(one_line(error_of(run.config())), Contains("there is no input section [Labels]"));
  }
  SECTION("a segmentation of a subject the data set lacks") {
    run.write_segmentation("sub-1", TinyEvaluationRun::segmentation(1));
    const std::string stray = run.write_segmentation("sub-9", TinyEvaluationRun::segmentation(1));
    CHECK(one_line(error_of(run.config())) ==
          "segmentation '" + stray + "' is of subject 'sub-9', which is not in the data set of " + run.config() +
              " (subjects sub-1, sub-2, sub-3): remove the file, or evaluate with the config that inferred it");
  }
  SECTION("two segmentations of one subject") {
    const std::string gz = run.write_segmentation("sub-1", TinyEvaluationRun::segmentation(1));
    const std::string nii = run.seg_dir() + "/window_seg_sub-1__niftynet_out.nii";
    voxtrain::write_nifti(nii, voxtrain::read_nifti(gz));
    CHECK(one_line(error_of(run.config())) ==
          "'" + nii + "' and '" + gz + "' are both segmentations of subject 'sub-1': keep one of them");
  }
  SECTION("class probabilities (output_prob = True)") {
    run.write_segmentation("sub-1", TinyEvaluationRun::segmentation(1));
    CHECK_THAT(one_line(error_of(run.config(), {"--output_prob", "True"})),
               StartsWith("command line --output_prob = True: inference then writes class probabilities"));
  }
}
