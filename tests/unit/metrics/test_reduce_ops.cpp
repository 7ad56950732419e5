// test_reduce_ops.cpp — NegLoss and ReduceMeanMasked: hand values, every axis of a 3-D tensor
// with a broadcast mask against a naive loop, empty masks, and bad-input errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "aux_op_test_support.hpp"
#include "voxtrain/metrics/reduce_ops.hpp"

using namespace voxtrain;
using namespace voxtrain::test::aux_ops;
using Catch::Matchers::Contains;

TEST_CASE("NegLoss: minus the loss, weighted by the batch size", "[metrics]") {
  AuxInputs in;
  in.loss = 0.25;
  in.predictions = Tensor::zeros({4, 2, 3});
  const AuxOutputs out = NegLoss("neg_loss", {.do_summary = false, .do_print = true}).compute(in);
  REQUIRE(out.scalars.size() == 1);
  CHECK(out.scalars[0].name == "neg_loss");
  CHECK(out.scalars[0].value == -0.25);
  CHECK(out.scalars[0].weight == 4.0);
  CHECK_FALSE(out.scalars[0].do_summary);
  CHECK(out.scalars[0].do_print);
  in.predictions = Tensor();
  CHECK(NegLoss("n").compute(in).scalars[0].weight == 1.0);
  in.loss.reset();
  CHECK_THAT(error_of([&] { (void)NegLoss("n").compute(in); }), Contains("NegLoss 'n': no loss value was given"));
  in.loss = std::nan("");
  CHECK_THAT(error_of([&] { (void)NegLoss("n").compute(in); }), Contains("NegLoss 'n': the loss is nan"));
}

TEST_CASE("ReduceMeanMasked: masked means over everything and along an axis, by hand", "[metrics]") {
  AuxInputs in;
  in.predictions = floats({2, 3}, {1, 2, 3, 4, 5, 6});
  in.tensors["m"] = ints({2, 3}, {1, 0, 1, 0, 0, 0});
  SECTION("no axis: one value, weight = the count") {
    const AuxOutputs out = ReduceMeanMasked("r", "m").compute(in);
    REQUIRE(out.scalars.size() == 1);
    CHECK(out.scalars[0].value == 2.0);  // (1 + 3) / 2
    CHECK(out.scalars[0].weight == 2.0);
    CHECK(out.tensors.at("r").shape() == Shape{1});
    CHECK(values_of(out.tensors.at("r_count")) == std::vector<double>{2});
  }
  SECTION("no mask: every element") {
    const AuxOutputs out = ReduceMeanMasked("r").compute(in);
    CHECK(out.scalars[0].value == 3.5);
    CHECK(out.scalars[0].weight == 6.0);
  }
  SECTION("a mask broadcast over the columns") {
    in.tensors["m"] = ints({2, 1}, {1, 0});
    CHECK(ReduceMeanMasked("r", "m").compute(in).scalars[0].value == 2.0);  // (1 + 2 + 3) / 3
  }
  SECTION("axis 1 (and -1): per row; an empty row is NaN; no scalar") {
    for (int axis : {1, -1}) {
      const AuxOutputs out = ReduceMeanMasked("r", "m", axis).compute(in);
      CHECK(out.scalars.empty());
      const std::vector<double> mean = values_of(out.tensors.at("r"));
      REQUIRE(mean.size() == 2);
      CHECK(mean[0] == 2.0);
      CHECK(std::isnan(mean[1]));
      CHECK(values_of(out.tensors.at("r_count")) == std::vector<double>{2, 0});
    }
  }
  SECTION("axis 0: per column") {
    const AuxOutputs out = ReduceMeanMasked("r", "m", 0).compute(in);
    const std::vector<double> mean = values_of(out.tensors.at("r"));
    CHECK(mean[0] == 1.0);
    CHECK(std::isnan(mean[1]));
    CHECK(mean[2] == 3.0);
  }
  SECTION("an empty mask: NaN with weight 0") {
    in.tensors["m"] = ints({2, 3}, {0, 0, 0, 0, 0, 0});
    const AuxOutputs out = ReduceMeanMasked("r", "m").compute(in);
    CHECK(std::isnan(out.scalars[0].value));
    CHECK(out.scalars[0].weight == 0.0);
  }
}

TEST_CASE("ReduceMeanMasked: every axis of a [2, 3, 4] tensor with a [2, 1, 4] mask, against a naive loop", "[metrics]") {
  std::vector<double> x(24);
  std::vector<int> m(8);
  for (int i = 0; i < 24; ++i) x[static_cast<std::size_t>(i)] = (i * 7) % 11 - 3.5;
  for (int i = 0; i < 8; ++i) m[static_cast<std::size_t>(i)] = (i * 5) % 3 != 0 ? 1 : 0;
  AuxInputs in;
  in.predictions = floats({2, 3, 4}, x);
  in.tensors["m"] = ints({2, 1, 4}, m);
  const int extent[3] = {2, 3, 4};
  for (int axis = 0; axis < 3; ++axis) {
    INFO("axis " << axis);
    // Reference: the two kept axes in order, summing over the reduced one.
    std::vector<double> sum, count;
    const int a0 = axis == 0 ? 1 : 0, a1 = axis == 2 ? 1 : 2;
    for (int u = 0; u < extent[a0]; ++u)
      for (int w = 0; w < extent[a1]; ++w) {
        double s = 0, c = 0;
        for (int r = 0; r < extent[axis]; ++r) {
          int idx[3];
          idx[axis] = r;
          idx[a0] = u;
          idx[a1] = w;
          if (m[static_cast<std::size_t>(idx[0] * 4 + idx[2])] == 0) continue;
          s += x[static_cast<std::size_t>((idx[0] * 3 + idx[1]) * 4 + idx[2])];
          c += 1;
        }
        sum.push_back(s);
        count.push_back(c);
      }
    const AuxOutputs out = ReduceMeanMasked("r", "m", axis).compute(in);
    const std::vector<double> mean = values_of(out.tensors.at("r"));
    REQUIRE(mean.size() == sum.size());
    CHECK(values_of(out.tensors.at("r_count")) == count);
    for (std::size_t i = 0; i < mean.size(); ++i) {
      if (count[i] == 0)
        CHECK(std::isnan(mean[i]));
      else
        CHECK(mean[i] == Approx(sum[i] / count[i]).epsilon(1e-6));
    }
  }
}

TEST_CASE("ReduceMeanMasked: bad inputs", "[metrics]") {
  AuxInputs in;
  in.predictions = floats({2, 3}, {1, 2, 3, 4, std::nan(""), 6});
  in.tensors["m"] = ints({2, 3}, {1, 1, 1, 1, 0, 1});
  // NaN outside the mask is ignored; inside it is an error.
  CHECK(ReduceMeanMasked("r", "m").compute(in).scalars[0].value == Approx(16.0 / 5));
  CHECK_THAT(error_of([&] { (void)ReduceMeanMasked("r").compute(in); }),
             Contains("ReduceMeanMasked 'r': the predictions tensor [2, 3] holds NaN at element 4 inside the mask"));
  CHECK_THAT(error_of([&] { (void)ReduceMeanMasked("r", "m", 2).compute(in); }),
             Contains("axis = 2 is out of range for the predictions [2, 3]"));
  in.tensors["m"] = ints({3, 2}, {1, 1, 1, 1, 1, 1});
  CHECK_THAT(error_of([&] { (void)ReduceMeanMasked("r", "m").compute(in); }),
             Contains("the mask 'm' has shape [3, 2], which does not broadcast to the predictions [2, 3]"));
  CHECK_THAT(error_of([&] { (void)ReduceMeanMasked("r", "mask").compute(in); }),
             Contains("mask_tag = 'mask' is not among this iteration's tensors"));
}
