// lr_schedule.hpp — the learning rate as a function of the (1-based, NiftyNet) iteration:
// constant, step, polynomial, and cosine with linear warm-up. Formulas in docs/OPTIMIZERS.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace voxtrain {

// [TRAINING] keys in comments; the schedule reads only those its name uses.
struct LrScheduleConfig {
  std::string name = "constant";  // lr_schedule: constant, step, polynomial, cosine (case-insensitive)
  double lr = 0.01;               // lr: the base rate (NiftyNet's default 0.01)
  // step: lr * gamma^floor((iteration - 1) / step_size)
  std::int64_t step_size = 1000;  // lr_step_size
  double gamma = 0.1;             // lr_gamma (PyTorch StepLR's default)
  // polynomial and cosine end after max_iter updates
  std::int64_t max_iter = 10000;  // max_iter (NiftyNet's default)
  double end_lr = 0.0;            // end_lr: polynomial's final rate
  double power = 1.0;             // lr_power: polynomial's exponent (1 = linear; nnU-Net uses 0.9)
  // cosine
  std::int64_t warmup_iters = 0;  // warmup_iters: linear warm-up length, 0 = none
  double warmup_start_lr = 0.0;   // warmup_start_lr: the rate of the first iteration
  double min_lr = 0.0;            // min_lr: cosine's final rate
};

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  // The rate for this iteration; the first iteration is 1. Throws Error for iteration < 1.
  double learning_rate(std::int64_t iteration) const;
  const std::string& name() const { return name_; }

 protected:
  explicit LrSchedule(std::string name) : name_(std::move(name)) {}
  // t = iteration - 1: the number of updates already made.
  virtual double at(std::int64_t t) const = 0;

 private:
  std::string name_;
};

std::vector<std::string> lr_schedule_names();  // constant, step, polynomial, cosine

// Throws Error for an unknown name (listing the valid ones and the closest) or a setting out of
// range (negative lr, step_size < 1, warmup_iters > max_iter, ...).
std::unique_ptr<LrSchedule> make_lr_schedule(const LrScheduleConfig& config);

}  // namespace voxtrain
