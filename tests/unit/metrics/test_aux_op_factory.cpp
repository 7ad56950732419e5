// test_aux_op_factory.cpp — make_aux_op: every Clara op and parameter by name (defaults included),
// string values parsed as a config gives them, and one-line errors with "did you mean".
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "aux_op_test_support.hpp"
#include "voxtrain/metrics/aux_ops.hpp"

using namespace voxtrain;
using namespace voxtrain::test::aux_ops;
using Catch::Matchers::Contains;

namespace {

// Two samples, 3 classes, 4 voxels: arg-max s0 [0, 1, 1, 2], s1 [2, 2, 0, 0].
AuxInputs dice_inputs() {
  AuxInputs in;
  in.predictions = floats({2, 3, 4}, {3, 0, 0, -1, 1, 2, 1.5, 0, 0, 1, 1, 0.5,  //
                                      0, 0, 5, 1, 0.1, 1, 0, 0.5, 2, 1.2, 0, -2});
  in.label = ints({2, 1, 4}, {0, 1, 2, 2, 1, 2, 0, 0});
  in.tensors["roi"] = ints({2, 1, 4}, {1, 1, 0, 1, 1, 1, 1, 1});
  return in;
}

}  // namespace

TEST_CASE("make_aux_op: Clara's ops, each taking Clara's parameters plus do_summary and do_print", "[metrics]") {
  const std::vector<std::string> expected = {"ComputeAccuracy",  "ComputeBinaryPreds", "ComputeMulticlassAccuracy",
                                             "ComputeMulticlassPreds", "ComputeDice", "DiceMaskedOutput",
                                             "NegLoss",          "ReduceMeanMasked"};
  CHECK(aux_op_names() == expected);
  // Clara Train 3.1's documented parameters of each op.
  const std::map<std::string, std::vector<std::string>> clara = {
      {"ComputeAccuracy", {"tag", "use_sigmoid"}},
      {"ComputeBinaryPreds", {"binary_preds_name", "binary_labels_name"}},
      {"ComputeMulticlassAccuracy", {"tag", "use_sigmoid_for_binary", "use_softmax_for_multiclass", "use_sigmoid_for_accuracy"}},
      {"ComputeMulticlassPreds", {"preds_name", "labels_name", "use_sigmoid_for_binary", "use_softmax_for_multiclass"}},
      {"ComputeDice", {"tag", "mask_tag", "data_format", "skip_background", "is_onehot_targets", "is_independent_predictions", "jaccard", "threshold"}},
      {"DiceMaskedOutput", {"tags", "data_format", "skip_background", "is_onehot_targets", "is_independent_predictions", "jaccard", "threshold"}},
      {"NegLoss", {"tag"}},
      {"ReduceMeanMasked", {"tag", "mask_tag", "axis"}},
  };
  const std::map<std::string, std::string> sample_values = {
      {"tag", "x"}, {"tags", "a, b"}, {"mask_tag", "roi"}, {"data_format", "channels_last"}, {"threshold", "0.4"},
      {"axis", "1"}, {"binary_preds_name", "p"}, {"binary_labels_name", "l"}, {"preds_name", "p"}, {"labels_name", "l"}};
  for (const auto& [name, parameters] : clara) {
    INFO(name);
    const std::vector<std::string> accepted = aux_op_parameter_names(name);
    AuxOpParameters given = {{"do_summary", "false"}, {"do_print", "True"}};
    for (const std::string& p : parameters) {
      CHECK(std::find(accepted.begin(), accepted.end(), p) != accepted.end());
      given[p] = sample_values.count(p) ? sample_values.at(p) : "true";
    }
    const auto op = make_aux_op(name, given);
    CHECK(op->type() == name);
    CHECK_FALSE(op->do_summary());
    CHECK(op->do_print());
  }
  CHECK(aux_op_parameter_names("Nope").empty());
}

TEST_CASE("make_aux_op: ComputeDice from strings behaves as the constructor with the same options", "[metrics]") {
  const AuxInputs in = dice_inputs();
  const auto from_config = make_aux_op("ComputeDice", {{"tag", "\"dice\""},
                                                       {"mask_tag", "roi"},
                                                       {"skip_background", "True"},
                                                       {"jaccard", "1"},
                                                       {"threshold", "0.5"},
                                                       {"do_print", "no"}});
  const ComputeDice direct("dice", {.mask_tag = "roi", .skip_background = true, .jaccard = true},
                           {.do_summary = true, .do_print = false});
  const MetricValue a = from_config->compute(in).scalars[0], b = direct.compute(in).scalars[0];
  CHECK(a.name == "dice");
  CHECK(a.value == b.value);
  CHECK(a.weight == b.weight);
  CHECK_FALSE(a.do_print);
  CHECK(a.do_summary);
  // With only the tag: Clara's defaults (channels_first, arg-max, index targets, Dice): 2/3 by hand.
  CHECK(make_aux_op("ComputeDice", {{"tag", "d"}})->compute(in).scalars[0].value == Approx(2.0 / 3).epsilon(1e-12));
  // mask_tag None means no mask; a dotted class path is accepted.
  CHECK(make_aux_op("ai4med.components.aux_ops.ComputeDice", {{"tag", "d"}, {"mask_tag", "None"}})
            ->compute(in)
            .scalars[0]
            .value == Approx(2.0 / 3).epsilon(1e-12));
}

TEST_CASE("make_aux_op: lists, integers and optional values", "[metrics]") {
  const AuxInputs in = dice_inputs();
  const auto masked = make_aux_op("DiceMaskedOutput", {{"tags", R"(["mean", "c0", "c1", "c2"])"}});
  const AuxOutputs out = masked->compute(in);
  REQUIRE(out.scalars.size() == 4);
  CHECK(out.scalars[3].name == "c2");
  CHECK(make_aux_op("DiceMaskedOutput", {{"tags", "mean, c1, c2"}, {"skip_background", "yes"}})->compute(in).scalars.size() == 3);

  AuxInputs r;
  r.predictions = floats({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(make_aux_op("ReduceMeanMasked", {{"tag", "r"}, {"axis", "None"}})->compute(r).scalars[0].value == 3.5);
  CHECK(values_of(make_aux_op("ReduceMeanMasked", {{"tag", "r"}, {"axis", "-1"}})->compute(r).tensors.at("r")) ==
        std::vector<double>{2, 5});

  AuxInputs c;
  c.predictions = floats({1, 4}, {0.3, 1, 2, 3});
  c.label = ints({1, 2}, {1, 2});
  const auto acc = make_aux_op("ComputeMulticlassAccuracy", {{"tag", "acc"}, {"label_format", "[1, 3]"}});
  CHECK(acc->compute(c).scalars[0].value == 1.0);
  const auto preds = make_aux_op("ComputeMulticlassPreds", {{"label_format", "1,3"}, {"use_softmax_for_multiclass", "false"}});
  CHECK(values_of(preds->compute(c).tensors.at("preds"))[3] == 3.0);
}

TEST_CASE("make_aux_op: errors name the op, the parameter and the closest valid name", "[metrics]") {
  auto message = [](std::string_view name, const AuxOpParameters& p) {
    return error_of([&] { (void)make_aux_op(name, p, "train.json: aux_ops[1]"); });
  };
  CHECK_THAT(message("ComputeDise", {{"tag", "d"}}),
             Contains("train.json: aux_ops[1]: unknown aux op 'ComputeDise' (did you mean 'ComputeDice'?): use one of "
                      "ComputeAccuracy, "));
  CHECK_THAT(message("ComputeDice", {{"tag", "d"}, {"skip_backround", "true"}}),
             Contains("ComputeDice has no parameter 'skip_backround' (did you mean 'skip_background'?): it takes tag, "));
  CHECK_THAT(message("ComputeDice", {}), Contains("ComputeDice needs the parameter 'tag'"));
  CHECK_THAT(message("DiceMaskedOutput", {{"tags", "[]"}}), Contains("DiceMaskedOutput needs the parameter 'tags'"));
  CHECK_THAT(message("DiceMaskedOutput", {{"tags", "a,,b"}}), Contains("has an empty item"));
  CHECK_THAT(message("ComputeDice", {{"tag", "d"}, {"jaccard", "maybe"}}),
             Contains("ComputeDice parameter jaccard = 'maybe' is not a boolean"));
  CHECK_THAT(message("ComputeDice", {{"tag", "d"}, {"threshold", "0.5x"}}),
             Contains("ComputeDice parameter threshold = '0.5x' is not a number"));
  CHECK_THAT(message("ComputeDice", {{"tag", "d"}, {"threshold", "2"}}),
             Contains("ComputeDice 'd': threshold = 2 is not a probability"));
  CHECK_THAT(message("ComputeDice", {{"tag", "d"}, {"data_format", "channel_last"}}),
             Contains("data_format = 'channel_last' is not known (did you mean 'channels_last'?)"));
  CHECK_THAT(message("ReduceMeanMasked", {{"tag", "r"}, {"axis", "1.5"}}),
             Contains("ReduceMeanMasked parameter axis = '1.5' is not an integer"));
  CHECK_THAT(message("ComputeMulticlassPreds", {{"label_format", "1, x"}}),
             Contains("label_format = 'x' is not an integer"));
  CHECK_THAT(message("NegLoss", {{"tag", "n"}, {"mask_tag", "m"}}), Contains("NegLoss has no parameter 'mask_tag'"));
}
