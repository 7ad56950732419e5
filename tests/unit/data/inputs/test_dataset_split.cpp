// test_dataset_split.cpp — split counts against Python's math.ceil, determinism and uniformity of
// the seeded assignment, the csv format NiftyNet writes, reuse of a file, and every error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/inputs/dataset_split.hpp"
#include "data_tools/split_command.hpp"
#include "voxtrain/data/inputs/dataset_config.hpp"
#include "voxtrain/io/config/ini_file.hpp"

#include "support/test_files.hpp"

using voxtrain::DatasetSplit;
using voxtrain::Phase;
using voxtrain::SplitFractions;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace fs = std::filesystem;

namespace {

std::vector<std::string> make_ids(int n) {
  std::vector<std::string> ids;
  for (int i = 1; i <= n; ++i) ids.push_back(fmt::format("sub-{:03d}", i));
  return ids;
}

}  // namespace

TEST_CASE("split: counts are ceil(n * fraction) as NiftyNet computes them", "[data]") {
  struct Case {
    int n;
    double valid, infer;
    std::size_t train, n_valid, n_infer;  // from Python: math.ceil(n * f), the rest training
  };
  const std::vector<Case> cases{
      {10, 0.3, 0.0, 7, 3, 0},    {10, 0.2, 0.1, 7, 2, 1},   {7, 0.25, 0.25, 3, 2, 2}, {3, 0.1, 0.0, 2, 1, 0},
      {100, 0.15, 0.05, 80, 15, 5}, {1, 0.0, 0.0, 1, 0, 0},  {5, 0.0, 0.0, 5, 0, 0},   {20, 0.07, 0.33, 11, 2, 7},
      {2, 0.5, 0.0, 1, 1, 0},
      {100, 0.07, 0.0, 92, 8, 0},  // 100 * 0.07 = 7.000000000000001 in doubles: ceil gives 8, as in NiftyNet
  };
  for (const Case& c : cases) {
    CAPTURE(c.n, c.valid, c.infer);
    const DatasetSplit split = voxtrain::make_split(make_ids(c.n), {.validation = c.valid, .inference = c.infer}, 5);
    CHECK(split.entries.size() == static_cast<std::size_t>(c.n));
    CHECK(split.count(Phase::Training) == c.train);
    CHECK(split.count(Phase::Validation) == c.n_valid);
    CHECK(split.count(Phase::Inference) == c.n_infer);
    CHECK(std::is_sorted(split.entries.begin(), split.entries.end(),
                         [](const auto& a, const auto& b) { return a.id < b.id; }));
  }
}

TEST_CASE("split: the assignment depends only on the seed and the ids", "[data]") {
  const auto ids = make_ids(20);
  const SplitFractions f{.validation = 0.25, .inference = 0.25};
  const DatasetSplit a = voxtrain::make_split(ids, f, 11);
  std::vector<std::string> reversed(ids.rbegin(), ids.rend());
  const DatasetSplit b = voxtrain::make_split(reversed, f, 11);
  const auto phases = [](const DatasetSplit& s) {
    std::vector<Phase> p;
    for (const auto& e : s.entries) p.push_back(e.phase);
    return p;
  };
  CHECK(phases(a) == phases(b));
  CHECK(voxtrain::ids_in_phase(a, Phase::Validation) == voxtrain::ids_in_phase(b, Phase::Validation));
  // Another seed gives another assignment (the chance that two agree is 1 in 20!/(10! 5! 5!)).
  CHECK(phases(voxtrain::make_split(ids, f, 12)) != phases(a));

  // Over many seeds each subject is held out for validation about n_valid / n of the time.
  const auto ten = make_ids(10);
  std::map<std::string, int> validation_count;
  const int seeds = 2000;
  for (int s = 0; s < seeds; ++s)
    for (const auto& id : voxtrain::ids_in_phase(voxtrain::make_split(ten, {.validation = 0.2, .inference = 0.0},
                                                                       static_cast<std::uint64_t>(s)),
                                                 Phase::Validation))
      ++validation_count[id];
  REQUIRE(validation_count.size() == 10);
  for (const auto& [id, count] : validation_count) {
    CAPTURE(id);
    CHECK(std::abs(count / static_cast<double>(seeds) - 0.2) < 0.05);  // binomial sd 0.009
  }
}

TEST_CASE("split: impossible requests are errors", "[data]") {
  using voxtrain::make_split;
  CHECK_THAT(error_or_none([] { make_split(make_ids(4), {.validation = -0.1, .inference = 0}, 0); }),
             Equals("exclude_fraction_for_validation = -0.1 is outside [0, 1]: give the fraction of subjects to hold "
                    "out, e.g. 0.2"));
  CHECK_THAT(error_or_none([] { make_split(make_ids(4), {.validation = 0, .inference = 1.5}, 0); }),
             Contains("exclude_fraction_for_inference = 1.5 is outside [0, 1]"));
  CHECK_THAT(error_or_none([] { make_split(make_ids(4), {.validation = std::nan(""), .inference = 0}, 0); }),
             Contains("is outside [0, 1]"));
  CHECK_THAT(error_or_none([] { make_split({}, {}, 0); }), Contains("cannot split an empty data set"));
  CHECK_THAT(error_or_none([] { make_split(make_ids(2), {.validation = 0.5, .inference = 0.5}, 0); }),
             Equals("exclude_fraction_for_validation = 0.5 and exclude_fraction_for_inference = 0.5 leave no training "
                    "subject among 2 subjects (ceil gives 1 validation and 1 inference): lower the fractions"));
  CHECK_THAT(error_or_none([] { make_split(make_ids(1), {.validation = 0.1, .inference = 0}, 0); }),
             Contains("leave no training subject among 1 subject"));
  const std::vector<std::string> twice{"a", "b", "a"};
  CHECK_THAT(error_or_none([&] { make_split(twice, {}, 0); }), Contains("subject id 'a' appears twice"));
}

TEST_CASE("split: files are written as NiftyNet writes them and read in any case", "[data]") {
  const ScratchDir t("split_io");
  const DatasetSplit split = voxtrain::make_split(make_ids(5), {.validation = 0.2, .inference = 0.2}, 3);
  const std::string path = (t.path() / "new" / "dir" / "dataset_split.csv").string();
  voxtrain::write_split(path, split);
  std::string expected;
  for (const auto& e : split.entries) expected += e.id + "," + std::string(voxtrain::phase_name(e.phase)) + "\n";
  CHECK(read_text(path) == expected);
  CHECK(std::distance(fs::directory_iterator(t.path() / "new" / "dir"), fs::directory_iterator()) == 1);  // no temp left
  const DatasetSplit back = voxtrain::read_split(path);
  REQUIRE(back.entries.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(back.entries[i].id == split.entries[i].id);
    CHECK(back.entries[i].phase == split.entries[i].phase);
  }

  // Python's csv writer (NiftyNet) ends rows with \r\n; users may capitalise and pad.
  const DatasetSplit mixed = voxtrain::read_split(
      t.write("mixed.csv", "s2,Training\r\n\r\n s1 , VALIDATION \r\ns3,inference\r\n"));
  REQUIRE(mixed.entries.size() == 3);
  CHECK(mixed.entries[0].id == "s1");
  CHECK(mixed.entries[0].phase == Phase::Validation);
  CHECK(mixed.entries[1].phase == Phase::Training);
  CHECK(mixed.entries[2].phase == Phase::Inference);
  CHECK(voxtrain::parse_phase("TRAINING") == Phase::Training);
  CHECK_FALSE(voxtrain::parse_phase("train").has_value());
}

TEST_CASE("split: bad files are errors naming file and line", "[data]") {
  const ScratchDir t("split_bad");
  const auto read_error = [&](const std::string& text) {
    const std::string path = t.write("s.csv", text);
    return error_or_none([&] { voxtrain::read_split(path); });
  };
  const std::string p = t.file("s.csv");
  CHECK_THAT(read_error("a,training\nb\n"),
             Equals(p + ":2: row 'b' is not 'subject_id,phase': fix the row, or delete the file to make a new split"));
  CHECK_THAT(read_error("a,training,x\n"), Contains(p + ":1: row 'a,training,x' is not 'subject_id,phase'"));
  CHECK_THAT(read_error("\na,all\n"),
             Equals(p + ":2: unknown phase 'all' for subject 'a': use training, validation or inference (any case)"));
  CHECK_THAT(read_error(" ,training\n"), Contains(p + ":1: row ',training' has an empty subject id"));
  CHECK_THAT(read_error("a,training\nb,training\na,validation\n"),
             Equals(p + ": subject 'a' appears twice (lines 1 and 3): keep one row per subject"));
  CHECK_THAT(read_error("\n\n"), Contains("dataset split file '" + p + "' has no rows"));
  CHECK_THAT(error_or_none([&] { voxtrain::read_split(t.file("none.csv")); }),
             Contains("cannot read dataset split file '" + t.file("none.csv") + "': No such file"));
}

TEST_CASE("split: an existing file is reused and must match the data set", "[data]") {
  const ScratchDir t("split_reuse");
  const std::string path = t.file("dataset_split.csv");
  const auto ids = make_ids(4);
  const auto created = voxtrain::load_or_create_split(path, ids, {.validation = 0.25, .inference = 0.25}, 1);
  CHECK(created.created);
  CHECK(created.split.count(Phase::Validation) == 1);
  CHECK(fs::exists(path));

  // A file the user wrote wins over the fractions.
  t.write("dataset_split.csv", "sub-001,training\nsub-002,training\nsub-003,Inference\nsub-004,training\n");
  const auto reused = voxtrain::load_or_create_split(path, ids, {.validation = 0.5, .inference = 0.0}, 1);
  CHECK_FALSE(reused.created);
  CHECK(reused.split.count(Phase::Validation) == 0);
  CHECK(voxtrain::ids_in_phase(reused.split, Phase::Inference) == std::vector<std::string>{"sub-003"});

  const std::vector<std::string> more = make_ids(6);
  CHECK_THAT(error_or_none([&] { voxtrain::load_or_create_split(path, more, {}, 1); }),
             Equals("dataset split file '" + path + "' does not match the data set: 2 subjects of the data set are not "
                    "in it (sub-005, sub-006); delete the file to make a new split (voxdata split --force), or edit its rows"));
  const std::vector<std::string> fewer{"sub-001", "sub-002", "sub-004", "sub-009"};
  CHECK_THAT(error_or_none([&] { voxtrain::check_split_matches(reused.split, fewer, path); }),
             Contains("does not match the data set: 1 subject of the data set is not in it (sub-009); 1 subject in it "
                      "is not in the data set (sub-003); delete the file"));

  // Selecting a phase keeps the subjects' order and drops the others.
  std::vector<voxtrain::SubjectFiles> subjects;
  for (const auto& id : ids) subjects.push_back({.id = id, .image = {id + ".nii"}, .label = {}, .weight = {}, .sampling_map = {}});
  const auto training = voxtrain::subjects_in_phase(subjects, reused.split, Phase::Training);
  REQUIRE(training.size() == 3);
  CHECK(training[0].id == "sub-001");
  CHECK(training[2].id == "sub-004");
}

TEST_CASE("split: the config's split file, model_dir and fractions resolve as in NiftyNet", "[data]") {
  using voxtrain::IniFile;
  const IniFile bare = IniFile::parse("[T1]\n", "exp/config.ini");
  CHECK(voxtrain::model_dir(bare) == "exp/model");  // NiftyNet: <config dir>/model
  CHECK(voxtrain::dataset_split_path(bare) == "exp/model/dataset_split.csv");
  CHECK(voxtrain::split_fractions(bare).validation == 0.0);
  const IniFile set = IniFile::parse(
      "[SYSTEM]\nmodel_dir = ./models/unet\ndataset_split_file = ../splits/a.csv\n"
      "[TRAINING]\nexclude_fraction_for_validation = 0.1\nexclude_fraction_for_inference = 0.3\n",
      "exp/config.ini");
  CHECK(voxtrain::model_dir(set) == "exp/models/unet");
  CHECK(voxtrain::dataset_split_path(set) == "exp/models/splits/a.csv");
  CHECK(voxtrain::split_fractions(set).validation == 0.1);
  CHECK(voxtrain::split_fractions(set).inference == 0.3);
  CHECK(voxtrain::dataset_split_path(IniFile::parse("[SYSTEM]\nmodel_dir = m\ndataset_split_file = /abs/s.csv\n", "c.ini")) ==
        "/abs/s.csv");
  CHECK_THAT(error_or_none([] { voxtrain::split_fractions(IniFile::parse("\n[TRAINING]\nexclude_fraction_for_inference = 2\n", "c.ini")); }),
             Equals("c.ini:3: [TRAINING] exclude_fraction_for_inference = 2: expected a fraction in [0, 1], e.g. 0.2"));
}

TEST_CASE("split: command-line arguments", "[data]") {
  using voxtrain::parse_split_args;
  const auto o = parse_split_args({"-c", "a.ini", "--seed=7", "--validation-fraction", "0.2", "--force", "--out", "s.csv"}).options;
  CHECK(o.config == "a.ini");
  CHECK(o.seed == 7);
  CHECK(o.validation_fraction == 0.2);
  CHECK_FALSE(o.inference_fraction.has_value());
  CHECK(o.force);
  CHECK(o.out == "s.csv");
  const auto e = parse_split_args({"--images", "d1,d2", "--image-contains", "T1,T2", "--label-contains", "Label", "--out", "x"}).options;
  CHECK(e.images == std::vector<std::string>{"d1", "d2"});
  CHECK(e.image_contains == std::vector<std::string>{"T1", "T2"});
  CHECK(e.label_contains == "Label");
  CHECK(parse_split_args({"--help"}).help);
  const auto arg_error = [](std::vector<std::string> args) { return error_or_none([&] { parse_split_args(args); }); };
  CHECK_THAT(arg_error({"-c"}), Contains("split: -c needs a value"));
  CHECK_THAT(arg_error({"-c", "a.ini", "--images", "d"}), Contains("give either -c CONFIG or --images"));
  CHECK_THAT(arg_error({"--images", "d", "--out", "x"}), Contains("--image-contains is missing"));
  CHECK_THAT(arg_error({"--images", "d", "--image-contains", "T1"}), Contains("--out FILE is missing"));
  CHECK_THAT(arg_error({"--image-contains", "T1", "--out", "x"}), Contains("--images DIR is missing"));
  CHECK_THAT(arg_error({"-c", "a.ini", "--seed", "-1"}), Contains("--seed '-1' is not a whole number"));
  CHECK_THAT(arg_error({"-c", "a.ini", "--force=yes"}), Contains("--force takes no value"));
  CHECK_THAT(arg_error({"-c", "a.ini", "extra"}), Contains("unexpected argument 'extra'"));
  CHECK_THAT(arg_error({"--images", "a,,b"}), Contains("--images 'a,,b' has an empty item"));
}
