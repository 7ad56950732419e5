// iteration_message.cpp — the iteration's clock and its console line in NiftyNet's format.
#include "voxtrain/engine/iteration_message.hpp"

#include <fmt/format.h>

#include <cmath>

namespace voxtrain {

std::string_view iteration_phase_name(IterationPhase phase) {
  switch (phase) {
    case IterationPhase::Training: return "training";
    case IterationPhase::Validation: return "validation";
    case IterationPhase::Inference: return "inference";
    case IterationPhase::VolumeValidation: return "volume_validation";
  }
  return "training";
}

IterationMessage::IterationMessage(std::int64_t current_iter, IterationPhase phase)
    : current_iter_(current_iter), phase_(phase), tic_(Clock::now()) {}

void IterationMessage::set_current_iter(std::int64_t iter) {
  current_iter_ = iter;
  tic_ = Clock::now();
  toc_.reset();
  console.clear();
}

void IterationMessage::finish_timing() { toc_ = Clock::now(); }

double IterationMessage::duration() const {
  const Clock::time_point end = toc_ ? *toc_ : Clock::now();
  return std::chrono::duration<double>(end - tic_).count();
}

std::string format_console_value(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Python's repr: the shortest text that reads back, with ".0" on whole numbers; a value that is
  // a float32 (what the collectors hold) as the float it is, as numpy prints it.
  const auto single = static_cast<float>(value);
  std::string text = static_cast<double>(single) == value ? fmt::format("{}", single) : fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

std::string IterationMessage::to_console_string() const {
  std::string values;
  for (const auto& [name, value] : console) {
    if (!values.empty()) values += ", ";
    values += fmt::format("{}={}", name, format_console_value(value));
  }
  const std::string line =
      values.empty() ? fmt::format("{} iter {} ({:f}s)", iteration_phase_name(phase_), current_iter_, duration())
                     : fmt::format("{} iter {}, {} ({:f}s)", iteration_phase_name(phase_), current_iter_, values, duration());
  return is_validation() || is_volume_validation() ? "    " + line : line;
}

}  // namespace voxtrain
