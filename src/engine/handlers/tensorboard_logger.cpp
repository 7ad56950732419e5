// tensorboard_logger.cpp — SUMMARY values to event files: scalars every iteration that collects
// them, histograms and images as their summary type says.
#include "voxtrain/engine/handlers/tensorboard_logger.hpp"

#include "voxtrain/engine/collectors/outputs_collector.hpp"
#include "voxtrain/io/tensorboard/tensorboard_writer.hpp"

namespace voxtrain {

TensorBoardLogger::TensorBoardLogger(OutputsCollector& outputs, std::string logs_dir, std::int64_t every_n)
    : outputs_(outputs), logs_dir_(std::move(logs_dir)), every_n_(every_n) {}

TensorBoardLogger::~TensorBoardLogger() = default;

void TensorBoardLogger::connect(EngineSignals& signals) {
  listen(signals.iteration_started, [this](IterationMessage& m) {
    // Validation values are few: every validation iteration is written.
    m.collect_summaries =
        every_n_ > 0 && (m.is_validation() || m.is_volume_validation() || m.current_iter() % every_n_ == 0);
  });
  listen(signals.iteration_finished, [this](IterationMessage& m) {
    if (m.collect_summaries && !m.is_inference()) write(m);
  });
}

TensorBoardWriter& TensorBoardLogger::writer(IterationPhase phase) {
  // Volume-level values go beside the patch-level validation values (their names differ).
  const bool validation = phase == IterationPhase::Validation || phase == IterationPhase::VolumeValidation;
  auto& slot = validation ? validation_ : training_;
  if (!slot) slot = std::make_unique<TensorBoardWriter>(logs_dir_ + (validation ? "/validation" : "/training"));
  return *slot;
}

void TensorBoardLogger::write(const IterationMessage& m) {
  TensorBoardWriter& w = writer(m.phase());
  for (const auto& [name, value] : outputs_.values(Collection::Summary)) {
    switch (outputs_.summary_type(Collection::Summary, name)) {
      case SummaryType::Scalar:
        w.add_scalar(name, value.data<float>()[0], m.current_iter());
        break;
      case SummaryType::Histogram:
        w.add_histogram(name, {value.data<float>(), static_cast<std::size_t>(value.numel())}, m.current_iter());
        break;
      case SummaryType::Image3d: {
        const auto& s = value.shape();  // [height, width] slices
        w.add_image(name, {value.data<float>(), static_cast<std::size_t>(value.numel())}, static_cast<int>(s[0]),
                    static_cast<int>(s[1]), m.current_iter());
        break;
      }
    }
  }
  w.flush();
}

}  // namespace voxtrain
