// test_losses_derived.cpp — the derived vectors P2 and P3 of shared/reference/niftynet_loss_vectors.md.
// These values were computed from NiftyNet's formulas (a float64 transcription), NOT taken from
// NiftyNet's test suite; they cover every loss, options and a weight map on unsure predictions.
#include <catch2/catch.hpp>

#include <algorithm>

#include "unit/nn/losses/loss_test_inputs.hpp"
#include "voxtrain/nn/loss.hpp"

using voxtrain::LossOptions;
using voxtrain::Tensor;
using voxtrain::test::class_indices;
using voxtrain::test::logits_from_rows;
using voxtrain::test::loss_value;
using voxtrain::test::relative;

namespace {

constexpr double kRtol = 1e-6;

const voxtrain::test::Rows kP2 = {{2, 3}, {9, 8}, {0, 0}, {1, 0}};
const std::vector<int> kL2 = {1, 0, 0, 0};
const voxtrain::test::Rows kP3 = {{1, 2, 0.5}, {0, 0, 3}, {2, 1, 0}, {0.5, 0.5, 0.5}, {-1, 2, 1}};
const std::vector<int> kL3 = {1, 2, 0, 0, 2};

double p2(const char* loss, const LossOptions& options = {}) {
  return loss_value(loss, 2, logits_from_rows(kP2), class_indices({kL2}), nullptr, options);
}

double p3(const char* loss) { return loss_value(loss, 3, logits_from_rows(kP3), class_indices({kL3})); }

}  // namespace

TEST_CASE("derived P2: every loss on an unsure two-class prediction", "[nn][loss]") {
  CHECK(p2("Dice") == relative(0.17420975, kRtol));
  CHECK(p2("Dice_NS") == relative(0.36088806, kRtol));
  CHECK(p2("GDSC") == relative(0.43341887, kRtol));
  CHECK(p2("GDSC", {.gdsc_type_weight = "Square"}) == relative(0.43341887, kRtol));
  CHECK(p2("GDSC", {.gdsc_type_weight = "Simple"}) == relative(0.38612367, kRtol));
  CHECK(p2("GDSC", {.gdsc_type_weight = "Uniform"}) == relative(0.32670606, kRtol));
  CHECK(p2("Tversky") == relative(0.32670775, kRtol));
  CHECK(p2("Tversky", {.tversky_alpha = 0.3, .tversky_beta = 0.7}) == relative(0.32670775, kRtol));
  CHECK(p2("SensSpec") == relative(0.20388132, kRtol));
  CHECK(p2("CrossEntropy") == relative(0.40823306, kRtol));
  CHECK(p2("DicePlusXEnt") == relative(-0.23087888, kRtol));
  CHECK(p2("WGDL") == relative(0.47195808, kRtol));
  CHECK(p2("VolEnforcement") == relative(0.90167248, kRtol));
}

TEST_CASE("derived P2: Dice with a weight map", "[nn][loss]") {
  const Tensor weights = voxtrain::test::voxel_weights({{1, 2, 0, 1}});
  CHECK(loss_value("Dice", 2, logits_from_rows(kP2), class_indices({kL2}), &weights) == relative(0.11353267, kRtol));
}

TEST_CASE("derived P3: every loss on an unsure three-class prediction", "[nn][loss]") {
  CHECK(p3("Dice") == relative(0.28521321, kRtol));
  CHECK(p3("Dice_NS") == relative(0.44841215, kRtol));
  CHECK(p3("GDSC") == relative(0.50384720, kRtol));
  CHECK(p3("Tversky") == relative(0.44079202, kRtol));
  CHECK(p3("SensSpec") == relative(0.25594784, kRtol));
  CHECK(p3("CrossEntropy") == relative(0.68290444, kRtol));
  CHECK(p3("DicePlusXEnt") == relative(0.13131659, kRtol));
  CHECK(p3("WGDL") == relative(0.30016468, kRtol));
  CHECK(p3("VolEnforcement") == relative(0.86796286, kRtol));
}

TEST_CASE("derived P3: a batch [P3, reversed(P3)] gives the mean of the per-image Dice", "[nn][loss]") {
  voxtrain::test::Rows reversed_p3 = kP3;
  std::reverse(reversed_p3.begin(), reversed_p3.end());
  std::vector<int> reversed_l3 = kL3;
  std::reverse(reversed_l3.begin(), reversed_l3.end());
  const Tensor logits = voxtrain::test::batch_from_rows({kP3, reversed_p3});
  const Tensor labels = class_indices({kL3, reversed_l3});
  CHECK(loss_value("Dice", 3, logits, labels) == relative(0.28521321, kRtol));
}
