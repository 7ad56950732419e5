// test_losses_gradcheck.cpp — every loss's analytic gradient in the logits against central finite
// differences (tests/support/reference/gradcheck.hpp): batch of 2, 2 and 3 classes, 3-D images, with
// and without a weight map where the loss uses one, softmax on and off where the option applies.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>
#include <string>

#include "support/reference/gradcheck.hpp"
#include "voxtrain/nn/loss.hpp"

using voxtrain::LossOptions;
using voxtrain::Shape;
using voxtrain::Tensor;
using voxtrain::test::gradcheck;
using voxtrain::test::random_tensor;

namespace {

enum class Labels { Sparse, OneHot, Soft };  // int32 indices, float one-hot, float soft (rows sum to 1)

struct GradientCase {
  const char* loss;
  int classes;
  bool softmax = true;
  bool weighted = false;
  Labels labels = Labels::Sparse;
  LossOptions options = {};
};

Shape image_shape(int channels) { return {2, channels, 3, 2, 2}; }

Tensor random_labels(int classes, unsigned seed) {
  Tensor labels = Tensor::empty(image_shape(1), voxtrain::DType::Int32);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, classes - 1);
  for (std::int64_t i = 0; i < labels.numel(); ++i) labels.data<std::int32_t>()[i] = pick(rng);
  return labels;
}

// Positive values whose channels sum to 1 at every voxel.
Tensor soft_labels(int classes, unsigned seed) {
  Tensor g = random_tensor(image_shape(classes), seed, 0.1f, 1.0f);
  const std::int64_t voxels = g.numel() / (2 * classes);
  float* v = g.data<float>();
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t i = 0; i < voxels; ++i) {
      float sum = 0;
      for (int c = 0; c < classes; ++c) sum += v[(b * classes + c) * voxels + i];
      for (int c = 0; c < classes; ++c) v[(b * classes + c) * voxels + i] /= sum;
    }
  return g;
}

Tensor make_labels(const GradientCase& k, unsigned seed) {
  switch (k.labels) {
    case Labels::Sparse: return random_labels(k.classes, seed);
    case Labels::OneHot: return voxtrain::labels_to_one_hot(random_labels(k.classes, seed), k.classes);
    case Labels::Soft: return soft_labels(k.classes, seed);
  }
  return {};
}

std::string describe(const GradientCase& k) {
  std::ostringstream s;
  s << k.loss << " with " << k.classes << " classes, softmax " << (k.softmax ? "on" : "off") << ", "
    << (k.weighted ? "weighted" : "unweighted") << ", labels "
    << (k.labels == Labels::Sparse ? "sparse" : k.labels == Labels::OneHot ? "one-hot" : "soft");
  return s.str();
}

void check_gradient(GradientCase k, unsigned seed) {
  k.options.softmax = k.softmax;
  // With softmax off the loss reads the logits as probabilities: keep them in (0, 1].
  Tensor logits = k.softmax ? random_tensor(image_shape(k.classes), seed, -2.0f, 2.0f)
                            : random_tensor(image_shape(k.classes), seed, 0.05f, 1.0f);
  const Tensor labels = make_labels(k, seed + 1);
  const Tensor weights = random_tensor(image_shape(1), seed + 2, 0.5f, 2.0f);
  const Tensor* w = k.weighted ? &weights : nullptr;

  const auto loss = voxtrain::make_loss(k.loss, k.classes, k.options);
  const Tensor analytic = loss->evaluate(logits, labels, w).grad_logits;
  const auto f = [&](const Tensor& x) { return loss->evaluate(x, labels, w).value; };
  const auto result = gradcheck(f, logits, analytic, {.step = 1e-3});
  INFO(describe(k) << ": " << result.describe());
  CHECK(result.max_relative_error < 1e-3);
  CHECK(result.largest_numeric > 0);
}

// Sparse-label losses that use the weight map: every combination of classes, softmax and weights.
void check_weighted_loss(const char* name, const LossOptions& options = {}) {
  unsigned seed = 100;
  for (int classes : {2, 3})
    for (bool softmax : {true, false})
      for (bool weighted : {false, true})
        check_gradient({.loss = name, .classes = classes, .softmax = softmax, .weighted = weighted,
                        .options = options},
                       seed++);
}

}  // namespace

TEST_CASE("Dice gradient matches finite differences", "[gradcheck][loss]") { check_weighted_loss("Dice"); }

TEST_CASE("Dice_NS gradient matches finite differences", "[gradcheck][loss]") { check_weighted_loss("Dice_NS"); }

TEST_CASE("Dice_Dense and Dice_Dense_NS gradients match finite differences", "[gradcheck][loss]") {
  unsigned seed = 200;
  for (const char* name : {"Dice_Dense", "Dice_Dense_NS"})
    for (int classes : {2, 3})
      for (bool softmax : {true, false})
        for (Labels labels : {Labels::OneHot, Labels::Soft})
          check_gradient({.loss = name, .classes = classes, .softmax = softmax, .labels = labels}, seed++);
}

TEST_CASE("GDSC gradient matches finite differences for each class weighting", "[gradcheck][loss]") {
  for (const char* type : {"Square", "Simple", "Uniform"}) check_weighted_loss("GDSC", {.gdsc_type_weight = type});
}

TEST_CASE("Tversky gradient matches finite differences", "[gradcheck][loss]") {
  check_weighted_loss("Tversky");
  check_weighted_loss("Tversky", {.tversky_alpha = 0.3, .tversky_beta = 0.7});
}

TEST_CASE("CrossEntropy gradient matches finite differences", "[gradcheck][loss]") {
  // Softmax is always applied inside, so the option does not matter; both settings are checked.
  check_weighted_loss("CrossEntropy");
}

TEST_CASE("CrossEntropy_Dense gradient matches finite differences", "[gradcheck][loss]") {
  unsigned seed = 300;
  for (int classes : {2, 3})
    for (Labels labels : {Labels::OneHot, Labels::Soft})
      check_gradient({.loss = "CrossEntropy_Dense", .classes = classes, .labels = labels}, seed++);
}

TEST_CASE("DicePlusXEnt gradient matches finite differences", "[gradcheck][loss]") {
  check_weighted_loss("DicePlusXEnt");
}

TEST_CASE("SensSpec gradient matches finite differences", "[gradcheck][loss]") {
  unsigned seed = 400;
  for (double r : {0.05, 0.5})
    for (int classes : {2, 3})
      for (bool softmax : {true, false})
        check_gradient({.loss = "SensSpec", .classes = classes, .softmax = softmax, .options = {.sensspec_r = r}},
                       seed++);
}

TEST_CASE("WGDL gradient matches finite differences", "[gradcheck][loss]") {
  unsigned seed = 500;
  for (int classes : {2, 3, 5})
    for (bool softmax : {true, false})
      check_gradient({.loss = "WGDL", .classes = classes, .softmax = softmax}, seed++);
}

TEST_CASE("VolEnforcement gradient matches finite differences", "[gradcheck][loss]") {
  check_weighted_loss("VolEnforcement");
}
