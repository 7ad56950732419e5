// test_accuracy_ops.cpp — the classification aux ops against hand-computed decisions: binary and
// arg-max accuracy, sigmoid / softmax processing of binary and multi-class heads, what
// use_sigmoid_for_accuracy changes, batch splits that recombine exactly, and bad-input errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "aux_op_test_support.hpp"
#include "voxtrain/metrics/accuracy_ops.hpp"

using namespace voxtrain;
using namespace voxtrain::test::aux_ops;
using Catch::Matchers::Contains;

namespace {

const double kLn3 = std::log(3.0);

}  // namespace

TEST_CASE("ComputeAccuracy: element-wise binary accuracy, with and without sigmoid", "[metrics]") {
  const Tensor labels = ints({2, 1, 3}, {0, 1, 1, 0, 0, 1});
  SECTION("probabilities, >= 0.5 is positive") {
    // predicted [0, 1, 1, 1, 0, 0]: elements 3 and 5 wrong.
    const Tensor p = floats({2, 1, 3}, {0.2, 0.5, 0.9, 0.7, 0.1, 0.49});
    const AuxOutputs out = ComputeAccuracy("acc").compute(inputs_of(p, labels));
    REQUIRE(out.scalars.size() == 1);
    CHECK(out.scalars[0].name == "acc");
    CHECK(out.scalars[0].value == Approx(4.0 / 6).epsilon(1e-12));
    CHECK(out.scalars[0].weight == 6.0);
    // A label without the channel axis, and float labels, give the same.
    CHECK(ComputeAccuracy("acc").compute(inputs_of(p, floats({2, 3}, {0, 1, 1, 0, 0, 1}))).scalars[0].value ==
          Approx(4.0 / 6).epsilon(1e-12));
  }
  SECTION("logits: use_sigmoid decides") {
    const Tensor x = floats({2, 1, 3}, {-1, 0, 2, 0.5, -3, -0.01});
    // sigmoid(x) >= 0.5 <=> x >= 0: predicted [0, 1, 1, 1, 0, 0] -> 4/6.
    CHECK(ComputeAccuracy("acc", true).compute(inputs_of(x, labels)).scalars[0].value == Approx(4.0 / 6).epsilon(1e-12));
    // read as probabilities: predicted [0, 0, 1, 1, 0, 0] -> elements 1, 3, 5 wrong -> 3/6.
    CHECK(ComputeAccuracy("acc", false).compute(inputs_of(x, labels)).scalars[0].value == Approx(3.0 / 6).epsilon(1e-12));
  }
}

TEST_CASE("ComputeAccuracy: arg-max over channels against class indices", "[metrics]") {
  // N = 2, C = 3, 2 voxels. Arg-max: s0 [1, 0], s1 [2, 0 (tie 2, 2: the first)]. Labels [1, 1, 2, 0].
  const Tensor x = floats({2, 3, 2}, {1, 5, 3, 0, 2, 0, /**/ 0, 2, 0, 2, 1, 1});
  const AuxOutputs out = ComputeAccuracy("acc").compute(inputs_of(x, ints({2, 1, 2}, {1, 1, 2, 0})));
  CHECK(out.scalars[0].value == Approx(3.0 / 4).epsilon(1e-12));
  CHECK(out.scalars[0].weight == 4.0);
  // use_sigmoid changes nothing for an arg-max.
  CHECK(ComputeAccuracy("acc", true).compute(inputs_of(x, ints({2, 2}, {1, 1, 2, 0}))).scalars[0].value ==
        Approx(3.0 / 4).epsilon(1e-12));
  // A classifier's [N, C] output against [N] labels: arg-max [1, 0, 1].
  const Tensor logits = floats({3, 2}, {0, 1, 2, -1, 0.3, 0.4});
  CHECK(ComputeAccuracy("acc").compute(inputs_of(logits, ints({3}, {1, 1, 1}))).scalars[0].value ==
        Approx(2.0 / 3).epsilon(1e-12));
}

TEST_CASE("ComputeAccuracy: batch parts recombine exactly with their weights", "[metrics]") {
  const Tensor x = floats({3, 3, 2}, {1, 5, 3, 0, 2, 0, 0, 2, 0, 2, 1, 1, 4, 0, 1, 3, 0, 9});
  const Tensor y = ints({3, 1, 2}, {1, 1, 2, 0, 0, 2});
  const ComputeAccuracy op("acc");
  const MetricValue whole = op.compute(inputs_of(x, y)).scalars[0];
  const MetricValue a = op.compute(inputs_of(take_samples(x, 0, 1), take_samples(y, 0, 1))).scalars[0];
  const MetricValue b = op.compute(inputs_of(take_samples(x, 1, 3), take_samples(y, 1, 3))).scalars[0];
  CHECK((a.value * a.weight + b.value * b.weight) / (a.weight + b.weight) == Approx(whole.value).epsilon(1e-12));
  CHECK(whole.value == Approx(5.0 / 6).epsilon(1e-12));  // arg-max [1, 0, 2, 0, 0, 2]: one wrong
}

TEST_CASE("ComputeBinaryPreds: sigmoid of the logits and the labels as float32 [N, K]", "[metrics]") {
  const ComputeBinaryPreds op;
  const AuxOutputs out = op.compute(inputs_of(floats({3}, {0, kLn3, -kLn3}), ints({3}, {1, 0, 1})));
  CHECK(out.scalars.empty());
  REQUIRE(out.tensors.count("binary_preds") == 1);
  REQUIRE(out.tensors.at("binary_preds").shape() == Shape{3, 1});
  check_values(out.tensors.at("binary_preds"), {0.5, 0.75, 0.25});
  check_values(out.tensors.at("binary_labels"), {1, 0, 1});
  // Named outputs, several binary heads.
  const AuxOutputs named = ComputeBinaryPreds("p", "y").compute(inputs_of(floats({1, 2}, {kLn3, 0}), floats({1, 2}, {1, 0})));
  check_values(named.tensors.at("p"), {0.75, 0.5});
  check_values(named.tensors.at("y"), {1, 0});
  CHECK_THAT(error_of([&] { (void)op.compute(inputs_of(floats({2}, {0, 0}), ints({2}, {0, 2}))); }),
             Contains("ComputeBinaryPreds 'binary_preds': the label tensor holds 2 at element 1"));
  CHECK_THAT(error_of([&] { (void)op.compute(inputs_of(floats({2, 1, 2}, {0, 0, 0, 0}), ints({2}, {0, 1}))); }),
             Contains("a classifier's output is [N, C]"));
}

TEST_CASE("ComputeMulticlassPreds: sigmoid on binary heads, softmax over multi-class heads", "[metrics]") {
  // Heads: binary (channel 0) + 3 classes (channels 1..3).
  const Tensor x = floats({2, 4}, {0, 1, 2, 3, /**/ kLn3, 0, 0, 0});
  const Tensor y = ints({2, 2}, {1, 2, /**/ 0, 0});
  const double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0), sum = e1 + e2 + e3;
  SECTION("defaults") {
    const AuxOutputs out = ComputeMulticlassPreds("preds", "labels", {.label_format = {1, 3}}).compute(inputs_of(x, y));
    CHECK(out.scalars.empty());
    REQUIRE(out.tensors.at("preds").shape() == Shape{2, 4});
    check_values(out.tensors.at("preds"), {0.5, e1 / sum, e2 / sum, e3 / sum, 0.75, 1.0 / 3, 1.0 / 3, 1.0 / 3});
    check_values(out.tensors.at("labels"), {1, 0, 0, 1, /**/ 0, 1, 0, 0});
  }
  SECTION("no activations: the predictions as they are") {
    const MulticlassOptions raw{.use_sigmoid_for_binary = false, .use_softmax_for_multiclass = false, .label_format = {1, 3}};
    check_values(ComputeMulticlassPreds("p", "l", raw).compute(inputs_of(x, y)).tensors.at("p"),
                 {0, 1, 2, 3, kLn3, 0, 0, 0});
  }
  SECTION("without label_format: one channel is one binary head, more are one multi-class head") {
    check_values(ComputeMulticlassPreds().compute(inputs_of(floats({2, 1}, {0, kLn3}), ints({2}, {1, 0}))).tensors.at("preds"),
                 {0.5, 0.75});
    const AuxOutputs out = ComputeMulticlassPreds().compute(inputs_of(floats({1, 3}, {1, 2, 3}), ints({1}, {2})));
    check_values(out.tensors.at("preds"), {e1 / sum, e2 / sum, e3 / sum});
    check_values(out.tensors.at("labels"), {0, 0, 1});
  }
  SECTION("bad inputs") {
    const ComputeMulticlassPreds op("preds", "labels", {.label_format = {1, 3}});
    CHECK_THAT(error_of([&] { (void)op.compute(inputs_of(x, ints({2, 2}, {1, 3, 0, 0}))); }),
               Contains("the label tensor holds 3 at element 1, but class indices must be integers in 0..2"));
    CHECK_THAT(error_of([&] { (void)op.compute(inputs_of(x, floats({2, 2}, {0.5, 0, 0, 0}))); }),
               Contains("the label tensor holds 0.5 at element 0, but a binary head's labels must be 0 or 1"));
    CHECK_THAT(error_of([&] { (void)op.compute(inputs_of(x, ints({2, 3}, {0, 0, 0, 0, 0, 0}))); }),
               Contains("the label shape [2, 3] does not fit the predictions: expected one label per head = [2, 2]"));
    CHECK_THAT(error_of([&] { (void)ComputeMulticlassPreds("p", "l", {.label_format = {1, 2}}).compute(inputs_of(x, y)); }),
               Contains("label_format gives 3 channel(s) in all, but the predictions have 4"));
    CHECK_THAT(error_of([&] { (void)ComputeMulticlassPreds("p", "l", {.label_format = {0, 4}}); }),
               Contains("label_format holds 0"));
  }
}

TEST_CASE("ComputeMulticlassAccuracy: per (sample, head), and what use_sigmoid_for_accuracy changes", "[metrics]") {
  // Heads: binary + 3 classes. Multi-class arg-max [2, 0, 2] against [2, 0, 1]: 2 right.
  const Tensor x = floats({3, 4}, {0.3, 1, 2, 3, /**/ -0.2, 5, 0, 0, /**/ 0.8, 0, 0, 1});
  const Tensor y = ints({3, 2}, {1, 2, /**/ 0, 0, /**/ 0, 1});
  struct Case {
    bool sigmoid_for_binary, sigmoid_for_accuracy;
    double expected;
  };
  const std::vector<Case> cases = {
      // binary q = sigmoid(x) -> [1, 0, 1] against [1, 0, 0]: 2 right -> 4/6
      {true, false, 4.0 / 6},
      // q = x as it is -> [0, 0, 1]: 1 right -> 3/6
      {false, false, 3.0 / 6},
      // sigmoid of the raw output for the decision, whatever the processing -> 4/6
      {false, true, 4.0 / 6},
      {true, true, 4.0 / 6},
  };
  for (const Case& c : cases) {
    INFO("use_sigmoid_for_binary " << c.sigmoid_for_binary << ", use_sigmoid_for_accuracy " << c.sigmoid_for_accuracy);
    const MulticlassOptions o{.use_sigmoid_for_binary = c.sigmoid_for_binary, .label_format = {1, 3}};
    const AuxOutputs out = ComputeMulticlassAccuracy("acc", o, c.sigmoid_for_accuracy).compute(inputs_of(x, y));
    REQUIRE(out.scalars.size() == 1);
    CHECK(out.scalars[0].value == Approx(c.expected).epsilon(1e-12));
    CHECK(out.scalars[0].weight == 6.0);  // 3 samples x 2 heads
  }
  // Softmax does not move an arg-max.
  const MulticlassOptions no_softmax{.use_softmax_for_multiclass = false, .label_format = {1, 3}};
  CHECK(ComputeMulticlassAccuracy("acc", no_softmax).compute(inputs_of(x, y)).scalars[0].value ==
        Approx(4.0 / 6).epsilon(1e-12));
  Tensor nan_x = x.clone();
  nan_x.data<float>()[5] = std::nanf("");
  CHECK_THAT(error_of([&] { (void)ComputeMulticlassAccuracy("acc", {.label_format = {1, 3}}).compute(inputs_of(nan_x, y)); }),
             Contains("ComputeMulticlassAccuracy 'acc': the predictions tensor [3, 4] holds NaN at element 5"));
}
