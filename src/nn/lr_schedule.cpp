// lr_schedule.cpp — the four schedules, written in t = iteration - 1 (updates already made), and
// the validation of their settings.
#include "voxtrain/nn/lr_schedule.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {


void require_non_negative(std::string_view schedule, std::string_view key, double value, std::string_view example) {
  if (!(std::isfinite(value) && value >= 0.0))
    throw error("[TRAINING] {} = {} must be a finite number >= 0 for lr_schedule '{}': use a value "
                "such as {}",
                key, value, schedule, example);
}

void require_positive(std::string_view schedule, std::string_view key, double value, std::string_view example) {
  if (!(std::isfinite(value) && value > 0.0))
    throw error("[TRAINING] {} = {} must be a finite number > 0 for lr_schedule '{}': use a value "
                "such as {}",
                key, value, schedule, example);
}

void require_at_least_one(std::string_view schedule, std::string_view key, std::int64_t value, std::string_view example) {
  if (value < 1)
    throw error("[TRAINING] {} = {} must be at least 1 for lr_schedule '{}': use a value such as {}",
                key, value, schedule, example);
}

// lr
class Constant final : public LrSchedule {
 public:
  explicit Constant(const LrScheduleConfig& c) : LrSchedule("constant"), lr_(c.lr) {}

 private:
  double at(std::int64_t) const override { return lr_; }
  double lr_;
};

// lr * gamma^floor(t / step_size)
class Step final : public LrSchedule {
 public:
  explicit Step(const LrScheduleConfig& c) : LrSchedule("step"), lr_(c.lr), gamma_(c.gamma), step_size_(c.step_size) {
    require_at_least_one(name(), "lr_step_size", step_size_, "1000");
    require_positive(name(), "lr_gamma", gamma_, "0.1");
  }

 private:
  double at(std::int64_t t) const override {
    return lr_ * std::pow(gamma_, static_cast<double>(t / step_size_));
  }
  double lr_, gamma_;
  std::int64_t step_size_;
};

// (lr - end_lr) * (1 - min(t, max_iter) / max_iter)^power + end_lr
class Polynomial final : public LrSchedule {
 public:
  explicit Polynomial(const LrScheduleConfig& c)
      : LrSchedule("polynomial"), lr_(c.lr), end_lr_(c.end_lr), power_(c.power), max_iter_(c.max_iter) {
    require_at_least_one(name(), "max_iter", max_iter_, "10000");
    require_non_negative(name(), "end_lr", end_lr_, "0 or 1e-6");
    require_positive(name(), "lr_power", power_, "1 or 0.9");
  }

 private:
  double at(std::int64_t t) const override {
    const double p = static_cast<double>(std::min(t, max_iter_)) / static_cast<double>(max_iter_);
    return (lr_ - end_lr_) * std::pow(1.0 - p, power_) + end_lr_;
  }
  double lr_, end_lr_, power_;
  std::int64_t max_iter_;
};

// t < W: warmup_start_lr + (lr - warmup_start_lr) * t / W;
// then min_lr + (lr - min_lr) * (1 + cos(pi * (min(t, max_iter) - W) / (max_iter - W))) / 2.
class Cosine final : public LrSchedule {
 public:
  explicit Cosine(const LrScheduleConfig& c)
      : LrSchedule("cosine"),
        lr_(c.lr),
        min_lr_(c.min_lr),
        warmup_start_lr_(c.warmup_start_lr),
        max_iter_(c.max_iter),
        warmup_iters_(c.warmup_iters) {
    require_at_least_one(name(), "max_iter", max_iter_, "10000");
    require_non_negative(name(), "min_lr", min_lr_, "0 or 1e-6");
    require_non_negative(name(), "warmup_start_lr", warmup_start_lr_, "0");
    if (warmup_iters_ < 0 || warmup_iters_ > max_iter_)
      throw error("[TRAINING] warmup_iters = {} must lie in [0, max_iter = {}] for lr_schedule 'cosine': "
                  "use a value such as {}",
                  warmup_iters_, max_iter_, std::min<std::int64_t>(1000, max_iter_ / 10));
  }

 private:
  double at(std::int64_t t) const override {
    if (t < warmup_iters_)
      return warmup_start_lr_ +
             (lr_ - warmup_start_lr_) * static_cast<double>(t) / static_cast<double>(warmup_iters_);
    if (max_iter_ == warmup_iters_) return min_lr_;
    const double p = static_cast<double>(std::min(t, max_iter_) - warmup_iters_) /
                     static_cast<double>(max_iter_ - warmup_iters_);
    return min_lr_ + (lr_ - min_lr_) * 0.5 * (1.0 + std::cos(std::numbers::pi * p));
  }
  double lr_, min_lr_, warmup_start_lr_;
  std::int64_t max_iter_, warmup_iters_;
};

struct Entry {
  std::string name;
  std::unique_ptr<LrSchedule> (*make)(const LrScheduleConfig&);
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"constant", [](const LrScheduleConfig& c) -> std::unique_ptr<LrSchedule> { return std::make_unique<Constant>(c); }},
      {"step", [](const LrScheduleConfig& c) -> std::unique_ptr<LrSchedule> { return std::make_unique<Step>(c); }},
      {"polynomial", [](const LrScheduleConfig& c) -> std::unique_ptr<LrSchedule> { return std::make_unique<Polynomial>(c); }},
      {"cosine", [](const LrScheduleConfig& c) -> std::unique_ptr<LrSchedule> { return std::make_unique<Cosine>(c); }},
  };
  return entries;
}

}  // namespace

double LrSchedule::learning_rate(std::int64_t iteration) const {
  if (iteration < 1)
    throw error("lr_schedule '{}' was asked for iteration {}: iterations start at 1 (NiftyNet's "
                "numbering)",
                name_, iteration);
  return at(iteration - 1);
}

std::vector<std::string> lr_schedule_names() {
  std::vector<std::string> names;
  for (const Entry& e : registry()) names.push_back(e.name);
  return names;
}

std::unique_ptr<LrSchedule> make_lr_schedule(const LrScheduleConfig& config) {
  const std::string wanted = to_lower(config.name);
  for (const Entry& e : registry()) {
    if (e.name != wanted) continue;
    require_non_negative(e.name, "lr", config.lr, "0.01");
    return e.make(config);
  }
  const std::vector<std::string> names = lr_schedule_names();
  throw error("[TRAINING] lr_schedule = '{}' is not a schedule voxtrain knows: use one of {}{}",
              config.name, join(names), did_you_mean(config.name, names));
}

}  // namespace voxtrain
