// test_losses_niftynet.cpp — NiftyNet's own segmentation-loss test cases L1..L31 (tests/
// loss_segmentation_test.py, transcribed in shared/reference/niftynet_loss_vectors.md), with its tolerances.
#include <catch2/catch.hpp>

#include <cmath>

#include "unit/nn/losses/loss_test_inputs.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/loss.hpp"

using voxtrain::LossOptions;
using voxtrain::Tensor;
using voxtrain::test::class_indices;
using voxtrain::test::logits_from_rows;
using voxtrain::test::loss_value;
using voxtrain::test::voxel_weights;
using voxtrain::test::within;

namespace {

const LossOptions kNoSoftmax{.softmax = false};

// NiftyNet's most common prediction: voxel 0 is class 1, voxels 1..3 class 0, all confidently.
const voxtrain::test::Rows kConfident = {{0, 10}, {10, 0}, {10, 0}, {10, 0}};
// And a prediction that is not confident at all (L27, L28 and the derived vector P2).
const voxtrain::test::Rows kUnsure = {{2, 3}, {9, 8}, {0, 0}, {1, 0}};

}  // namespace

TEST_CASE("L1: Dice losses count a class missing from labels and prediction as Dice 1", "[nn][loss]") {
  const Tensor logits = logits_from_rows({{0, 0, 1}, {1, 0, 0}});
  const Tensor labels = class_indices({{2, 0}});
  const Tensor one_hot = voxtrain::labels_to_one_hot(labels, 3);
  CHECK(loss_value("Dice", 3, logits, labels, nullptr, kNoSoftmax) == within(0.0, 1e-4));
  CHECK(loss_value("Dice_NS", 3, logits, labels, nullptr, kNoSoftmax) == within(0.0, 1e-4));
  CHECK(loss_value("Dice_Dense", 3, logits, one_hot, nullptr, kNoSoftmax) == within(0.0, 1e-4));
  CHECK(loss_value("Dice_Dense_NS", 3, logits, one_hot, nullptr, kNoSoftmax) == within(0.0, 1e-4));
}

TEST_CASE("L2: DicePlusXEnt of a perfect prediction is -1 with softmax off", "[nn][loss]") {
  const Tensor logits = logits_from_rows({{0, 0, 999}, {999, 0, 0}});
  CHECK(loss_value("DicePlusXEnt", 3, logits, class_indices({{2, 0}}), nullptr, kNoSoftmax) == within(-1.0, 1e-4));
}

TEST_CASE("L3: DicePlusXEnt of a perfect two-class prediction is -1", "[nn][loss]") {
  const Tensor logits = logits_from_rows({{0, 9999}, {9999, 0}, {9999, 0}, {9999, 0}});
  CHECK(loss_value("DicePlusXEnt", 2, logits, class_indices({{1, 0, 0, 0}})) == within(-1.0, 1e-3));
}

TEST_CASE("L4: DicePlusXEnt of a perfect three-class prediction is -1", "[nn][loss]") {
  const Tensor logits = logits_from_rows({{0, 0, 9999}, {9999, 0, 0}, {0, 9999, 0}, {9999, 0, 0}});
  CHECK(loss_value("DicePlusXEnt", 3, logits, class_indices({{2, 0, 1, 0}})) == within(-1.0, 1e-3));
}

TEST_CASE("L5: DicePlusXEnt of an undecided prediction, softmax off or on", "[nn][loss]") {
  const Tensor logits = logits_from_rows({{0, 9999, 9999}, {9999, 0, 0}, {0, 9999, 9999}, {9999, 0, 0}});
  const Tensor labels = class_indices({{2, 0, 1, 0}});
  const double expected = 0.5 * std::log(2.0) - 2.0 / 3.0;  // -0.3200931
  CHECK(loss_value("DicePlusXEnt", 3, logits, labels, nullptr, kNoSoftmax) == within(expected, 1e-3));
  CHECK(loss_value("DicePlusXEnt", 3, logits, labels) == within(expected, 1e-3));
}

TEST_CASE("L6: DicePlusXEnt with a weight map that keeps only a correct voxel is -1", "[nn][loss]") {
  const Tensor logits = logits_from_rows({{0, 9999, 9999}, {9999, 0, 0}, {0, 9999, 9999}, {9999, 0, 0}});
  const Tensor weights = voxel_weights({{0, 1, 0, 0}});
  CHECK(loss_value("DicePlusXEnt", 3, logits, class_indices({{2, 0, 1, 0}}), &weights) == within(-1.0, 1e-6));
}

TEST_CASE("L7: labels_to_one_hot equals tf.one_hot", "[nn][loss]") {
  const Tensor one_hot = voxtrain::labels_to_one_hot(class_indices({{1, 2, 3, 0}}), 4);
  REQUIRE(one_hot.shape() == voxtrain::Shape({1, 4, 4}));
  // tf.one_hot([1, 2, 3, 0], 4), channels-last rows, read back from the channels-first tensor.
  const int expected[4][4] = {{0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {1, 0, 0, 0}};
  for (int voxel = 0; voxel < 4; ++voxel)
    for (int c = 0; c < 4; ++c) CHECK(one_hot.data<float>()[c * 4 + voxel] == static_cast<float>(expected[voxel][c]));
}

TEST_CASE("L8: labels_to_one_hot of a 2 x 2 label image", "[nn][loss]") {
  Tensor labels = Tensor::empty({1, 1, 2, 2}, voxtrain::DType::Int32);
  const std::int32_t values[] = {1, 2, 3, 4};
  std::copy(std::begin(values), std::end(values), labels.data<std::int32_t>());
  const Tensor one_hot = voxtrain::labels_to_one_hot(labels, 5);
  REQUIRE(one_hot.shape() == voxtrain::Shape({1, 5, 2, 2}));
  const int expected[2][2][5] = {{{0, 1, 0, 0, 0}, {0, 0, 1, 0, 0}}, {{0, 0, 0, 1, 0}, {0, 0, 0, 0, 1}}};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x)
      for (int c = 0; c < 5; ++c)
        CHECK(one_hot.data<float>()[(c * 2 + y) * 2 + x] == static_cast<float>(expected[y][x][c]));
}

TEST_CASE("L9: SensSpec of a confident correct prediction is almost 0", "[nn][loss]") {
  CHECK(loss_value("SensSpec", 2, logits_from_rows(kConfident), class_indices({{1, 0, 0, 0}})) ==
        within(2.06106e-9, 1e-7));
}

TEST_CASE("L10: SensSpec with r = 0.05", "[nn][loss]") {
  const LossOptions options{.sensspec_r = 0.05};
  CHECK(loss_value("SensSpec", 3, logits_from_rows({{0, 1, 0}, {0, 0, 1}}), class_indices({{1, 2}}), nullptr,
                   options) == within(0.14598623, 5e-8));
}

TEST_CASE("L11: GDSC of a confident correct prediction is 0", "[nn][loss]") {
  CHECK(loss_value("GDSC", 2, logits_from_rows(kConfident), class_indices({{1, 0, 0, 0}})) == within(0.0, 1e-4));
}

TEST_CASE("L12: GDSC with an unknown type_weight is an error", "[nn][loss]") {
  CHECK_THROWS_AS(voxtrain::make_loss("GDSC", 2, {.gdsc_type_weight = "unknown"}), voxtrain::Error);
}

TEST_CASE("L13: GDSC with Uniform class weights and the labels as weight map", "[nn][loss]") {
  const Tensor weights = voxel_weights({{1, 0, 0, 0}});
  CHECK(loss_value("GDSC", 2, logits_from_rows(kConfident), class_indices({{1, 0, 0, 0}}), &weights,
                   {.gdsc_type_weight = "Uniform"}) == within(0.3333, 1e-4));
}

TEST_CASE("L14: Dice of a confident correct prediction is 0", "[nn][loss]") {
  CHECK(loss_value("Dice", 2, logits_from_rows(kConfident), class_indices({{1, 0, 0, 0}})) == within(0.0, 1e-5));
}

TEST_CASE("L15: Dice with a weight map is 0 for a confident correct prediction", "[nn][loss]") {
  const Tensor weights = voxel_weights({{1, 1, 0, 0}});
  CHECK(loss_value("Dice", 2, logits_from_rows(kConfident), class_indices({{1, 0, 0, 0}}), &weights) ==
        within(0.0, 1e-4));
}

TEST_CASE("L16: Dice of a confident wrong prediction is 1", "[nn][loss]") {
  CHECK(loss_value("Dice", 2, logits_from_rows({{0, 100}}), class_indices({{0}})) == within(1.0, 1e-4));
}

TEST_CASE("L17: Dice is computed per image and averaged over a batch of 2", "[nn][loss]") {
  // NiftyNet's shape [2, 2, 1, 1, 3] (channels last) is voxtrain's [2, 3, 2, 1, 1].
  const Tensor logits = voxtrain::test::batch_from_rows({{{10, 0, 0}, {0, 0, 10}}, {{-10, 0, 0}, {0, 0, 0}}})
                            .reshaped({2, 3, 2, 1, 1});
  const Tensor labels = class_indices({{0, 2}, {0, 1}}).reshaped({2, 1, 2, 1, 1});
  CHECK(loss_value("Dice", 3, logits, labels) == within(1.0 - 0.5816, 1e-4));
}

TEST_CASE("L18: CrossEntropy", "[nn][loss]") {
  const double e = std::exp(1.0);
  const double expected = -0.5 * (std::log(e / (1 + e)) + std::log(e * e / (1 + e * e)));
  const double value = loss_value("CrossEntropy", 2, logits_from_rows({{0, 1}, {2, 0}}), class_indices({{1, 0}}));
  CHECK(value == within(0.22009485, 5e-8));
  CHECK(value == within(expected, 1e-12));
}

TEST_CASE("L19: CrossEntropy with a weight map", "[nn][loss]") {
  const double e = std::exp(1.0);
  const double expected = -0.5 * (2.0 / 3.0 * std::log(e / (1 + e)) + 4.0 / 3.0 * std::log(e * e / (1 + e * e)));
  const Tensor weights = voxel_weights({{1, 2}});
  const double value =
      loss_value("CrossEntropy", 2, logits_from_rows({{0, 1}, {2, 0}}), class_indices({{1, 0}}), &weights);
  CHECK(value == within(0.18903924, 5e-8));
  CHECK(value == within(expected, 1e-12));
}

TEST_CASE("L20: Dice_NS of a confident correct prediction is 0, with or without a weight map", "[nn][loss]") {
  const Tensor labels = class_indices({{1, 0, 0, 0}});
  const Tensor weights = voxel_weights({{1, 1, 0, 0}});
  CHECK(loss_value("Dice_NS", 2, logits_from_rows(kConfident), labels) == within(0.0, 1e-4));
  CHECK(loss_value("Dice_NS", 2, logits_from_rows(kConfident), labels, &weights) == within(0.0, 1e-4));
}

TEST_CASE("L21: Dice_NS of a confident wrong prediction is 1", "[nn][loss]") {
  CHECK(loss_value("Dice_NS", 2, logits_from_rows({{0, 100}}), class_indices({{0}})) == within(1.0, 1e-4));
}

TEST_CASE("L22: Tversky of a confident correct prediction is 0", "[nn][loss]") {
  CHECK(loss_value("Tversky", 2, logits_from_rows(kConfident), class_indices({{1, 0, 0, 0}})) == within(0.0, 1e-4));
}

TEST_CASE("L23: Tversky with a weight map that hides the wrong voxel is 0", "[nn][loss]") {
  const Tensor weights = voxel_weights({{1, 1, 0, 0}});
  CHECK(loss_value("Tversky", 2, logits_from_rows(kConfident), class_indices({{1, 0, 1, 0}}), &weights) ==
        within(0.0, 1e-4));
}

TEST_CASE("L24: Tversky of a confident wrong prediction is 1", "[nn][loss]") {
  CHECK(loss_value("Tversky", 2, logits_from_rows({{0, 100}}), class_indices({{0}})) == within(1.0, 5e-8));
}

TEST_CASE("L25: Dice_Dense of a prediction opposite to the one-hot labels is 1", "[nn][loss]") {
  const Tensor one_hot = logits_from_rows({{1, 0}, {0, 1}, {0, 1}, {0, 1}});
  CHECK(loss_value("Dice_Dense", 2, logits_from_rows(kConfident), one_hot) == within(1.0, 1e-4));
}

TEST_CASE("L26: Dice_Dense of a confident wrong prediction is 1", "[nn][loss]") {
  const Tensor one_hot = voxtrain::labels_to_one_hot(class_indices({{0}}), 2);
  CHECK(loss_value("Dice_Dense", 2, logits_from_rows({{0, 100}}), one_hot) == within(1.0, 1e-4));
}

TEST_CASE("L27: Dice and Dice_Dense agree exactly on one-hot labels", "[nn][loss]") {
  const Tensor labels = class_indices({{1, 0, 0, 0}});
  const double sparse = loss_value("Dice", 2, logits_from_rows(kUnsure), labels);
  const double dense = loss_value("Dice_Dense", 2, logits_from_rows(kUnsure), voxtrain::labels_to_one_hot(labels, 2));
  CHECK(sparse == dense);
  CHECK(sparse == within(0.17420975, 1e-7));
}

TEST_CASE("L28: Dice_NS and Dice_Dense_NS agree exactly on one-hot labels", "[nn][loss]") {
  const Tensor labels = class_indices({{1, 0, 0, 0}});
  const double sparse = loss_value("Dice_NS", 2, logits_from_rows(kUnsure), labels);
  const double dense =
      loss_value("Dice_Dense_NS", 2, logits_from_rows(kUnsure), voxtrain::labels_to_one_hot(labels, 2));
  CHECK(sparse == dense);
  CHECK(sparse == within(0.36088806, 1e-7));
}

TEST_CASE("L29: VolEnforcement of a prediction with the right volumes is 0", "[nn][loss]") {
  const Tensor logits = logits_from_rows({{-1000, 1000}, {1000, -1000}, {1000, -1000}, {1000, -1000}});
  CHECK(loss_value("VolEnforcement", 2, logits, class_indices({{1, 0, 0, 0}})) == within(0.0, 1e-4));
}

TEST_CASE("L30: VolEnforcement of a prediction that misses a class is large", "[nn][loss]") {
  const Tensor logits = logits_from_rows({{1000, -1000}, {1000, -1000}, {1000, -1000}, {1000, -1000}});
  CHECK(loss_value("VolEnforcement", 2, logits, class_indices({{1, 0, 0, 0}})) == within(500.75, 0.1));
}

TEST_CASE("L31: an unknown loss name is an error that suggests the closest name", "[nn][loss]") {
  CHECK_THROWS_AS(voxtrain::make_loss("wrong answer", 1), voxtrain::Error);
  CHECK_THROWS_WITH(voxtrain::make_loss("dice", 2), Catch::Contains("'Dice'"));
  CHECK_THROWS_WITH(voxtrain::make_loss("GSDC", 2), Catch::Contains("'GDSC'"));
}
