// test_losses_batch.cpp — what NiftyNet's wrapper does around every loss: one loss per image and
// their mean, softmax forced off for the losses that apply it themselves, and weight maps that
// SensSpec and WGDL ignore with one warning.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "support/reference/gradcheck.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/nn/loss.hpp"

using voxtrain::LossOptions;
using voxtrain::Tensor;
using voxtrain::test::random_tensor;

namespace {

Tensor labels_for(std::int64_t images, int classes, unsigned seed) {
  const Tensor u = random_tensor({images, 1, 3, 4}, seed, 0.0f, static_cast<float>(classes));
  Tensor labels = Tensor::empty(u.shape(), voxtrain::DType::Int32);
  for (std::int64_t i = 0; i < u.numel(); ++i)
    labels.data<std::int32_t>()[i] = std::min(classes - 1, static_cast<int>(u.data<float>()[i]));
  return labels;
}

// Image b of a batch tensor as a batch of one.
Tensor image(const Tensor& batch, std::int64_t b) {
  const std::int64_t size = batch.numel() / batch.shape()[0];
  Tensor out = Tensor::empty({1, batch.shape()[1], batch.shape()[2], batch.shape()[3]}, batch.dtype());
  std::memcpy(out.raw_data(), static_cast<const char*>(batch.raw_data()) + b * size * 4, static_cast<std::size_t>(size) * 4);
  return out;
}

struct CapturedWarnings {
  std::vector<std::string> lines;
  CapturedWarnings() { voxtrain::set_log_sink([this](std::string_view line) { lines.emplace_back(line); }); }
  ~CapturedWarnings() { voxtrain::set_log_sink({}); }
};

}  // namespace

TEST_CASE("the batch value and gradient are the means of the per-image ones", "[nn][loss]") {
  const Tensor logits = random_tensor({2, 3, 3, 4}, 7, -2.0f, 2.0f);
  const Tensor labels = labels_for(2, 3, 8);
  const Tensor weights = random_tensor({2, 1, 3, 4}, 9, 0.5f, 2.0f);
  for (const char* name : {"Dice", "GDSC", "Tversky", "CrossEntropy", "DicePlusXEnt", "VolEnforcement"}) {
    const auto loss = voxtrain::make_loss(name, 3);
    const auto batch = loss->evaluate(logits, labels, &weights);
    const Tensor w0 = image(weights, 0), w1 = image(weights, 1);
    const auto first = loss->evaluate(image(logits, 0), image(labels, 0), &w0);
    const auto second = loss->evaluate(image(logits, 1), image(labels, 1), &w1);
    INFO(name);
    CHECK(batch.value == Approx(0.5 * (first.value + second.value)).epsilon(1e-12));
    const std::int64_t size = first.grad_logits.numel();
    for (std::int64_t k = 0; k < size; ++k) {
      CHECK(batch.grad_logits.data<float>()[k] == Approx(0.5 * first.grad_logits.data<float>()[k]).epsilon(1e-6));
      CHECK(batch.grad_logits.data<float>()[size + k] ==
            Approx(0.5 * second.grad_logits.data<float>()[k]).epsilon(1e-6));
    }
  }
}

TEST_CASE("softmax is forced off for the losses that apply it to the logits themselves", "[nn][loss]") {
  const Tensor logits = random_tensor({2, 3, 3, 4}, 11, -2.0f, 2.0f);
  const Tensor labels = labels_for(2, 3, 12);
  const Tensor one_hot = voxtrain::labels_to_one_hot(labels, 3);
  for (const char* name : {"CrossEntropy", "DicePlusXEnt"}) {
    INFO(name);
    CHECK(voxtrain::make_loss(name, 3, {.softmax = true})->evaluate(logits, labels, nullptr).value ==
          voxtrain::make_loss(name, 3, {.softmax = false})->evaluate(logits, labels, nullptr).value);
  }
  CHECK(voxtrain::make_loss("CrossEntropy_Dense", 3, {.softmax = true})->evaluate(logits, one_hot, nullptr).value ==
        voxtrain::make_loss("CrossEntropy_Dense", 3, {.softmax = false})->evaluate(logits, one_hot, nullptr).value);
  // ... and applies where it is asked for.
  CHECK(voxtrain::make_loss("Dice", 3, {.softmax = true})->evaluate(logits, labels, nullptr).value !=
        voxtrain::make_loss("Dice", 3, {.softmax = false})->evaluate(logits, labels, nullptr).value);
}

TEST_CASE("CrossEntropy and CrossEntropy_Dense agree on one-hot labels", "[nn][loss]") {
  const Tensor logits = random_tensor({2, 3, 3, 4}, 13, -2.0f, 2.0f);
  const Tensor labels = labels_for(2, 3, 14);
  const auto sparse = voxtrain::make_loss("CrossEntropy", 3)->evaluate(logits, labels, nullptr);
  const auto dense =
      voxtrain::make_loss("CrossEntropy_Dense", 3)->evaluate(logits, voxtrain::labels_to_one_hot(labels, 3), nullptr);
  CHECK(sparse.value == Approx(dense.value).epsilon(1e-12));
}

TEST_CASE("SensSpec and WGDL ignore a weight map and warn once", "[nn][loss]") {
  const Tensor logits = random_tensor({2, 3, 3, 4}, 15, -2.0f, 2.0f);
  const Tensor labels = labels_for(2, 3, 16);
  const Tensor weights = random_tensor({2, 1, 3, 4}, 17, 0.5f, 2.0f);
  for (const char* name : {"SensSpec", "WGDL"}) {
    CapturedWarnings log;
    const auto loss = voxtrain::make_loss(name, 3);
    const double unweighted = loss->evaluate(logits, labels, nullptr).value;
    CHECK(log.lines.empty());
    CHECK(loss->evaluate(logits, labels, &weights).value == unweighted);
    CHECK(loss->evaluate(logits, labels, &weights).value == unweighted);
    REQUIRE(log.lines.size() == 1);
    CHECK_THAT(log.lines[0], Catch::Matchers::EndsWith(
                                 fmt::format("WARN  loss '{}' ignores the weight map (as NiftyNet does): every voxel "
                                             "counts once\n",
                                             name)));
  }
}

TEST_CASE("the gradient has the logits' shape and dtype for 1-, 2- and 3-D images", "[nn][loss]") {
  for (const voxtrain::Shape& shape :
       {voxtrain::Shape{2, 2, 5}, voxtrain::Shape{2, 2, 3, 4}, voxtrain::Shape{2, 2, 2, 3, 4}}) {
    std::vector<std::int64_t> label_extents(shape.extents().begin(), shape.extents().end());
    label_extents[1] = 1;
    const Tensor labels = Tensor::zeros(voxtrain::Shape(label_extents), voxtrain::DType::Int32);
    const auto result = voxtrain::make_loss("Dice", 2)->evaluate(random_tensor(shape, 18, -2.0f, 2.0f), labels, nullptr);
    CHECK(result.grad_logits.shape() == shape);
    CHECK(result.grad_logits.dtype() == voxtrain::DType::Float32);
  }
}
