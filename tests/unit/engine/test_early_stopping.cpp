// test_early_stopping.cpp — NiftyNet's handler_early_stopping_test.py vectors, 318 decisions
// computed with numpy / scipy by tests/data/early_stopping/make_fixtures.py, and the mode names.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/fixtures.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/engine/early_stopping.hpp"

using namespace voxtrain;

namespace {

bool stop(const std::vector<double>& history, std::string_view mode, double min_delta = 0.03) {
  return check_should_stop(history, parse_early_stopping_mode(mode), min_delta);
}

std::vector<double> arange(int from, int to, double scale = 1.0) {
  std::vector<double> v;
  for (int i = from; i < to; ++i) v.push_back(i * scale);
  return v;
}

std::vector<double> reversed(std::vector<double> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("early stopping: NiftyNet's test vectors", "[engine][early_stopping]") {
  CHECK(stop({1, 2, 1, 2, 1, 2, 1, 2, 3}, "mean"));
  CHECK_FALSE(stop({1, 2, 1, 2, 1, 2, 1, 2, 3, 0}, "mean"));
  CHECK_FALSE(stop({1, 2, 1, 2, 1, 2, 1, 200, -10, 1.4}, "robust_mean"));
  CHECK(stop({1, 2, 1, 2, 1, 2, 1, 200, -10, 1.5}, "robust_mean"));
  CHECK(stop({1, 2, 1, 2, 1, 2, 1, 2, 3}, "median"));
  CHECK_FALSE(stop({1, 2, 1, 2, 1, 2, 1, 2, 3, 0}, "median"));
  CHECK(stop({1, 2, 1, 2, 1, 2, 1, 2, 3}, "generalisation_loss"));
  CHECK_FALSE(stop({1, 2, 1, 2, 3, 2, 1, 2, 1}, "generalisation_loss"));

  // np.arange(0, 20) / 10.0 and its reverse (numpy divides; so do we, not multiply by 0.1).
  std::vector<double> up;
  for (int i = 0; i < 20; ++i) up.push_back(i / 10.0);
  CHECK(stop(up, "validation_up"));
  CHECK_FALSE(stop(reversed(up), "validation_up"));
  CHECK(stop(up, "median_smoothing"));
  CHECK_FALSE(stop(reversed(up), "median_smoothing"));

  // Saw-teeth, ten times: (arange(1, 9) ++ arange(2, 10)[::-1]) and (arange(0, 8) ++ arange(1, 9)[::-1]).
  std::vector<double> saw_up, saw_smooth;
  for (int k = 0; k < 10; ++k) {
    for (double v : arange(1, 9)) saw_up.push_back(v);
    for (double v : reversed(arange(2, 10))) saw_up.push_back(v);
    for (double v : arange(0, 8)) saw_smooth.push_back(v);
    for (double v : reversed(arange(1, 9))) saw_smooth.push_back(v);
  }
  CHECK_FALSE(stop(saw_up, "validation_up", 0.2));
  CHECK_FALSE(stop(saw_smooth, "median_smoothing"));

  // test_weird_mode
  CHECK_THROWS_AS(parse_early_stopping_mode("adslhfjdkas"), Error);
}

TEST_CASE("early stopping: decisions numpy and scipy computed (tests/data/early_stopping/expected.txt)",
          "[engine][early_stopping]") {
  std::ifstream in(voxtrain::testing::fixture_path("early_stopping/expected.txt"));
  REQUIRE(in);
  std::string line;
  int cases = 0, stops = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string mode;
    double min_delta = 0;
    int kernel_size = 0, k_splits = 0, expected = 0;
    fields >> mode >> min_delta >> kernel_size >> k_splits >> expected;
    std::vector<double> history;
    std::string value;
    while (fields >> value) history.push_back(std::stod(value));
    INFO("line " << cases + 1 << ": " << mode << ", " << history.size() << " values, min_delta " << min_delta
                 << ", kernel " << kernel_size << ", k_splits " << k_splits);
    REQUIRE(history.size() >= 3);
    CHECK(check_should_stop(history, parse_early_stopping_mode(mode), min_delta, kernel_size, k_splits) ==
          (expected == 1));
    ++cases;
    stops += expected;
  }
  CHECK(cases == 318);
  CHECK(stops > 60);
  CHECK(cases - stops > 60);
}

TEST_CASE("early stopping: generalisation loss by hand", "[engine][early_stopping]") {
  CHECK(generalisation_loss(std::vector<double>{1, 2, 1, 2, 1, 2, 1, 2, 3}) == 1.0);   // (3 - 1) / (3 - 1)
  CHECK(generalisation_loss(std::vector<double>{2, 4, 3}) == 0.5);                     // (3 - 2) / (4 - 2)
  CHECK(generalisation_loss(std::vector<double>{0, 5, 2}) == 2.0);                     // min 0: the last value
  CHECK(std::isnan(generalisation_loss(std::vector<double>{0.5, 0.5})));               // 0 / 0
}

TEST_CASE("early stopping: histories it cannot judge", "[engine][early_stopping]") {
  CHECK_THROWS_WITH(check_should_stop(std::vector<double>{}, EarlyStoppingMode::Mean), Catch::Contains("no validation loss"));
  CHECK_THROWS_WITH(check_should_stop(std::vector<double>{1, 2}, EarlyStoppingMode::MedianSmoothing),
                    Catch::Contains("at least 3"));
  CHECK_NOTHROW(check_should_stop(std::vector<double>{1, 2, 3}, EarlyStoppingMode::MedianSmoothing));
  CHECK_THROWS_WITH(check_should_stop(std::vector<double>{1, 2, 3, 4}, EarlyStoppingMode::ValidationUp),
                    Catch::Contains("cannot be cut into 5 strips"));
  CHECK_THROWS(check_should_stop(std::vector<double>{1, 2, 3}, EarlyStoppingMode::MedianSmoothing, 0.03, 0));
  // One value: nothing to compare with.
  for (auto mode : {EarlyStoppingMode::Mean, EarlyStoppingMode::RobustMean, EarlyStoppingMode::Median})
    CHECK_FALSE(check_should_stop(std::vector<double>{5.0}, mode));
  // NaN anywhere: never stop.
  const double nan = std::nan("");
  for (const auto& name : early_stopping_mode_names())
    CHECK_FALSE(check_should_stop(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, nan}, parse_early_stopping_mode(name)));
  CHECK_FALSE(check_should_stop(std::vector<double>{1, nan, 1, 2, 3, 4, 5, 6, 7, 8, 50}, EarlyStoppingMode::Mean));
}

TEST_CASE("early stopping: modes by NiftyNet's names", "[engine][early_stopping]") {
  CHECK(early_stopping_mode_names() == std::vector<std::string>{"mean", "robust_mean", "median", "generalisation_loss",
                                                                "median_smoothing", "validation_up"});
  for (const auto& name : early_stopping_mode_names())
    CHECK(early_stopping_mode_name(parse_early_stopping_mode(name)) == name);
  CHECK_THROWS_WITH(parse_early_stopping_mode("robust-mean", "config.ini: [TRAINING] early_stopping_mode"),
                    "config.ini: [TRAINING] early_stopping_mode = 'robust-mean' is not an early-stopping mode (did you mean "
                    "'robust_mean'?): use one of mean, robust_mean, median, generalisation_loss, median_smoothing, "
                    "validation_up");
  CHECK_THROWS(parse_early_stopping_mode("Mean"));  // NiftyNet's names are lower case
}
