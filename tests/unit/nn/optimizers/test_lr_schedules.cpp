// test_lr_schedules.cpp — schedule values at chosen iterations against numbers worked out by
// hand from the formulas in docs/OPTIMIZERS.md (t = iteration - 1; NiftyNet's first iteration
// is 1), and the messages for bad settings.
#include <catch2/catch.hpp>

#include <string>

#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/lr_schedule.hpp"

using Catch::Matchers::Contains;
using voxtrain::LrScheduleConfig;
using voxtrain::make_lr_schedule;

namespace {

LrScheduleConfig named(const std::string& name) {
  LrScheduleConfig c;
  c.name = name;
  return c;
}

}  // namespace

TEST_CASE("the constant schedule is lr at every iteration", "[nn][optim]") {
  LrScheduleConfig c = named("constant");
  c.lr = 0.003;
  const auto s = make_lr_schedule(c);
  CHECK(s->learning_rate(1) == 0.003);
  CHECK(s->learning_rate(123456) == 0.003);
  CHECK(make_lr_schedule(LrScheduleConfig{})->learning_rate(1) == 0.01);  // NiftyNet's lr default
}

TEST_CASE("the step schedule multiplies by gamma after every step_size iterations", "[nn][optim]") {
  LrScheduleConfig c = named("step");
  c.lr = 0.1;
  c.step_size = 3;
  c.gamma = 0.5;
  const auto s = make_lr_schedule(c);
  // Iterations 1-3: 0.1; 4-6: 0.05; 7-9: 0.025; 10: 0.0125.
  CHECK(s->learning_rate(1) == Approx(0.1));
  CHECK(s->learning_rate(3) == Approx(0.1));
  CHECK(s->learning_rate(4) == Approx(0.05));
  CHECK(s->learning_rate(6) == Approx(0.05));
  CHECK(s->learning_rate(7) == Approx(0.025));
  CHECK(s->learning_rate(10) == Approx(0.0125));
}

TEST_CASE("the polynomial schedule goes from lr to end_lr over max_iter updates", "[nn][optim]") {
  LrScheduleConfig c = named("polynomial");
  c.lr = 0.1;
  c.end_lr = 0.01;
  c.max_iter = 10;
  c.power = 2.0;
  const auto s = make_lr_schedule(c);
  // (0.1 - 0.01) * (1 - t / 10)^2 + 0.01 with t = iteration - 1.
  CHECK(s->learning_rate(1) == Approx(0.1));           // t = 0
  CHECK(s->learning_rate(2) == Approx(0.0829));        // 0.09 * 0.81 + 0.01
  CHECK(s->learning_rate(6) == Approx(0.0325));        // 0.09 * 0.25 + 0.01
  CHECK(s->learning_rate(10) == Approx(0.0109));       // 0.09 * 0.01 + 0.01, the last of 10 updates
  CHECK(s->learning_rate(11) == Approx(0.01));         // t = max_iter
  CHECK(s->learning_rate(500) == Approx(0.01));        // held after max_iter

  c.power = 1.0;
  c.end_lr = 0.0;
  c.max_iter = 4;
  const auto linear = make_lr_schedule(c);
  CHECK(linear->learning_rate(2) == Approx(0.075));
  CHECK(linear->learning_rate(3) == Approx(0.05));
  CHECK(linear->learning_rate(5) == 0.0);
}

TEST_CASE("the cosine schedule warms up linearly and then follows half a cosine", "[nn][optim]") {
  LrScheduleConfig c = named("cosine");
  c.lr = 0.1;
  c.warmup_iters = 4;
  c.warmup_start_lr = 0.02;
  c.min_lr = 0.001;
  c.max_iter = 12;
  const auto s = make_lr_schedule(c);
  // Warm-up, t = 0..3: 0.02 + 0.08 * t / 4.
  CHECK(s->learning_rate(1) == Approx(0.02));
  CHECK(s->learning_rate(2) == Approx(0.04));
  CHECK(s->learning_rate(3) == Approx(0.06));
  CHECK(s->learning_rate(4) == Approx(0.08));
  // Cosine, t = 4..12: 0.001 + 0.099 * (1 + cos(pi * (t - 4) / 8)) / 2.
  CHECK(s->learning_rate(5) == Approx(0.1));                   // t = 4, cos 0 = 1
  CHECK(s->learning_rate(7) == Approx(0.0855017856687341));    // t = 6, cos(pi/4) = 0.70710678
  CHECK(s->learning_rate(9) == Approx(0.0505));                // t = 8, cos(pi/2) = 0
  CHECK(s->learning_rate(11) == Approx(0.0154982143312659));   // t = 10, cos(3pi/4)
  CHECK(s->learning_rate(13) == Approx(0.001));                // t = 12, cos(pi) = -1
  CHECK(s->learning_rate(1000) == Approx(0.001));

  // Without warm-up the first iteration has lr; it never rises after warm-up.
  c.warmup_iters = 0;
  const auto plain = make_lr_schedule(c);
  CHECK(plain->learning_rate(1) == Approx(0.1));
  for (std::int64_t i = 2; i <= 20; ++i) CHECK(plain->learning_rate(i) <= plain->learning_rate(i - 1));

  // Warm-up of the whole run: linear all the way, then min_lr.
  c.warmup_iters = 12;
  c.warmup_start_lr = 0.0;
  const auto all_warmup = make_lr_schedule(c);
  CHECK(all_warmup->learning_rate(1) == 0.0);
  CHECK(all_warmup->learning_rate(7) == Approx(0.05));
  CHECK(all_warmup->learning_rate(13) == Approx(0.001));
}

TEST_CASE("schedule settings out of range are refused with the key and a usable value", "[nn][optim]") {
  auto refuses = [](const LrScheduleConfig& c, const std::string& needle) {
    INFO(needle);
    CHECK_THROWS_AS(make_lr_schedule(c), voxtrain::Error);
    CHECK_THROWS_WITH(make_lr_schedule(c), Contains(needle));
  };
  LrScheduleConfig c = named("cosin");
  refuses(c, "[TRAINING] lr_schedule = 'cosin' is not a schedule voxtrain knows: use one of constant, step, "
             "polynomial, cosine (did you mean 'cosine'?)");
  c = named("constant");
  c.lr = -0.01;
  refuses(c, "[TRAINING] lr = -0.01 must be a finite number >= 0 for lr_schedule 'constant': use a value such as 0.01");
  c = named("step");
  c.step_size = 0;
  refuses(c, "[TRAINING] lr_step_size = 0 must be at least 1 for lr_schedule 'step'");
  c = named("step");
  c.gamma = 0;
  refuses(c, "[TRAINING] lr_gamma = 0 must be a finite number > 0");
  c = named("polynomial");
  c.max_iter = 0;
  refuses(c, "[TRAINING] max_iter = 0 must be at least 1 for lr_schedule 'polynomial'");
  c = named("polynomial");
  c.power = -1;
  refuses(c, "[TRAINING] lr_power = -1 must be a finite number > 0");
  c = named("cosine");
  c.max_iter = 100;
  c.warmup_iters = 101;
  refuses(c, "[TRAINING] warmup_iters = 101 must lie in [0, max_iter = 100]");
  c = named("cosine");
  c.min_lr = -1;
  refuses(c, "[TRAINING] min_lr = -1 must be a finite number >= 0");

  CHECK(make_lr_schedule(named("Cosine"))->name() == "cosine");
  CHECK_THROWS_WITH(make_lr_schedule(named("constant"))->learning_rate(0), Contains("iterations start at 1"));
}
