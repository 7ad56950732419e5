// test_evaluate_command.cpp — `voxtrain evaluate -c config.ini`: the printed report and the CSV of a
// tiny run (Dice from a voxel loop), overrides, the flag form alongside, and one-line errors.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/evaluate_command.hpp"
#include "support/test_files.hpp"
#include "support/tiny_evaluation_run.hpp"

using voxtrain::testing::error_message_of;
using voxtrain::testing::read_text;
using voxtrain::testing::stdout_of;
using voxtrain::testing::TinyEvaluationRun;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace fs = std::filesystem;

namespace {

int evaluate(const std::vector<std::string>& args) { return voxtrain::run_evaluate_command(args); }

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::istringstream cells(line);
    for (std::string f; std::getline(cells, f, ',');) fields.push_back(f);
    rows.push_back(fields);
  }
  return rows;
}

}  // namespace

TEST_CASE("evaluate -c: report and CSV of a tiny run, Dice and Jaccard as a voxel loop counts them", "[cli][evaluate]") {
  const TinyEvaluationRun run;
  run.write_segmentation("sub-1", TinyEvaluationRun::segmentation(1));
  run.write_segmentation("sub-3", TinyEvaluationRun::segmentation(3));
  int rc = -1;
  const std::string out = stdout_of([&] { rc = evaluate({"-c", run.config()}); }, run.path("stdout.txt"));
  CHECK(rc == 0);
  const std::string csv = run.path("model/evaluation/eval_subject_id_label.csv");
  CHECK_THAT(out, StartsWith("evaluate: segmentations in " + run.seg_dir() +
                             ", references from input section [Label]\n"
                             "evaluate: 2 subjects matched\n"
                             "evaluate: 1 reference file without a segmentation:\n  "));
  CHECK_THAT(out, Contains("/data/sub-2_Label.nii.gz\nvolume-level metrics, mean (standard deviation) over 2 subjects:\n"
                           "  label  dice "));
  CHECK_THAT(out, Contains("\nevaluate: wrote " + csv + " (6 rows)\n"));

  const auto rows = csv_rows(read_text(csv));
  REQUIRE(rows.size() == 7);
  CHECK(rows[0] == std::vector<std::string>{"subject_id", "label", "dice", "jaccard"});
  std::size_t r = 1;
  for (const int subject : {1, 3}) {
    const auto seg = TinyEvaluationRun::segmentation(subject), ref = TinyEvaluationRun::reference(subject);
    double dice_sum = 0.0;
    for (const int label : {1, 2}) {
      INFO("subject " << subject << " label " << label);
      const auto& row = rows[r++];
      REQUIRE(row.size() == 4);
      CHECK(row[0] == "sub-" + std::to_string(subject));
      CHECK(row[1] == std::to_string(label));
      const double dice = voxtrain::testing::naive_dice(seg, ref, label);
      CHECK(std::stod(row[2]) == Approx(dice).epsilon(1e-12));
      CHECK(std::stod(row[3]) == Approx(voxtrain::testing::naive_jaccard(seg, ref, label)).epsilon(1e-12));
      dice_sum += dice;
    }
    const auto& mean = rows[r++];
    CHECK(mean[1] == "mean");
    CHECK(std::stod(mean[2]) == Approx(dice_sum / 2).epsilon(1e-12));
  }
}

TEST_CASE("evaluate -c: --KEY VALUE overrides as for train and infer; the flag form gives the same CSV", "[cli][evaluate]") {
  const TinyEvaluationRun run;
  run.write_segmentation("sub-2", TinyEvaluationRun::segmentation(2));
  stdout_of([&] { evaluate({"--config=" + run.config(), "--evaluation_units", "label", "--evaluations=dice",
                            "--save_csv_dir", run.path("csv"), "--num-classes", "3"}); },
            run.path("stdout.txt"));
  const std::string config_csv = read_text(run.path("csv/eval_subject_id_label.csv"));
  const auto rows = csv_rows(config_csv);
  REQUIRE(rows.size() == 5);  // labels 0, 1, 2 and the mean
  CHECK(rows[0] == std::vector<std::string>{"subject_id", "label", "dice"});
  CHECK(rows[1][1] == "0");
  CHECK(std::stod(rows[1][2]) ==
        Approx(voxtrain::testing::naive_dice(TinyEvaluationRun::segmentation(2), TinyEvaluationRun::reference(2), 0))
            .epsilon(1e-12));

  stdout_of([&] { evaluate({"--seg", run.seg_dir(), "--ref", run.path("data/sub-2_Label.nii.gz"), "--num-classes", "3",
                            "--metrics", "dice", "--out", run.path("flags.csv")}); },
            run.path("stdout.txt"));
  CHECK(read_text(run.path("flags.csv")) == config_csv);
}

TEST_CASE("evaluate -c errors: one line, nothing written", "[cli][evaluate]") {
  const TinyEvaluationRun run;
  const std::string csv = run.path("model/evaluation/eval_subject_id_label.csv");
  const auto error_of = [&](const std::vector<std::string>& args) {
    const std::string message = error_message_of([&] { stdout_of([&] { evaluate(args); }, run.path("stdout.txt")); });
    CHECK(message.find('\n') == std::string::npos);
    CHECK_FALSE(fs::exists(csv));
    return message;
  };
  SECTION("not inferred yet") {
    CHECK_THAT(error_of({"-c", run.config()}),
               Contains("/model/output' does not exist: run 'voxtrain infer -c " + run.config() + "' first"));
  }
  SECTION("a segmentation that does not read as a label map of the reference's grid") {
    run.write_segmentation("sub-1", TinyEvaluationRun::segmentation(1));
    run.write_segmentation("sub-2", std::vector<std::int32_t>(TinyEvaluationRun::reference(2).size(), 3));
    CHECK_THAT(error_of({"-c", run.config()}), Contains("window_seg_sub-2__niftynet_out.nii.gz' holds label 3"));
  }
  SECTION("the flag form's flags do not go with -c, each naming the config key that does the same") {
    CHECK(error_of({"-c", run.config(), "--seg", "x"}) ==
          "evaluate: --seg does not go with -c: the segmentations are in [INFERENCE] save_seg_dir: give --save_seg_dir DIR");
    CHECK_THAT(error_of({"--out=x.csv", "-c", run.config()}),
               StartsWith("evaluate: --out does not go with -c: the CSV is eval_subject_id_label.csv in [EVALUATION] "
                          "save_csv_dir: give --save_csv_dir DIR"));
    CHECK_THAT(error_of({"-c", run.config(), "--skip-background"}),
               StartsWith("evaluate: --skip-background does not go with -c: label 0 is left out by [SEGMENTATION] "
                          "evaluation_units = foreground"));
    for (const char* flag : {"--ref", "--metrics", "--seg-postfix", "--ref-contains"})
      CHECK_THAT(error_of({"-c", run.config(), flag, "x"}), StartsWith(std::string("evaluate: ") + flag + " does not go with -c: "));
  }
  SECTION("an unknown override, a -c without a file") {
    CHECK_THAT(error_of({"-c", run.config(), "--save_seg_dri", "x"}),
               StartsWith("unknown option '--save_seg_dri' (did you mean '--save_seg_dir'?)"));
    CHECK(error_of({"-c"}) == "evaluate: -c needs a value: -c config.ini");
    CHECK(error_of({"--config="}) ==
          "evaluate: no config given: voxtrain evaluate -c config.ini (run 'voxtrain evaluate --help' for the options)");
  }
  SECTION("without -c the flags stay required") {
    CHECK(error_of({"--ref", "x", "--num-classes", "2"}) ==
          "evaluate: --seg is missing: give the segmentation file or the directory of inference outputs, or the run's "
          "config: voxtrain evaluate -c config.ini");
    CHECK_THAT(error_of({"--save_seg_dir", "x"}), StartsWith("evaluate: unknown option '--save_seg_dir'"));
  }
}

TEST_CASE("evaluate --help shows both forms and says the metrics are volume-level", "[cli][evaluate]") {
  const voxtrain::testing::ScratchDir dir("evaluate_help");
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"}, {"-c", "config.ini", "-h"}}) {
    int rc = -1;
    const std::string help = stdout_of([&] { rc = evaluate(args); }, dir.file("help.txt"));
    CHECK(rc == 0);
    CHECK_THAT(help, StartsWith("Usage: voxtrain evaluate -c CONFIG [--KEY VALUE ...]\n"
                                "       voxtrain evaluate --seg FILE_OR_DIR --ref FILE_OR_DIR --num-classes K"));
    CHECK_THAT(help, Contains("volume-level") && Contains("patch_dice") && Contains("eval_subject_id_label.csv"));
  }
}
