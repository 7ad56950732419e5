// performance_logger.cpp — per-iteration timings to CSV and their means to the log.
#include "voxtrain/engine/handlers/performance_logger.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"

namespace voxtrain {

PerformanceLogger::PerformanceLogger(std::string csv_path) : csv_path_(std::move(csv_path)) {
  if (csv_path_.empty()) return;
  const std::filesystem::path path(csv_path_);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  const bool fresh = !std::filesystem::exists(path);
  csv_ = std::fopen(csv_path_.c_str(), "a");
  if (csv_ == nullptr)
    throw error("performance_logger: cannot write {}: check that model_dir is writable", csv_path_);
  if (fresh) fmt::print(csv_, "phase,iteration,total_s,data_wait_s,forward_s,backward_s,communication_s,optimizer_s\n");
}

PerformanceLogger::~PerformanceLogger() {
  if (csv_ != nullptr) std::fclose(csv_);
}

void PerformanceLogger::connect(EngineSignals& signals) {
  listen(signals.iteration_finished, [this](IterationMessage& m) { on_iteration(m); });
  listen(signals.session_finished, [this](IterationMessage&) {
    if (count_ > 0) log_info("{}", summary());
  });
}

void PerformanceLogger::on_iteration(const IterationMessage& m) {
  const IterationTiming& t = m.timing;
  const double total = m.duration();
  if (csv_ != nullptr) {
    fmt::print(csv_, "{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f}\n", iteration_phase_name(m.phase()),
               m.current_iter(), total, t.data_wait, t.forward, t.backward, t.communication, t.optimizer);
    std::fflush(csv_);
  }
  if (!m.is_training()) return;
  sum_.data_wait += t.data_wait;
  sum_.forward += t.forward;
  sum_.backward += t.backward;
  sum_.communication += t.communication;
  sum_.optimizer += t.optimizer;
  total_ += total;
  ++count_;
}

std::string PerformanceLogger::summary() const {
  const double n = count_ > 0 ? static_cast<double>(count_) : 1.0;
  return fmt::format(
      "performance: {} training iterations, mean {:.3f} s each: data wait {:.3f}, forward {:.3f}, backward {:.3f}, "
      "communication {:.3f}, optimizer {:.3f}",
      count_, total_ / n, sum_.data_wait / n, sum_.forward / n, sum_.backward / n, sum_.communication / n,
      sum_.optimizer / n);
}

}  // namespace voxtrain
