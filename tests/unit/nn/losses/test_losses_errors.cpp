// test_losses_errors.cpp — every mistake a user can make with a loss throws voxtrain::Error whose one
// line says what is wrong, where, and what to do.
#include <catch2/catch.hpp>

#include <limits>

#include "unit/nn/losses/loss_test_inputs.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/loss.hpp"

using Catch::Matchers::Contains;
using voxtrain::DType;
using voxtrain::Tensor;
using voxtrain::make_loss;

namespace {

Tensor int_labels(std::initializer_list<std::int64_t> shape, std::int32_t value = 0) {
  Tensor t = Tensor::empty(shape, DType::Int32);
  t.fill(value);
  return t;
}

Tensor float_tensor(std::initializer_list<std::int64_t> shape, float value = 0.5f) {
  Tensor t = Tensor::empty(shape);
  t.fill(value);
  return t;
}

}  // namespace

TEST_CASE("an unknown loss name lists the valid names and suggests the closest", "[nn][loss]") {
  CHECK_THROWS_WITH(make_loss("dice", 2),
                    "unknown segmentation loss 'dice' (did you mean 'Dice'?): use one of Dice, Dice_NS, Dice_Dense, "
                    "Dice_Dense_NS, GDSC, Tversky, CrossEntropy, CrossEntropy_Dense, DicePlusXEnt, SensSpec, WGDL, "
                    "VolEnforcement");
  CHECK_THROWS_WITH(make_loss("GSDC", 2), Contains("(did you mean 'GDSC'?)"));
  CHECK_THROWS_WITH(make_loss("Tverski", 2), Contains("(did you mean 'Tversky'?)"));
  CHECK_THROWS_WITH(make_loss("wrong answer", 1),
                    Catch::StartsWith("unknown segmentation loss 'wrong answer': use one of Dice, Dice_NS"));
}

TEST_CASE("loss_names lists NiftyNet's names in a fixed order, each of which make_loss knows", "[nn][loss]") {
  const std::vector<std::string> expected = {"Dice",         "Dice_NS",      "Dice_Dense",         "Dice_Dense_NS",
                                             "GDSC",         "Tversky",      "CrossEntropy",       "CrossEntropy_Dense",
                                             "DicePlusXEnt", "SensSpec",     "WGDL",               "VolEnforcement"};
  CHECK(voxtrain::loss_names() == expected);
  for (const std::string& name : expected) CHECK(make_loss(name, 2)->name() == name);
}

TEST_CASE("a loss needs at least one class", "[nn][loss]") {
  CHECK_THROWS_WITH(make_loss("Dice", 0), "loss 'Dice': num_classes = 0 must be at least 1: give the number of "
                                          "segmentation classes, background included");
  CHECK_NOTHROW(make_loss("Dice", 1));
}

TEST_CASE("logits must be float32 [N, C, spatial...] with C = num_classes", "[nn][loss]") {
  const auto loss = make_loss("Dice", 3);
  CHECK_THROWS_WITH(loss->evaluate(int_labels({1, 3, 4}), int_labels({1, 1, 4}), nullptr),
                    "loss 'Dice': logits must be float32, got a int32 tensor of shape [1, 3, 4]: pass the network "
                    "output as float32");
  CHECK_THROWS_WITH(loss->evaluate(float_tensor({3, 4}), int_labels({1, 4}), nullptr),
                    "loss 'Dice': logits of shape [3, 4] must be [N, C, spatial...] with 1 to 3 spatial axes: add the "
                    "batch and channel axes");
  CHECK_THROWS_WITH(loss->evaluate(float_tensor({1, 2, 4}), int_labels({1, 1, 4}), nullptr),
                    "loss 'Dice': logits of shape [1, 2, 4] have 2 channels, but the loss was made for 3 classes: the "
                    "network must output one channel per class");
  CHECK_THROWS_WITH(loss->evaluate(float_tensor({0, 3, 4}), int_labels({0, 1, 4}), nullptr),
                    Contains("hold no voxels"));
}

TEST_CASE("labels must match the logits, with the shape that was expected", "[nn][loss]") {
  const Tensor logits = float_tensor({2, 3, 4, 4, 4});
  CHECK_THROWS_WITH(make_loss("Dice", 3)->evaluate(logits, int_labels({2, 1, 4, 4}), nullptr),
                    "loss 'Dice': labels of shape [2, 1, 4, 4] do not match logits of shape [2, 3, 4, 4, 4]: "
                    "expected [2, 1, 4, 4, 4] (one class index per voxel)");
  CHECK_THROWS_WITH(make_loss("CrossEntropy", 3)->evaluate(logits, float_tensor({2, 1, 4, 4, 4}), nullptr),
                    "loss 'CrossEntropy': labels must be int32 class indices of shape [2, 1, 4, 4, 4], got a float32 "
                    "tensor of shape [2, 1, 4, 4, 4]: convert them to int32 (one-hot labels go to Dice_Dense, "
                    "Dice_Dense_NS or CrossEntropy_Dense)");
  CHECK_THROWS_WITH(make_loss("Dice_Dense", 3)->evaluate(logits, int_labels({2, 1, 4, 4, 4}), nullptr),
                    "loss 'Dice_Dense': labels must be float32 one-hot of shape [2, 3, 4, 4, 4], got a int32 tensor "
                    "of shape [2, 1, 4, 4, 4]: convert class indices with labels_to_one_hot, or use the loss without "
                    "_Dense");
  CHECK_THROWS_WITH(make_loss("Dice_Dense_NS", 3)->evaluate(logits, float_tensor({2, 2, 4, 4, 4}), nullptr),
                    "loss 'Dice_Dense_NS': labels of shape [2, 2, 4, 4, 4] do not match logits of shape "
                    "[2, 3, 4, 4, 4]: expected [2, 3, 4, 4, 4] (one-hot, one channel per class)");
}

TEST_CASE("a label outside 0..C-1 is named with its image", "[nn][loss]") {
  Tensor labels = int_labels({2, 1, 4});
  labels.data<std::int32_t>()[6] = 3;
  CHECK_THROWS_WITH(make_loss("GDSC", 3)->evaluate(float_tensor({2, 3, 4}), labels, nullptr),
                    "loss 'GDSC': label 3 at voxel 2 of image 1 in the batch is outside 0..2 (3 classes): check the "
                    "label maps, or set the number of classes to cover every label");
  labels.data<std::int32_t>()[6] = -1;
  CHECK_THROWS_WITH(make_loss("CrossEntropy", 3)->evaluate(float_tensor({2, 3, 4}), labels, nullptr),
                    Contains("label -1 at voxel 2 of image 1 in the batch is outside 0..2"));
  CHECK_THROWS_WITH(voxtrain::labels_to_one_hot(labels, 3),
                    Catch::StartsWith("labels_to_one_hot: label -1 at voxel 2 of image 1 in the batch"));
}

TEST_CASE("a weight map must be float32 [N, 1, spatial...]", "[nn][loss]") {
  const Tensor logits = float_tensor({2, 3, 4});
  const Tensor labels = int_labels({2, 1, 4});
  const Tensor wrong_shape = float_tensor({2, 3, 4});
  CHECK_THROWS_WITH(make_loss("Dice", 3)->evaluate(logits, labels, &wrong_shape),
                    "loss 'Dice': the weight map of shape [2, 3, 4] does not match logits of shape [2, 3, 4]: "
                    "expected [2, 1, 4] (one weight per voxel)");
  const Tensor wrong_type = int_labels({2, 1, 4}, 1);
  CHECK_THROWS_WITH(make_loss("Dice", 3)->evaluate(logits, labels, &wrong_type),
                    Contains("the weight map must be float32 of shape [2, 1, 4], got a int32 tensor"));
}

TEST_CASE("the _Dense losses refuse a weight map, as NiftyNet does", "[nn][loss]") {
  const Tensor logits = float_tensor({1, 2, 4});
  const Tensor one_hot = voxtrain::labels_to_one_hot(int_labels({1, 1, 4}), 2);
  const Tensor weights = float_tensor({1, 1, 4}, 1.0f);
  for (const char* name : {"Dice_Dense", "Dice_Dense_NS", "CrossEntropy_Dense"}) {
    CHECK_THROWS_WITH(make_loss(name, 2)->evaluate(logits, one_hot, &weights),
                      fmt::format("loss '{}' does not take a weight map (NiftyNet raises NotImplementedError): pass "
                                  "none, or use the loss without _Dense with int32 class indices",
                                  name));
    CHECK_NOTHROW(make_loss(name, 2)->evaluate(logits, one_hot, nullptr));
  }
}

TEST_CASE("GDSC knows three class weightings and suggests the closest", "[nn][loss]") {
  CHECK_THROWS_WITH(make_loss("GDSC", 2, {.gdsc_type_weight = "unknown"}),
                    "loss 'GDSC': unknown gdsc_type_weight 'unknown': use Square, Simple or Uniform");
  CHECK_THROWS_WITH(make_loss("GDSC", 2, {.gdsc_type_weight = "square"}),
                    "loss 'GDSC': unknown gdsc_type_weight 'square' (did you mean 'Square'?): use Square, Simple or "
                    "Uniform");
}

TEST_CASE("WGDL takes at most 5 classes", "[nn][loss]") {
  CHECK_NOTHROW(make_loss("WGDL", 5));
  CHECK_THROWS_WITH(make_loss("WGDL", 6),
                    "loss 'WGDL' takes at most 5 classes (its label distance matrix M_tree is 5 x 5), got 6: use GDSC "
                    "or Dice for more classes");
}

TEST_CASE("a non-finite loss value names the loss and the image", "[nn][loss]") {
  Tensor logits = float_tensor({2, 2, 4});
  logits.data<float>()[9] = std::numeric_limits<float>::quiet_NaN();  // image 1
  CHECK_THROWS_WITH(make_loss("Dice", 2)->evaluate(logits, int_labels({2, 1, 4}), nullptr),
                    "loss 'Dice' is NaN for image 1 in the batch: check the logits, labels and weight map for NaN or "
                    "infinite values, or lower the learning rate");
  logits.data<float>()[9] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(make_loss("CrossEntropy", 2)->evaluate(logits, int_labels({2, 1, 4}), nullptr),
                    Catch::StartsWith("loss 'CrossEntropy' is NaN for image 1 in the batch"));
}
