// test_shape.cpp — Shape validates its extents and computes numel and strides like a naive loop.
#include <catch2/catch.hpp>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/tensor/shape.hpp"

using voxtrain::Shape;

TEST_CASE("Shape counts elements and prints itself", "[core]") {
  const Shape s{2, 3, 4, 5, 6};
  CHECK(s.rank() == 5);
  CHECK(s.numel() == 2 * 3 * 4 * 5 * 6);
  CHECK(s[4] == 6);
  CHECK(s.to_string() == "[2, 3, 4, 5, 6]");
  CHECK(Shape{}.numel() == 1);  // a scalar
  CHECK(Shape{}.to_string() == "[]");
  CHECK(Shape{3, 0, 2}.numel() == 0);
  CHECK(Shape{1, 2} == Shape{1, 2});
  CHECK_FALSE(Shape{1, 2} == Shape{2, 1});
  CHECK_FALSE(Shape{1, 2} == Shape{1, 2, 1});
}

TEST_CASE("Shape strides match row-major offsets counted by a naive loop", "[core]") {
  const Shape s{2, 3, 4, 5};
  const auto strides = s.strides();
  std::int64_t expected_offset = 0;
  for (std::int64_t a = 0; a < 2; ++a)
    for (std::int64_t b = 0; b < 3; ++b)
      for (std::int64_t c = 0; c < 4; ++c)
        for (std::int64_t d = 0; d < 5; ++d) {
          const std::int64_t offset = a * strides[0] + b * strides[1] + c * strides[2] + d * strides[3];
          REQUIRE(offset == expected_offset);
          ++expected_offset;
        }
}

TEST_CASE("Shape rejects more than 5 dimensions and negative extents", "[core]") {
  CHECK_THROWS_WITH((Shape{1, 2, 3, 4, 5, 6}),
                    "a tensor shape has 6 dimensions, but voxtrain tensors have at most 5 (NCDHW)");
  CHECK_THROWS_WITH((Shape{4, -1}), "a tensor shape has a negative extent -1 on axis 1");
  CHECK_THROWS_AS(Shape({2, 3})[2], voxtrain::InternalError);
}
