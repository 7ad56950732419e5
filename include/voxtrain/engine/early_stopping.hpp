// early_stopping.hpp — NiftyNet's early-stopping rules (handler_early_stopping.check_should_stop):
// given the last validation losses, should training stop?
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace voxtrain {

// [TRAINING] early_stopping_mode; NiftyNet's names in comments. Each compares the last loss with
// what came before:
enum class EarlyStoppingMode {
  Mean,                // "mean": last > mean of the others
  RobustMean,          // "robust_mean": last > mean of the others strictly inside their 5th-95th percentiles
  Median,              // "median": last > median of the others
  GeneralisationLoss,  // "generalisation_loss": (last - min) / (max - min) over all > 0.2 (last if min == 0)
  MedianSmoothing,     // "median_smoothing": the others median-filtered (kernel_size, scipy's reflect
                       // edges), their gradient (numpy.gradient); stop when fewer than half its values
                       // are < min_delta
  ValidationUp         // "validation_up": drop len % k_splits leading values, cut the rest into k_splits
                       // strips; stop when every strip's generalisation loss is >= min_delta
};

// "mean", "robust_mean", ... (NiftyNet's spelling).
std::string_view early_stopping_mode_name(EarlyStoppingMode mode);
std::vector<std::string> early_stopping_mode_names();
// NiftyNet's name to the mode; an unknown name throws Error listing the names (with a "did you
// mean"). where prefixes the message, e.g. "config.ini: [TRAINING] early_stopping_mode".
EarlyStoppingMode parse_early_stopping_mode(std::string_view name,
                                            std::string_view where = "[TRAINING] early_stopping_mode");

// NiftyNet's check_should_stop, with its arithmetic (numpy's pairwise sums, percentiles and
// medians), so each decision is NiftyNet's. performance_history is oldest first, the newest last.
//
// What the early_stopper handler passes (NiftyNet's PerformanceLogger + EarlyStopper): after every
// validation iteration, the CONSOLE value total_loss is appended to a history that keeps the last
// `patience` ([TRAINING] patience, default 100) values, dropping the oldest; once the history holds
// exactly `patience` values, each iteration_finished calls check_should_stop(history, mode) with
// the default min_delta, kernel_size and k_splits, and a true result sets should_stop. Before the
// history is full nothing is checked.
//
// Errors (Error): an empty history; median_smoothing with fewer than 3 values (numpy.gradient needs
// 2 after the last is set aside); validation_up with fewer than k_splits values (an empty strip);
// kernel_size or k_splits < 1. A history containing NaN never stops training (NiftyNet's
// comparisons with NaN are false; for median_smoothing this is voxtrain's choice). A history of
// one value never stops under mean, robust_mean and median (nothing to compare with).
bool check_should_stop(std::span<const double> performance_history, EarlyStoppingMode mode,
                       double min_delta = 0.03, int kernel_size = 5, int k_splits = 5);

// NiftyNet's compute_generalisation_loss: (last - min) / (max - min), or last when min == 0
// (NaN when max == min != 0). history must not be empty.
double generalisation_loss(std::span<const double> history);

}  // namespace voxtrain
