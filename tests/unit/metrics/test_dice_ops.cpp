// test_dice_ops.cpp — ComputeDice and DiceMaskedOutput against hand-computed overlaps: arg-max and
// thresholded sigmoid predictions, index and one-hot targets, both data formats, masks, Jaccard,
// empty classes, batch splits that recombine exactly, and one-line errors for bad inputs.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "aux_op_test_support.hpp"
#include "voxtrain/metrics/dice_ops.hpp"

using namespace voxtrain;
using namespace voxtrain::test::aux_ops;
using Catch::Matchers::Contains;

namespace {

// Two samples, three classes, 1 x 2 x 2 voxels (v = 0..3 in memory order). Arg-max per voxel:
// sample 0 [0, 1, 1, 2], sample 1 [2, 2, 0, 0].
Tensor fixture_logits() {
  return floats({2, 3, 1, 2, 2}, {3, 0, 0, -1, /**/ 1, 2, 1.5, 0, /**/ 0, 1, 1, 0.5,  // sample 0: c0, c1, c2
                                  0, 0, 5, 1, /**/ 0.1, 1, 0, 0.5, /**/ 2, 1.2, 0, -2});  // sample 1
}

// Labels sample 0 [0, 1, 2, 2], sample 1 [1, 2, 0, 0]. Per (sample, class) Dice by hand:
// s0: c0 I=1 Y=1 P=1 -> 1; c1 I=1 Y=1 P=2 -> 2/3; c2 I=1 Y=2 P=1 -> 2/3.
// s1: c0 I=2 Y=2 P=2 -> 1; c1 I=0 Y=1 P=0 -> 0 (empty prediction); c2 I=1 Y=1 P=2 -> 2/3.
Tensor fixture_labels(std::vector<int> values = {0, 1, 2, 2, 1, 2, 0, 0}) {
  return ints({2, 1, 1, 2, 2}, values);
}

// The accumulator's rule: the weighted mean of the non-NaN values.
double combine(const std::vector<MetricValue>& parts) {
  double sum = 0.0, weight = 0.0;
  for (const MetricValue& m : parts) {
    if (std::isnan(m.value) || m.weight == 0.0) continue;
    sum += m.value * m.weight;
    weight += m.weight;
  }
  return weight > 0 ? sum / weight : std::numeric_limits<double>::quiet_NaN();
}

const std::vector<double> kFixtureDice = {1, 2.0 / 3, 2.0 / 3, 1, 0, 2.0 / 3};

}  // namespace

TEST_CASE("ComputeDice: arg-max predictions against class indices, by hand", "[metrics]") {
  const ComputeDice op("dice");
  const AuxOutputs out = op.compute(inputs_of(fixture_logits(), fixture_labels()));
  REQUIRE(out.scalars.size() == 1);
  CHECK(out.scalars[0].name == "dice");
  CHECK(out.scalars[0].value == Approx(4.0 / 6).epsilon(1e-12));
  CHECK(out.scalars[0].weight == 6.0);  // 2 samples x 3 classes
  CHECK(out.scalars[0].do_summary);
  CHECK(out.scalars[0].do_print);
  REQUIRE(out.tensors.at("dice").shape() == Shape{2, 3});
  check_values(out.tensors.at("dice"), kFixtureDice);
}

TEST_CASE("ComputeDice: channels_last and channels_first agree; one-hot and index targets agree", "[metrics]") {
  const Tensor logits = fixture_logits(), labels = fixture_labels();
  const Tensor onehot = one_hot(labels, 3);
  const DiceOptions last{.data_format = DataFormat::ChannelsLast};
  const DiceOptions first_onehot{.is_onehot_targets = true};
  const DiceOptions last_onehot{.data_format = DataFormat::ChannelsLast, .is_onehot_targets = true};
  const std::vector<AuxOutputs> runs = {
      ComputeDice("d", last).compute(inputs_of(to_channels_last(logits), to_channels_last(labels))),
      // index labels without a channel axis: [N, D, H, W]
      ComputeDice("d", last).compute(inputs_of(to_channels_last(logits), labels.reshaped({2, 1, 2, 2}))),
      ComputeDice("d", first_onehot).compute(inputs_of(logits, onehot)),
      ComputeDice("d", last_onehot).compute(inputs_of(to_channels_last(logits), to_channels_last(onehot))),
  };
  for (const AuxOutputs& out : runs) {
    CHECK(out.scalars[0].value == Approx(4.0 / 6).epsilon(1e-12));
    CHECK(out.scalars[0].weight == 6.0);
    check_values(out.tensors.at("d"), kFixtureDice);
  }
}

TEST_CASE("ComputeDice: skip_background drops channel 0", "[metrics]") {
  const AuxOutputs out =
      ComputeDice("d", {.skip_background = true}).compute(inputs_of(fixture_logits(), fixture_labels()));
  CHECK(out.scalars[0].value == Approx(0.5).epsilon(1e-12));  // (2/3 + 2/3 + 0 + 2/3) / 4
  CHECK(out.scalars[0].weight == 4.0);
  REQUIRE(out.tensors.at("d").shape() == Shape{2, 2});
  check_values(out.tensors.at("d"), {2.0 / 3, 2.0 / 3, 0, 2.0 / 3});
}

TEST_CASE("ComputeDice: Jaccard by hand, and J = D / (2 - D) for every pair in every mode", "[metrics]") {
  const AuxOutputs j = ComputeDice("j", {.jaccard = true}).compute(inputs_of(fixture_logits(), fixture_labels()));
  // s0: 1, 1/2 (I=1, Y+P-I=2), 1/2; s1: 1, 0, 1/2.
  CHECK(j.scalars[0].value == Approx(3.5 / 6).epsilon(1e-12));
  check_values(j.tensors.at("j"), {1, 0.5, 0.5, 1, 0, 0.5});

  const std::vector<DiceOptions> modes = {
      {},
      {.skip_background = true},
      {.is_independent_predictions = true, .threshold = 0.6},
      {.data_format = DataFormat::ChannelsFirst, .is_onehot_targets = true, .is_independent_predictions = true,
       .threshold = 0.3},
  };
  const Tensor labels = fixture_labels();
  for (DiceOptions mode : modes) {
    const Tensor label = mode.is_onehot_targets ? one_hot(labels, 3) : labels;
    const std::vector<double> dice = values_of(ComputeDice("d", mode).compute(inputs_of(fixture_logits(), label)).tensors.at("d"));
    mode.jaccard = true;
    const std::vector<double> jac = values_of(ComputeDice("d", mode).compute(inputs_of(fixture_logits(), label)).tensors.at("d"));
    REQUIRE(dice.size() == jac.size());
    for (std::size_t i = 0; i < dice.size(); ++i) CHECK(jac[i] == Approx(dice[i] / (2 - dice[i])).epsilon(1e-6));
  }
}

TEST_CASE("ComputeDice: voxels outside the mask are ignored", "[metrics]") {
  AuxInputs in = inputs_of(fixture_logits(), fixture_labels());
  // Sample 0's voxel 2 (predicted 1, label 2) is masked out: s0 scores 1, 1, 1; s1 as before.
  in.tensors["roi"] = floats({2, 1, 1, 2, 2}, {1, 1, 0, 1, 1, 1, 1, 1});
  const ComputeDice op("d", {.mask_tag = "roi"});
  const AuxOutputs out = op.compute(in);
  CHECK(out.scalars[0].value == Approx(14.0 / 18).epsilon(1e-12));  // (1+1+1+1+0+2/3)/6
  CHECK(out.scalars[0].weight == 6.0);
  check_values(out.tensors.at("d"), {1, 1, 1, 1, 0, 2.0 / 3});

  SECTION("whatever the masked voxel holds") {
    in.predictions.data<float>()[2] = 9.0f;  // s0 v2 now predicts class 0
    in.label.data<std::int32_t>()[2] = 1;
    CHECK(op.compute(in).scalars[0].value == Approx(14.0 / 18).epsilon(1e-12));
  }
  SECTION("a uint8 mask without a channel axis") {
    Tensor mask = Tensor::empty({2, 1, 2, 2}, DType::UInt8);
    const std::uint8_t m[] = {1, 1, 0, 1, 1, 1, 1, 1};
    std::copy(std::begin(m), std::end(m), mask.data<std::uint8_t>());
    in.tensors["roi"] = mask;
    CHECK(op.compute(in).scalars[0].value == Approx(14.0 / 18).epsilon(1e-12));
  }
  SECTION("channels_last with a [N, D, H, W, 1] mask") {
    AuxInputs last = inputs_of(to_channels_last(in.predictions), to_channels_last(in.label));
    last.tensors["roi"] = to_channels_last(in.tensors["roi"]);
    const ComputeDice op_last("d", {.mask_tag = "roi", .data_format = DataFormat::ChannelsLast});
    CHECK(op_last.compute(last).scalars[0].value == Approx(14.0 / 18).epsilon(1e-12));
  }
}

TEST_CASE("ComputeDice: independent predictions, sigmoid >= threshold per channel", "[metrics]") {
  // Sigmoids: c0 .881 .5 .269 .731; c1 .119 .622 .953 .450. One-hot (multi-label) targets.
  const Tensor logits = floats({1, 2, 4}, {2, 0, -1, 1, /**/ -2, 0.5, 3, -0.2});
  const Tensor targets = floats({1, 2, 4}, {1, 1, 0, 0, /**/ 0, 1, 1, 1});
  struct Case {
    double threshold;
    double c0, c1;
  };
  const std::vector<Case> cases = {
      {0.5, 0.8, 0.8},              // c0 P=[1,1,0,1] (0.5 itself counts): I=2 Y=2 P=3; c1 P=[0,1,1,0]: I=2 Y=3 P=2
      {0.7, 0.5, 0.5},              // c0 P=[1,0,0,1]: I=1 Y=2 P=2; c1 P=[0,0,1,0]: I=1 Y=3 P=1
      {0.9, 0.0, 0.5},              // c0 predicts nothing
      {0.0, 4.0 / 6, 6.0 / 7},      // everything predicted
      {1.0, 0.0, 0.0},              // nothing predicted
  };
  for (const Case& c : cases) {
    INFO("threshold " << c.threshold);
    const DiceOptions o{.is_onehot_targets = true, .is_independent_predictions = true, .threshold = c.threshold};
    const AuxOutputs out = ComputeDice("d", o).compute(inputs_of(logits, targets));
    check_values(out.tensors.at("d"), {c.c0, c.c1});
    CHECK(out.scalars[0].value == Approx((c.c0 + c.c1) / 2).epsilon(1e-12));
  }
}

TEST_CASE("ComputeDice: independent predictions with class indices, both formats", "[metrics]") {
  // sigmoid >= 0.5 <=> logit >= 0. s0: c0 P=[1,1,1,0] -> 2/4, c1 P=all -> 2/5, c2 P=all, Y=2 -> 4/6;
  // s1: c0 P=all, Y=2 -> 4/6, c1 P=all -> 2/5, c2 P=[1,1,1,0], Y=1 -> 2/4.
  const std::vector<double> expected = {0.5, 0.4, 2.0 / 3, 2.0 / 3, 0.4, 0.5};
  const DiceOptions o{.is_independent_predictions = true};
  const DiceOptions o_last{.data_format = DataFormat::ChannelsLast, .is_independent_predictions = true};
  const DiceOptions o_onehot{.is_onehot_targets = true, .is_independent_predictions = true};
  const Tensor logits = fixture_logits(), labels = fixture_labels();
  for (const AuxOutputs& out : {ComputeDice("d", o).compute(inputs_of(logits, labels)),
                                ComputeDice("d", o_last).compute(inputs_of(to_channels_last(logits), to_channels_last(labels))),
                                ComputeDice("d", o_onehot).compute(inputs_of(logits, one_hot(labels, 3)))}) {
    check_values(out.tensors.at("d"), expected);
    CHECK(out.scalars[0].value == Approx(47.0 / 90).epsilon(1e-12));
  }
}

TEST_CASE("ComputeDice: a single sigmoid channel against 0/1 labels", "[metrics]") {
  // P = [1, 0, 1, 0], Y = [1, 0, 0, 1]: I = 1 -> 2/4.
  const AuxOutputs out = ComputeDice("d", {.is_independent_predictions = true})
                             .compute(inputs_of(floats({1, 1, 4}, {1, -1, 2, -3}), ints({1, 1, 4}, {1, 0, 0, 1})));
  CHECK(out.scalars[0].value == Approx(0.5).epsilon(1e-12));
  CHECK(out.scalars[0].weight == 1.0);
}

TEST_CASE("Dice ops: empty prediction and empty label", "[metrics]") {
  // One sample, arg-max [0, 1, 1, 0].
  const Tensor logits = floats({1, 3, 4}, {2, 0, 0, 2, /**/ 0, 2, 2, 0, /**/ 1, 1, 1, 1});
  SECTION("a class absent from both: ComputeDice 1, DiceMaskedOutput NaN") {
    const Tensor labels = ints({1, 1, 4}, {0, 1, 0, 0});  // c0 I=2 Y=3 P=2 -> 4/5; c1 I=1 Y=1 P=2 -> 2/3
    const AuxOutputs dice = ComputeDice("d").compute(inputs_of(logits, labels));
    check_values(dice.tensors.at("d"), {0.8, 2.0 / 3, 1.0});
    CHECK(dice.scalars[0].value == Approx(37.0 / 45).epsilon(1e-12));
    CHECK(dice.scalars[0].weight == 3.0);
    const AuxOutputs jac = ComputeDice("d", {.jaccard = true}).compute(inputs_of(logits, labels));
    check_values(jac.tensors.at("d"), {2.0 / 3, 0.5, 1.0});
    const AuxOutputs masked = DiceMaskedOutput({"m", "c0", "c1", "c2"}).compute(inputs_of(logits, labels));
    CHECK(scalar(masked, "m").value == Approx(11.0 / 15).epsilon(1e-12));
    CHECK(scalar(masked, "m").weight == 2.0);
    CHECK(std::isnan(scalar(masked, "c2").value));
    CHECK(scalar(masked, "c2").weight == 0.0);
    check_values(masked.tensors.at("m"), {0.8, 2.0 / 3, std::nan("")});
  }
  SECTION("an empty label with a prediction, and an empty prediction with a label") {
    const Tensor labels = ints({1, 1, 4}, {0, 0, 2, 0});  // c0 4/5; c1 Y=0 P=2; c2 Y=1 P=0
    const AuxOutputs dice = ComputeDice("d").compute(inputs_of(logits, labels));
    check_values(dice.tensors.at("d"), {0.8, 0.0, 0.0});
    CHECK(dice.scalars[0].value == Approx(4.0 / 15).epsilon(1e-12));
    const AuxOutputs masked = DiceMaskedOutput({"m", "c0", "c1", "c2"}).compute(inputs_of(logits, labels));
    CHECK(scalar(masked, "m").value == Approx(0.4).epsilon(1e-12));
    CHECK(scalar(masked, "m").weight == 2.0);
    CHECK(std::isnan(scalar(masked, "c1").value));
    CHECK(scalar(masked, "c2").value == 0.0);
    CHECK(scalar(masked, "c2").weight == 1.0);
  }
  SECTION("every voxel masked out") {
    AuxInputs in = inputs_of(logits, ints({1, 1, 4}, {0, 1, 2, 0}));
    in.tensors["roi"] = ints({1, 1, 4}, {0, 0, 0, 0});
    const AuxOutputs dice = ComputeDice("d", {.mask_tag = "roi"}).compute(in);
    CHECK(dice.scalars[0].value == 1.0);
    const AuxOutputs masked = DiceMaskedOutput({"m", "c0", "c1", "c2"}, {.mask_tag = "roi"}).compute(in);
    for (const MetricValue& m : masked.scalars) {
      CHECK(std::isnan(m.value));
      CHECK(m.weight == 0.0);
    }
  }
}

TEST_CASE("DiceMaskedOutput: the mean first, then one value per class; absent classes are NaN", "[metrics]") {
  SECTION("class 1 absent from sample 1") {
    // s0 as the fixture (1, 2/3, 2/3); s1 labels [2, 2, 0, 0]: c0 1, c1 NaN (nothing predicted either), c2 1.
    const AuxInputs in = inputs_of(fixture_logits(), fixture_labels({0, 1, 2, 2, 2, 2, 0, 0}));
    const AuxOutputs out = DiceMaskedOutput({"mean", "bg", "liver", "tumour"}).compute(in);
    REQUIRE(out.scalars.size() == 4);
    CHECK(out.scalars[0].name == "mean");
    CHECK(out.scalars[0].value == Approx(13.0 / 15).epsilon(1e-12));
    CHECK(out.scalars[0].weight == 5.0);
    CHECK(out.scalars[1].name == "bg");
    CHECK(out.scalars[1].value == Approx(1.0).epsilon(1e-12));
    CHECK(out.scalars[1].weight == 2.0);
    CHECK(out.scalars[2].value == Approx(2.0 / 3).epsilon(1e-12));
    CHECK(out.scalars[2].weight == 1.0);
    CHECK(out.scalars[3].value == Approx(5.0 / 6).epsilon(1e-12));
    CHECK(out.scalars[3].weight == 2.0);
    check_values(out.tensors.at("mean"), {1, 2.0 / 3, 2.0 / 3, 1, std::nan(""), 1});
    // ComputeDice counts the empty pair as 1.
    CHECK(ComputeDice("d").compute(in).scalars[0].value == Approx(16.0 / 18).epsilon(1e-12));
    // Only the mean when one tag is given.
    const AuxOutputs mean_only = DiceMaskedOutput({"mean"}).compute(in);
    REQUIRE(mean_only.scalars.size() == 1);
    CHECK(mean_only.scalars[0].value == Approx(13.0 / 15).epsilon(1e-12));
  }
  SECTION("class 1 absent from every sample, with and without the background") {
    // s0 labels [0, 2, 2, 2]: c0 1, c1 NaN (predicted, not labelled), c2 I=1 Y=3 P=1 -> 1/2; s1 [2, 2, 0, 0].
    const AuxInputs in = inputs_of(fixture_logits(), fixture_labels({0, 2, 2, 2, 2, 2, 0, 0}));
    const AuxOutputs out = DiceMaskedOutput({"mean", "c0", "c1", "c2"}).compute(in);
    CHECK(scalar(out, "mean").value == Approx(3.5 / 4).epsilon(1e-12));
    CHECK(scalar(out, "mean").weight == 4.0);
    CHECK(std::isnan(scalar(out, "c1").value));
    CHECK(scalar(out, "c1").weight == 0.0);
    CHECK(scalar(out, "c2").value == Approx(0.75).epsilon(1e-12));
    const AuxOutputs fg = DiceMaskedOutput({"mean", "c1", "c2"}, {.skip_background = true}).compute(in);
    CHECK(scalar(fg, "mean").value == Approx(0.75).epsilon(1e-12));
    CHECK(scalar(fg, "mean").weight == 2.0);
    CHECK(std::isnan(scalar(fg, "c1").value));
    CHECK(scalar(fg, "c2").value == Approx(0.75).epsilon(1e-12));
  }
}

TEST_CASE("Dice ops: the weighted mean of batch parts equals the value over the whole batch", "[metrics]") {
  const Tensor logits = fixture_logits(), labels = fixture_labels({0, 2, 2, 2, 2, 2, 0, 0});
  const AuxInputs whole = inputs_of(logits, labels);
  const AuxInputs part0 = inputs_of(take_samples(logits, 0, 1), take_samples(labels, 0, 1));
  const AuxInputs part1 = inputs_of(take_samples(logits, 1, 2), take_samples(labels, 1, 2));
  const ComputeDice dice("d", {.jaccard = true});
  CHECK(combine({dice.compute(part0).scalars[0], dice.compute(part1).scalars[0]}) ==
        Approx(dice.compute(whole).scalars[0].value).epsilon(1e-12));
  const DiceMaskedOutput masked({"mean", "c0", "c1", "c2"});
  const AuxOutputs w = masked.compute(whole), a = masked.compute(part0), b = masked.compute(part1);
  for (std::size_t i = 0; i < w.scalars.size(); ++i) {
    INFO(w.scalars[i].name);
    if (std::isnan(w.scalars[i].value))
      CHECK(std::isnan(combine({a.scalars[i], b.scalars[i]})));
    else
      CHECK(combine({a.scalars[i], b.scalars[i]}) == Approx(w.scalars[i].value).epsilon(1e-12));
  }
}

TEST_CASE("Dice ops: bad inputs give one line naming the tensor", "[metrics]") {
  const ComputeDice op("dice");
  const Tensor logits = fixture_logits();
  auto message = [&](const AuxInputs& in) { return error_of([&] { (void)op.compute(in); }); };

  CHECK_THAT(message(inputs_of(logits, ints({2, 1, 1, 2, 3}, std::vector<int>(12, 0)))),
             Contains("ComputeDice 'dice': the label shape [2, 1, 1, 2, 3] does not fit the predictions shape "
                      "[2, 3, 1, 2, 2]"));
  CHECK_THAT(message(inputs_of(logits, fixture_labels({0, 1, 2, 3, 0, 0, 0, 0}))),
             Contains("the label tensor holds 3 at element 3") && Contains("0..2"));
  CHECK_THAT(message(inputs_of(logits, fixture_labels({0, 1, 2, 2, 0, -1, 0, 0}))),
             Contains("the label tensor holds -1 at element 5"));
  CHECK_THAT(message(inputs_of(logits, floats({2, 1, 1, 2, 2}, {0, 1, 1.5, 0, 0, 0, 0, 0}))),
             Contains("the label tensor holds 1.5 at element 2"));
  Tensor nan_logits = fixture_logits();
  nan_logits.data<float>()[7] = std::nanf("");
  CHECK_THAT(message(inputs_of(nan_logits, fixture_labels())),
             Contains("the predictions tensor [2, 3, 1, 2, 2] holds NaN at element 7"));
  Tensor int_logits = Tensor::zeros({2, 3, 1, 2, 2}, DType::Int32);
  CHECK_THAT(message(inputs_of(int_logits, fixture_labels())), Contains("is int32, not float32"));
  CHECK_THAT(message(inputs_of(Tensor(), fixture_labels())), Contains("no predictions tensor"));

  Tensor soft = one_hot(fixture_labels(), 3);
  soft.data<float>()[0] = 0.5f;
  CHECK_THAT(error_of([&] { (void)ComputeDice("dice", {.is_onehot_targets = true}).compute(inputs_of(logits, soft)); }),
             Contains("the label tensor holds 0.5 at element 0, but one-hot targets"));
  CHECK_THAT(error_of([&] { (void)ComputeDice("dice", {.is_onehot_targets = true}).compute(inputs_of(logits, fixture_labels())); }),
             Contains("the label shape [2, 1, 1, 2, 2] differs from the predictions shape [2, 3, 1, 2, 2]"));
  // A channels-first tensor read as channels_last: 2 "channels", and the label does not fit.
  CHECK_THAT(error_of([&] {
               (void)ComputeDice("dice", {.data_format = DataFormat::ChannelsLast}).compute(inputs_of(logits, fixture_labels()));
             }),
             Contains("[N, spatial..., 1] or [N, spatial...]"));

  AuxInputs masked = inputs_of(logits, fixture_labels());
  masked.tensors["brain_mask"] = ints({2, 1, 1, 2, 2}, std::vector<int>(8, 1));
  CHECK_THAT(error_of([&] { (void)ComputeDice("dice", {.mask_tag = "brain_mas"}).compute(masked); }),
             Contains("mask_tag = 'brain_mas' is not among this iteration's tensors (did you mean 'brain_mask'?)"));
  masked.tensors["brain_mask"] = ints({2, 3, 1, 2, 2}, std::vector<int>(24, 1));
  CHECK_THAT(error_of([&] { (void)ComputeDice("dice", {.mask_tag = "brain_mask"}).compute(masked); }),
             Contains("the mask 'brain_mask' has shape [2, 3, 1, 2, 2]"));

  const AuxInputs one_channel = inputs_of(floats({1, 1, 2}, {1, -1}), ints({1, 1, 2}, {1, 0}));
  CHECK_THAT(error_of([&] { (void)op.compute(one_channel); }), Contains("set is_independent_predictions = true"));
  CHECK_THAT(error_of([&] {
               (void)ComputeDice("dice", {.skip_background = true, .is_independent_predictions = true}).compute(one_channel);
             }),
             Contains("skip_background = true leaves no class"));
  CHECK_THAT(error_of([&] { (void)ComputeDice("dice", {.threshold = 1.5}); }), Contains("threshold = 1.5"));
  CHECK_THAT(error_of([&] { (void)DiceMaskedOutput({"m", "a", "b"}).compute(inputs_of(logits, fixture_labels())); }),
             Contains("3 tags were given for 3 class(es): give 1 (the mean only) or 4"));
  CHECK_THAT(error_of([&] { (void)DiceMaskedOutput({}); }), Contains("tags is empty"));
}
