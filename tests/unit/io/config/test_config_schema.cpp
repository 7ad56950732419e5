// test_config_schema.cpp — the schema against NiftyNet's key table (../shared/reference/
// niftynet_engine_and_config.md, transcribed here by hand), its value syntaxes and their errors.
#include <catch2/catch.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_files.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/io/config/config_schema.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"

using Catch::Matchers::Equals;
using voxtrain::ConfigKey;
using voxtrain::ConfigValue;
using voxtrain::find_config_key;
using voxtrain::KeySupport;
using voxtrain::testing::error_or_none;

namespace {

const ConfigKey& key(const std::string& section, const std::string& name) {
  const ConfigKey* k = find_config_key(section, name);
  if (!k) throw std::runtime_error("the schema has no key [" + section + "] " + name);
  return *k;
}

ConfigValue parsed(const std::string& section, const std::string& name, const std::string& text) {
  return voxtrain::parse_config_value(key(section, name), text, "c.ini:3: [X] k = v");
}

std::string parse_error(const std::string& section, const std::string& name, const std::string& text) {
  return error_or_none([&] { parsed(section, name, text); });
}

template <class V>
V default_of(const std::string& section, const std::string& name) {
  return std::get<V>(voxtrain::default_config_value(key(section, name)));
}

using Ints = std::vector<std::int64_t>;
using Floats = std::vector<double>;
using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("config schema: every key of NiftyNet's table is known", "[io][config]") {
  // The key names of the reference file's tables, section by section.
  const std::vector<std::pair<std::string, Strings>> table{
      {"SYSTEM",
       {"cuda_devices", "num_threads", "num_gpus", "model_dir", "dataset_split_file", "event_handler",
        "iteration_generator"}},
      {"NETWORK",
       {"name",
        "activation_function",
        "batch_size",
        "smaller_final_batch_mode",
        "decay",
        "reg_type",
        "volume_padding_size",
        "volume_padding_mode",
        "volume_padding_to_size",
        "window_sampling",
        "force_output_identity_resizing",
        "queue_length",
        "multimod_foreground_type",
        "histogram_ref_file",
        "norm_type",
        "cutoff",
        "foreground_type",
        "normalisation",
        "rgb_normalisation",
        "whitening",
        "normalise_foreground_only",
        "weight_initializer",
        "bias_initializer",
        "keep_prob",
        "weight_initializer_args",
        "bias_initializer_args"}},
      {"TRAINING",
       {"optimiser",
        "sample_per_volume",
        "rotation_angle",
        "rotation_angle_x",
        "rotation_angle_y",
        "rotation_angle_z",
        "scaling_percentage",
        "isotropic_scaling",
        "antialiasing",
        "bias_field_range",
        "bf_order",
        "random_flipping_axes",
        "do_elastic_deformation",
        "num_ctrl_points",
        "deformation_sigma",
        "proportion_to_deform",
        "lr",
        "loss_type",
        "starting_iter",
        "save_every_n",
        "tensorboard_every_n",
        "max_iter",
        "max_checkpoints",
        "validation_every_n",
        "validation_max_iter",
        "exclude_fraction_for_validation",
        "exclude_fraction_for_inference",
        "vars_to_restore",
        "vars_to_freeze",
        "patience",
        "early_stopping_mode"}},
      {"INFERENCE",
       {"spatial_window_size", "inference_iter", "dataset_to_infer", "save_seg_dir", "output_postfix",
        "output_interp_order", "border", "fill_constant"}},
      {"EVALUATION", {"evaluations", "save_csv_dir"}},
      {"",
       {"csv_file", "csv_data_file", "to_ohe", "path_to_search", "filename_contains", "filename_not_contains",
        "filename_removefromid", "interp_order", "loader", "pixdim", "axcodes", "spatial_window_size"}},
      {"SEGMENTATION",
       {"num_classes", "output_prob", "label_normalisation", "softmax", "min_sampling_ratio", "compulsory_labels",
        "rand_samples", "min_numb_labels", "proba_connect", "evaluation_units", "do_mixup", "mixup_alpha", "mix_match",
        "image", "label", "weight", "sampler", "inferred", "value"}},
  };
  for (const auto& [section, names] : table)
    for (const std::string& name : names) {
      INFO("[" << section << "] " << name);
      const ConfigKey* k = find_config_key(section, name);
      REQUIRE(k);
      CHECK_FALSE(k->voxtrain_only);
    }
  // Every key has a doc line; every key voxtrain does not honour says why.
  for (const ConfigKey& k : voxtrain::config_keys()) {
    INFO("[" << k.section << "] " << k.name);
    CHECK_FALSE(k.doc.empty());
    CHECK(k.doc.find('\n') == std::string::npos);
    CHECK(k.reason.empty() == (k.support == KeySupport::Supported));
  }
  CHECK(find_config_key("TRAINING", "LR") == &key("TRAINING", "lr"));  // keys are case-insensitive
  CHECK(find_config_key("TRAINING", "lrr") == nullptr);
  CHECK(find_config_key("NETWORK", "lr") == nullptr);
  CHECK(voxtrain::sections_with_key("lr") == Strings{"TRAINING"});
  CHECK(voxtrain::is_reserved_section("SEGMENTATION"));
  CHECK(voxtrain::is_reserved_section("REGRESSION"));
  CHECK_FALSE(voxtrain::is_reserved_section("T1"));
  CHECK_FALSE(voxtrain::is_reserved_section("training"));
}

TEST_CASE("config schema: defaults are NiftyNet's, typed", "[io][config]") {
  // Values from the reference file's tables.
  CHECK(default_of<std::string>("SYSTEM", "cuda_devices").empty());
  CHECK(default_of<std::int64_t>("SYSTEM", "num_threads") == 2);
  CHECK(default_of<std::int64_t>("SYSTEM", "num_gpus") == 1);
  CHECK(default_of<std::string>("SYSTEM", "dataset_split_file") == "./dataset_split.csv");
  CHECK(default_of<Strings>("SYSTEM", "event_handler") ==
        Strings{"model_saver", "model_restorer", "sampler_threading", "apply_gradients", "output_interpreter",
                "console_logger", "tensorboard_logger", "performance_logger"});
  CHECK(default_of<std::string>("SYSTEM", "iteration_generator") == "iteration_generator");
  CHECK(default_of<std::string>("NETWORK", "activation_function") == "relu");
  CHECK(default_of<std::int64_t>("NETWORK", "batch_size") == 2);
  CHECK(default_of<std::string>("NETWORK", "smaller_final_batch_mode") == "pad");
  CHECK(default_of<double>("NETWORK", "decay") == 0.0);
  CHECK(default_of<std::string>("NETWORK", "reg_type") == "L2");
  CHECK(default_of<Ints>("NETWORK", "volume_padding_size") == Ints{0, 0, 0});
  CHECK(default_of<std::string>("NETWORK", "volume_padding_mode") == "minimum");
  CHECK(default_of<std::string>("NETWORK", "window_sampling") == "uniform");
  CHECK(default_of<std::int64_t>("NETWORK", "queue_length") == 5);
  CHECK(default_of<std::string>("NETWORK", "histogram_ref_file") == "./histogram_ref_file.txt");
  CHECK(default_of<Floats>("NETWORK", "cutoff") == Floats{0.01, 0.99});
  CHECK(default_of<std::string>("NETWORK", "foreground_type") == "otsu_plus");
  CHECK(default_of<bool>("NETWORK", "normalisation") == false);
  CHECK(default_of<std::string>("NETWORK", "weight_initializer") == "he_normal");
  CHECK(default_of<double>("NETWORK", "keep_prob") == 1.0);
  CHECK(default_of<std::string>("TRAINING", "optimiser") == "adam");
  CHECK(default_of<Floats>("TRAINING", "rotation_angle").empty());
  CHECK(default_of<bool>("TRAINING", "antialiasing") == true);
  CHECK(default_of<std::int64_t>("TRAINING", "bf_order") == 3);
  CHECK(default_of<Ints>("TRAINING", "random_flipping_axes") == Ints{-1});
  CHECK(default_of<double>("TRAINING", "deformation_sigma") == 15.0);
  CHECK(default_of<double>("TRAINING", "lr") == 0.01);
  CHECK(default_of<std::string>("TRAINING", "loss_type") == "Dice");
  CHECK(default_of<std::int64_t>("TRAINING", "save_every_n") == 500);
  CHECK(default_of<std::int64_t>("TRAINING", "tensorboard_every_n") == 20);
  CHECK(default_of<std::int64_t>("TRAINING", "max_iter") == 10000);
  CHECK(default_of<std::int64_t>("TRAINING", "max_checkpoints") == 100);
  CHECK(default_of<std::int64_t>("TRAINING", "validation_every_n") == -1);
  CHECK(default_of<std::int64_t>("TRAINING", "patience") == 100);
  CHECK(default_of<std::string>("TRAINING", "early_stopping_mode") == "mean");
  CHECK(default_of<std::int64_t>("INFERENCE", "inference_iter") == -1);
  CHECK(default_of<std::string>("INFERENCE", "save_seg_dir") == "./output");
  CHECK(default_of<std::string>("INFERENCE", "output_postfix") == "_niftynet_out");
  CHECK(default_of<Ints>("INFERENCE", "border") == Ints{0, 0, 0});
  CHECK(default_of<double>("INFERENCE", "fill_constant") == 0.0);
  CHECK(default_of<std::string>("EVALUATION", "save_csv_dir") == "./evaluation");
  CHECK(default_of<std::int64_t>("SEGMENTATION", "num_classes") == -1);
  CHECK(default_of<bool>("SEGMENTATION", "softmax") == true);
  CHECK(default_of<Ints>("SEGMENTATION", "compulsory_labels") == Ints{0, 1});
  CHECK(default_of<double>("SEGMENTATION", "mixup_alpha") == 0.2);
  CHECK(default_of<std::string>("SEGMENTATION", "evaluation_units") == "foreground");
  CHECK(default_of<std::int64_t>("", "interp_order") == 1);
  CHECK(default_of<Floats>("", "pixdim").empty());
}

TEST_CASE("config schema: spatial sizes expand as NiftyNet's spatialnumarray and spatial_atleast3d", "[io][config]") {
  // user_parameters_helper.py: spatialnumarray repeats the last value (and keeps three),
  // spatial_atleast3d pads with ones; both read an empty value as (0,).
  CHECK(std::get<Ints>(parsed("NETWORK", "volume_padding_size", "21")) == Ints{21, 21, 21});
  CHECK(std::get<Ints>(parsed("NETWORK", "volume_padding_size", "(8, 2)")) == Ints{8, 2, 2});
  CHECK(std::get<Ints>(parsed("NETWORK", "volume_padding_size", "(1, 2, 3, 4)")) == Ints{1, 2, 3});
  CHECK(std::get<Ints>(parsed("NETWORK", "volume_padding_size", "")) == Ints{0, 0, 0});
  CHECK(std::get<Ints>(parsed("INFERENCE", "border", "{5, 5, 5}")) == Ints{5, 5, 5});
  CHECK(std::get<Ints>(parsed("INFERENCE", "spatial_window_size", "(8, 2)")) == Ints{8, 2, 1});
  CHECK(std::get<Ints>(parsed("INFERENCE", "spatial_window_size", "()")) == Ints{0, 1, 1});
  CHECK(std::get<Ints>(parsed("", "spatial_window_size", "64")) == Ints{64, 1, 1});
  CHECK_THAT(parse_error("INFERENCE", "spatial_window_size", "(1, 2, 3, 4)"),
             Equals("c.ini:3: [X] k = v: expected 1 to 3 integers such as (32, 32, 32) (voxtrain's windows are 3-D)"));
  CHECK_THAT(parse_error("NETWORK", "volume_padding_size", "(2.5, 1)"),
             Equals("c.ini:3: [X] k = v: expected 1 to 3 integers such as 21 or (32, 32, 32)"));
}

TEST_CASE("config schema: values of each type and their canonical text", "[io][config]") {
  const auto canonical = [](const std::string& section, const std::string& name, const std::string& text) {
    return voxtrain::canonical_config_text(key(section, name), parsed(section, name, text));
  };
  CHECK(canonical("NETWORK", "whitening", "YES") == "True");
  CHECK(canonical("NETWORK", "whitening", "f") == "False");
  CHECK(canonical("TRAINING", "max_iter", "+20") == "20");
  CHECK(canonical("TRAINING", "lr", "1e-3") == "0.001");
  CHECK(canonical("TRAINING", "lr", "2") == "2.0");
  CHECK(canonical("TRAINING", "epsilon", "0.00000001") == "1e-08");
  CHECK(canonical("TRAINING", "rotation_angle", "-10,10") == "(-10.0, 10.0)");
  CHECK(canonical("TRAINING", "random_flipping_axes", "0, 1") == "(0, 1)");
  CHECK(canonical("", "axcodes", "{A,R,S}") == "(A, R, S)");
  CHECK(canonical("", "filename_not_contains", "") == "()");
  // Choices: any case, read as the schema spells them (make_loss takes "Dice", not "dice").
  CHECK(canonical("TRAINING", "loss_type", "dice") == "Dice");
  CHECK(canonical("TRAINING", "optimiser", "ADAM") == "adam");
  CHECK(canonical("NETWORK", "reg_type", "l1") == "L1");
  CHECK(canonical("INFERENCE", "dataset_to_infer", "''") == "");
  // NiftyNet's configs write an empty string as "" (cuda_devices = "").
  CHECK(canonical("SYSTEM", "cuda_devices", "\"\"") == "");
  CHECK(canonical("SYSTEM", "model_dir", " ./m ") == "./m");
}

TEST_CASE("config schema: a wrong value says what is expected, with an example", "[io][config]") {
  const std::string at = "c.ini:3: [X] k = v: ";
  CHECK_THAT(parse_error("TRAINING", "max_iter", "ten"), Equals(at + "expected an integer (e.g. 10000)"));
  CHECK_THAT(parse_error("TRAINING", "max_iter", "1.5"), Equals(at + "expected an integer (e.g. 10000)"));
  CHECK_THAT(parse_error("TRAINING", "lr", "fast"), Equals(at + "expected a number (e.g. 0.01)"));
  CHECK_THAT(parse_error("TRAINING", "lr", "inf"), Equals(at + "expected a number (e.g. 0.01)"));
  CHECK_THAT(parse_error("NETWORK", "whitening", "maybe"),
             Equals(at + "expected a boolean (yes, true, t, y, 1 or no, false, f, n, 0)"));
  CHECK_THAT(parse_error("NETWORK", "batch_size", "0"), Equals(at + "expected an integer of at least 1 (e.g. 2)"));
  CHECK_THAT(parse_error("", "interp_order", "4"), Equals(at + "expected an integer from 0 to 3 (e.g. 1)"));
  CHECK_THAT(parse_error("NETWORK", "window_sampling", "unifrm"),
             Equals(at + "expected one of uniform, weighted, balanced (did you mean 'uniform'?)"));
  CHECK_THAT(parse_error("NETWORK", "window_sampling", "resize"),
             Equals(at + "NiftyNet's 'resize' is not implemented in voxtrain: use one of uniform, weighted, balanced"));
  CHECK_THAT(
      parse_error("NETWORK", "activation_function", "softsign"),
      Equals(at + "NiftyNet's 'softsign' is not implemented in voxtrain: use one of relu, leakyrelu, prelu, elu, "
                  "relu6, selu, sigmoid, tanh, softplus"));
  CHECK_THAT(parse_error("INFERENCE", "dataset_to_infer", "everything"),
             Equals(at + "expected one of '' (empty), training, validation, inference, all"));
  CHECK_THAT(parse_error("TRAINING", "random_flipping_axes", "(0, x)"),
             Equals(at + "expected a list of integers such as (-1)"));
  CHECK_THAT(parse_error("NETWORK", "cutoff", "(0.01,, 0.99)"),
             Equals(at + "expected a list of numbers such as (0.01, 0.99)"));
  CHECK_THAT(parse_error("", "axcodes", "(A, (R), S)"),
             Equals(at + "expected a list such as (a, b): no empty elements, no nested brackets"));
}

TEST_CASE("config schema: best_metric names volume-level evaluation metrics", "[io][config]") {
  const ConfigKey& k = key("TRAINING", "best_metric");
  CHECK(k.voxtrain_only);
  CHECK(default_of<std::string>("TRAINING", "best_metric").empty());
  REQUIRE(k.choices.size() > 1);
  for (const std::string& c : k.choices) {
    if (c.empty()) continue;
    INFO(c);
    REQUIRE(c.rfind("volume_", 0) == 0);
    CHECK(voxtrain::canonical_metric_name(c.substr(7)) == c.substr(7));  // a catalogue name of metrics/
  }
  CHECK(std::get<std::string>(parsed("TRAINING", "best_metric", "Volume_Dice")) == "volume_dice");
  CHECK_THAT(
      parse_error("TRAINING", "best_metric", "dice"),
      Catch::Matchers::StartsWith("c.ini:3: [X] k = v: expected one of '' (empty), volume_dice, volume_jaccard"));
}
