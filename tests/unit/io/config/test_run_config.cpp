// test_run_config.cpp — RunConfig on NiftyNet's own demo configs, every error message in full,
// command-line overrides, the effective text read back, and the comparison of two runs' settings.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "support/test_files.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/io/config/run_config.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using voxtrain::ConfigOverride;
using voxtrain::RunConfig;
using voxtrain::testing::error_or_none;
using voxtrain::testing::read_text;
using voxtrain::testing::ScratchDir;
using Strings = std::vector<std::string>;

namespace {

std::string demo(const std::string& name) {
  return std::string(VOXTRAIN_SOURCE_DIR) + "/tests/data/niftynet_configs/" + name;
}

// The 1-based line of the first line of `path` that starts with `prefix`, read independently.
int line_of(const std::string& path, const std::string& prefix) {
  const std::string text = read_text(path);
  int line = 1;
  for (std::size_t start = 0; start < text.size(); ++line) {
    const std::size_t end = text.find('\n', start);
    if (text.compare(start, prefix.size(), prefix) == 0) return line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return 0;
}

std::string load_error(const std::string& text, const std::vector<ConfigOverride>& overrides = {}) {
  return error_or_none([&] { RunConfig::parse(text, "config.ini", overrides); });
}

std::string override_error(const Strings& args) {
  return error_or_none([&] { voxtrain::parse_config_overrides(args); });
}

}  // namespace

TEST_CASE("run config: NiftyNet's demo configs load as they are, with one warning", "[io][config]") {
  for (const std::string name : {"default_segmentation.ini", "highres3dnet_config.ini"}) {
    INFO(name);
    const std::string path = demo(name);
    const RunConfig c = RunConfig::load(path);
    const int padding_line = line_of(path, "volume_padding_size");
    REQUIRE(padding_line > 0);
    CHECK(c.warnings() ==
          Strings{path + ":" + std::to_string(padding_line) +
                  ": [NETWORK] volume_padding_size = 21 is ignored: volume padding is not implemented: windows lie "
                  "inside the image (pad the images beforehand to sample or infer up to their edges)"});
    CHECK(c.application_section() == "SEGMENTATION");
    CHECK(c.get_string("SYSTEM", "cuda_devices").empty());  // written as ""
    CHECK(c.get_spatial3("NETWORK", "volume_padding_size") == std::array<std::int64_t, 3>{21, 21, 21});
    CHECK(c.get_int("NETWORK", "batch_size") == 1);
    CHECK(c.get_floats("TRAINING", "rotation_angle") == std::vector<double>{-10.0, 10.0});
    CHECK(c.get_int("TRAINING", "sample_per_volume") == 32);
    CHECK(c.get_bool("SEGMENTATION", "label_normalisation"));
    CHECK(c.get_int("SEGMENTATION", "num_classes") == 160);
    CHECK(c.get_spatial3("INFERENCE", "spatial_window_size") == std::array<std::int64_t, 3>{0, 0, 3});
    // Defaults fill what the file leaves out.
    CHECK(c.get_string("TRAINING", "optimiser") == "adam");
    CHECK(c.get_int("TRAINING", "validation_every_n") == -1);
    CHECK_FALSE(c.is_set("TRAINING", "optimiser"));
    CHECK(c.where("TRAINING", "optimiser") == "[TRAINING] optimiser (default)");
  }
  const RunConfig toy = RunConfig::load(demo("default_segmentation.ini"));
  CHECK(toy.input_sections() == Strings{"modality1", "label"});
  CHECK(toy.get_string("NETWORK", "name") == "toynet");
  CHECK(toy.get_string("NETWORK", "activation_function") == "prelu");
  CHECK(toy.get_float("NETWORK", "decay") == 0.1);
  CHECK(toy.get_ints("TRAINING", "random_flipping_axes") == std::vector<std::int64_t>{1});
  CHECK(toy.get_spatial3("INFERENCE", "border") == std::array<std::int64_t, 3>{0, 0, 1});
  CHECK(toy.get_strings("EVALUATION", "evaluations") == Strings{"Dice"});
  CHECK(toy.get_strings("SEGMENTATION", "image") == Strings{"modality1"});
  CHECK(toy.get_strings("modality1", "axcodes") == Strings{"A", "R", "S"});
  CHECK(toy.get_spatial3("label", "spatial_window_size") == std::array<std::int64_t, 3>{20, 42, 42});
  CHECK(toy.get_int("label", "interp_order") == 0);
  CHECK(toy.where("TRAINING", "lr") == demo("default_segmentation.ini") + ":" +
                                           std::to_string(line_of(demo("default_segmentation.ini"), "lr =")) +
                                           ": [TRAINING] lr");
  // A wrong getter or a key the schema lacks is a bug of the caller.
  CHECK_THROWS_AS(toy.get_int("TRAINING", "lr"), voxtrain::InternalError);
  CHECK_THROWS_AS(toy.get_int("TRAINING", "lrr"), voxtrain::InternalError);
}

TEST_CASE("run config: unknown keys, wrong types and unsupported values are one-line errors", "[io][config]") {
  const std::string padding(10, '\n');
  CHECK_THAT(load_error("[TRAINING]\nlr = 0.1" + padding + "lrr = 3\n"),
             Equals("unknown key 'lrr' in [TRAINING] (config.ini:12); did you mean 'lr'?"));
  CHECK_THAT(load_error("[NETWORK]\nlr = 0.1\n"),
             Equals("unknown key 'lr' in [NETWORK] (config.ini:2); 'lr' is a key of [TRAINING]: move it there"));
  CHECK_THAT(load_error("[TRAINING]\nfrobnicate = 1\n"),
             Equals("unknown key 'frobnicate' in [TRAINING] (config.ini:2): remove it ('voxtrain config --list' lists "
                    "the keys of every section)"));
  CHECK_THAT(load_error("[T1]\npath_to_search = d\nfilename_contain = T1\n"),
             Equals("unknown key 'filename_contain' in [T1] (config.ini:3); did you mean 'filename_contains'?"));
  CHECK_THAT(load_error("[T1]\npath_to_search = d\nmax_iter = 3\n"),
             Equals("unknown key 'max_iter' in [T1] (config.ini:3); 'max_iter' is a key of [TRAINING]: move it there"));
  CHECK_THAT(load_error("[TRAINING]\npixdim = 1\n"),
             Equals("unknown key 'pixdim' in [TRAINING] (config.ini:2); 'pixdim' is a key of input sections such as "
                    "[T1]: move it there"));
  CHECK_THAT(load_error("[TRAINING]\n\n\n\n\n\n\n\n\n\nmax_iter = ten\n"),
             Equals("config.ini:11: [TRAINING] max_iter = ten: expected an integer (e.g. 10000)"));
  CHECK_THAT(load_error("[T1]\ninterp_order = linear\n"),
             Equals("config.ini:2: [T1] interp_order = linear: expected an integer from 0 to 3 (e.g. 1)"));
  CHECK_THAT(load_error("[NETWORK]\nkeep_prob = 0.5\n"),
             Equals("config.ini:2: [NETWORK] keep_prob = 0.5: voxtrain does not support keep_prob (voxtrain's networks "
                    "have no dropout): remove the key or set it to its default 1.0"));
  CHECK_THAT(load_error("[SEGMENTATION]\ndo_mixup = True\n"),
             Equals("config.ini:2: [SEGMENTATION] do_mixup = True: voxtrain does not support do_mixup (mixup is not "
                    "implemented): remove the key or set it to its default False"));
  CHECK_THAT(load_error("[T1]\npath_to_search = d\ncsv_data_file = x.csv\n"),
             Contains("config.ini:3: [T1] csv_data_file = x.csv: voxtrain does not support csv_data_file"));
  CHECK_THAT(load_error("[T1]\npath_to_search = d\n[training]\nlr = 1\n"),
             Equals("config.ini:3: [training]: write the section name in capitals, [TRAINING]; otherwise it is read as "
                    "an input section"));
  CHECK_THAT(load_error("[REGRESSION]\nloss_border = 2\n"),
             Equals("config.ini:1: [REGRESSION]: voxtrain has no regression application: it trains segmentation "
                    "networks, configured in [SEGMENTATION]"));
  // Unsupported keys at their default, and paths that do not exist, are fine.
  CHECK(load_error("[NETWORK]\nkeep_prob = 1\nbias_initializer = zeros\n[T1]\npath_to_search = /no/such/dir\n") ==
        "(no error)");
}

TEST_CASE("run config: an ignored key set to another value gives a warning naming it", "[io][config]") {
  const RunConfig c = RunConfig::parse(
      "[SYSTEM]\nnum_gpus = 4\nnum_threads = 3\n[TRAINING]\nantialiasing = yes\n"
      "[T1]\npath_to_search = d\nloader = nibabel\n",
      "config.ini");
  CHECK(
      c.warnings() ==
      Strings{"config.ini:2: [SYSTEM] num_gpus = 4 is ignored: one rank drives one GPU: start N ranks with mpirun/srun",
              "config.ini:8: [T1] loader = nibabel is ignored: voxtrain reads NIfTI files with nifticlib"});
  CHECK(c.get_int("SYSTEM", "num_gpus") == 4);  // still readable
  CHECK(RunConfig::parse("[SYSTEM]\nnum_gpus = 1\n", "c.ini").warnings().empty());
}

TEST_CASE("run config: command-line overrides in NiftyNet's spellings", "[io][config]") {
  const auto o = voxtrain::parse_config_overrides(
      {"--lr", "0.1", "--max-iter=5", "--TRAINING.sample_per_volume", "-3", "--Batch_Size", "4", "--lr", "0.2"});
  REQUIRE(o.size() == 5);
  CHECK((o[0].section == "TRAINING" && o[0].key == "lr" && o[0].value == "0.1" && o[0].flag == "--lr"));
  CHECK((o[1].section == "TRAINING" && o[1].key == "max_iter" && o[1].value == "5" && o[1].flag == "--max-iter"));
  CHECK((o[2].section == "TRAINING" && o[2].key == "sample_per_volume" && o[2].value == "-3"));
  CHECK((o[3].section == "NETWORK" && o[3].key == "batch_size" && o[3].value == "4"));
  CHECK(voxtrain::parse_config_overrides({"--model_dir="}).at(0).value.empty());

  const RunConfig c = RunConfig::parse(
      "[TRAINING]\nlr = 0.01\n[T1]\npath_to_search = d\n", "config.ini",
      voxtrain::parse_config_overrides({"--lr", "0.1", "--lr", "0.2", "--max-iter", "5", "--num_classes", "3"}));
  CHECK(c.get_float("TRAINING", "lr") == 0.2);  // the last one counts
  CHECK(c.where("TRAINING", "lr") == "command line --lr");
  CHECK(c.get_int("TRAINING", "max_iter") == 5);  // absent from the file: added
  CHECK(c.where("TRAINING", "max_iter") == "command line --max-iter");
  CHECK(c.is_set("TRAINING", "max_iter"));
  CHECK(c.application_section() == "SEGMENTATION");  // the override added the section
  CHECK(c.get_int("SEGMENTATION", "num_classes") == 3);
  // The data layer reads the overridden file, and its messages say where the value came from.
  REQUIRE(c.ini().value("TRAINING", "lr"));
  CHECK(c.ini().value("TRAINING", "lr")->value == "0.2");
  CHECK(c.ini().value("TRAINING", "lr")->where() == "command line --lr: [TRAINING] lr = 0.2");

  CHECK_THAT(load_error("[TRAINING]\n", voxtrain::parse_config_overrides({"--max_iter", "ten"})),
             Equals("command line --max_iter: [TRAINING] max_iter = ten: expected an integer (e.g. 10000)"));
  CHECK_THAT(load_error("[SYSTEM]\n", voxtrain::parse_config_overrides({"--iteration_generator", "mine"})),
             Contains("command line --iteration_generator: [SYSTEM] iteration_generator = mine: voxtrain does not "
                      "support iteration_generator"));
}

TEST_CASE("run config: override mistakes are one-line errors", "[io][config]") {
  CHECK_THAT(override_error({"--lrr", "1"}),
             Equals("unknown option '--lrr' (did you mean '--lr'?): a config override names a key of [SYSTEM], "
                    "[NETWORK], [TRAINING], [INFERENCE], [EVALUATION], [SEGMENTATION] ('voxtrain config --list' lists "
                    "them)"));
  CHECK_THAT(override_error({"--path_to_search", "d"}),
             Equals("--path_to_search: 'path_to_search' is a key of input sections, which cannot be overridden on the "
                    "command line: edit the config file"));
  CHECK_THAT(override_error({"--T1.pixdim", "1"}),
             Equals("--T1.pixdim: [T1] would be an input section, and input sections cannot be overridden on the "
                    "command line: edit the config file"));
  CHECK_THAT(override_error({"--NETWORK.lr", "1"}),
             Equals("--NETWORK.lr: [NETWORK] has no key 'lr'; it is a key of [TRAINING]: --TRAINING.lr"));
  CHECK_THAT(override_error({"--TRAINING.max_itr", "1"}),
             Equals("--TRAINING.max_itr: [TRAINING] has no key 'max_itr' (did you mean 'max_iter'?)"));
  CHECK_THAT(override_error({"--lr"}), Equals("--lr needs a value: write --lr VALUE or --lr=VALUE"));
  CHECK_THAT(override_error({"--lr", "--max_iter", "3"}), Equals("--lr needs a value: write --lr VALUE or --lr=VALUE"));
  CHECK_THAT(override_error({"lr", "3"}),
             Equals("'lr' is not a config override: write --key value or --key=value, e.g. --max_iter 100"));
  // spatial_window_size is a key of [INFERENCE] and of input sections: the override is [INFERENCE]'s.
  CHECK(voxtrain::parse_config_overrides({"--spatial_window_size", "32"}).at(0).section == "INFERENCE");
}

TEST_CASE("run config: the effective text reads back to the same settings", "[io][config]") {
  const ScratchDir dir("run_config_text");
  const std::string original = dir.write("config.ini",
                                         "[T1]\npath_to_search = data\nfilename_contains = T1\npixdim = 1.5, 1.5, 1.5\n"
                                         "[SYSTEM]\nmodel_dir = ./models/50%% run\n"
                                         "[NETWORK]\nname = unet\nvolume_padding_size = 4\nwhitening = yes\n"
                                         "[TRAINING]\nlr = 1e-3\nrotation_angle = -10,10\n"
                                         "[SEGMENTATION]\nimage = T1\nnum_classes = 2\n");
  const RunConfig c = RunConfig::load(original, voxtrain::parse_config_overrides({"--max_iter", "7"}));
  CHECK(c.get_string("SYSTEM", "model_dir") == "./models/50% run");
  const std::string text = c.text();
  CHECK_THAT(text, Contains("\n[SYSTEM]\ncuda_devices = \nnum_threads = 2\n"));
  CHECK_THAT(text, Contains("\nmodel_dir = ./models/50%% run\n"));
  CHECK_THAT(text, Contains("\nvolume_padding_size = (4, 4, 4)\n"));
  CHECK_THAT(text, Contains("\nlr = 0.001\n"));
  CHECK_THAT(text, Contains("\nmax_iter = 7\n"));
  CHECK_THAT(text, Contains("\n[SEGMENTATION]\nnum_classes = 2\n"));
  CHECK_THAT(text, Contains("\nimage = (T1)\n"));
  CHECK(text.find("\nlabel =") == std::string::npos);  // unset grouping keys stay unset
  CHECK_THAT(text, Contains("\n[T1]\npath_to_search = data\nfilename_contains = (T1)\npixdim = (1.5, 1.5, 1.5)\n"));
  const std::string copy = dir.write("stored.ini", text);
  const RunConfig again = RunConfig::load(copy);
  CHECK(again.effective_settings() == c.effective_settings());
  CHECK(again.warnings() == Strings{copy + ":" + std::to_string(line_of(copy, "volume_padding_size")) +
                                    ": [NETWORK] volume_padding_size = (4, 4, 4) is ignored: volume padding is not "
                                    "implemented: windows lie inside the image (pad the images beforehand to sample "
                                    "or infer up to their edges)"});

  const auto s = c.effective_settings();
  CHECK(s.at("TRAINING.lr") == "0.001");
  CHECK(s.at("TRAINING.optimiser") == "adam");  // defaults included
  CHECK(s.at("NETWORK.whitening") == "True");
  CHECK(s.at("T1.pixdim") == "(1.5, 1.5, 1.5)");
  CHECK(s.at("T1.interp_order") == "1");
  CHECK(s.count("SEGMENTATION.weight") == 1);
}

TEST_CASE("run config: two runs' settings compared, bookkeeping keys left out", "[io][config]") {
  const std::string base = "[T1]\npath_to_search = data\n[TRAINING]\nlr = 0.01\nmax_iter = 100\n";
  const auto stored = RunConfig::parse(base, "a/config.ini").effective_settings();
  CHECK(voxtrain::config_differences(stored, stored).empty());
  // More iterations, other threads, another model_dir spelling, inference settings, an ignored
  // key: the same training.
  const auto resumed = RunConfig::parse(base +
                                            "save_every_n = 10\n[SYSTEM]\nnum_threads = 8\nnum_gpus = 2\nmodel_dir = "
                                            "/abs/m\n[INFERENCE]\nborder = 3\n",
                                        "b/config.ini", voxtrain::parse_config_overrides({"--max_iter", "200"}))
                           .effective_settings();
  CHECK(voxtrain::config_differences(stored, resumed).empty());
  const auto changed = RunConfig::parse(
                           "[T1]\npath_to_search = other\n[T2]\npath_to_search = data\n"
                           "[TRAINING]\nlr = 0.1\nmax_iter = 100\n[NETWORK]\nname = unet\n",
                           "config.ini")
                           .effective_settings();
  const Strings diff = voxtrain::config_differences(stored, changed);
  CHECK(diff.size() == 13);  // lr, name, T1.path_to_search and T2's 10 keys (not loader, to_ohe: ignored keys)
  CHECK(std::find(diff.begin(), diff.end(), "TRAINING.lr: 0.01 -> 0.1") != diff.end());
  CHECK(std::find(diff.begin(), diff.end(), "NETWORK.name: '' -> unet") != diff.end());
  CHECK(std::find(diff.begin(), diff.end(), "T1.path_to_search: data -> other") != diff.end());
  CHECK(std::find(diff.begin(), diff.end(), "T2.path_to_search: (absent) -> data") != diff.end());
  CHECK(std::find_if(diff.begin(), diff.end(), [](const std::string& d) { return d.rfind("T2.loader", 0) == 0; }) ==
        diff.end());

  const std::map<std::string, std::string> a{{"TRAINING.lr", "0.01"}, {"TRAINING.max_iter", "5"}};
  const std::map<std::string, std::string> b{{"TRAINING.lr", "0.1"}, {"TRAINING.max_iter", "9"}};
  CHECK_NOTHROW(voxtrain::check_config_unchanged(a, a, "m"));
  CHECK_THAT(error_or_none([&] { voxtrain::check_config_unchanged(a, b, "runs/m"); }),
             Equals("model_dir 'runs/m' holds a run with a different config: TRAINING.lr: 0.01 -> 0.1: run with the "
                    "config it was trained with to resume, or give --new-run to start a new run there"));
}
