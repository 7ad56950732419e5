// test_error.cpp — Error messages stay on one line; VOX_ASSERT names the condition and place.
#include <catch2/catch.hpp>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::Matches;

TEST_CASE("Error folds its message onto one line", "[core]") {
  const voxtrain::Error e("config.ini:3: bad value\nfor key 'x'\n");
  CHECK(std::string(e.what()) == "config.ini:3: bad value for key 'x'");
}

TEST_CASE("error() formats with fmt", "[core]") {
  const voxtrain::Error e = voxtrain::error("{}:{}: [NETWORK] {} = {}", "a.ini", 14, "batch_size", -1);
  CHECK(std::string(e.what()) == "a.ini:14: [NETWORK] batch_size = -1");
}

TEST_CASE("VOX_ASSERT throws InternalError with the condition, file:line and rank", "[core]") {
  const int window = 3;
  const int line = __LINE__ + 1;
  auto broken = [&] { VOX_ASSERT_MSG(window % 2 == 0, "window must be even"); };
  REQUIRE_THROWS_AS(broken(), voxtrain::InternalError);
  try {
    broken();
  } catch (const voxtrain::InternalError& e) {
    const std::string expected_place = "tests/unit/core/test_error.cpp:" + std::to_string(line);
    CHECK_THAT(e.what(), Contains("window % 2 == 0 does not hold (window must be even)"));
    CHECK_THAT(e.what(), Contains(expected_place));
    CHECK_THAT(e.what(), Matches("internal error on rank 0: .*"));
  }
  CHECK_NOTHROW([] { VOX_ASSERT(1 + 1 == 2); }());
}
