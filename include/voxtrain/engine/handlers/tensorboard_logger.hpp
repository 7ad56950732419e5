// tensorboard_logger.hpp — rank 0 writes the SUMMARY collection as TensorBoard events every
// tensorboard_every_n iterations: scalars, histograms of weights and gradients, mid-slice images;
// training and validation go to model_dir/logs/training and model_dir/logs/validation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

class OutputsCollector;
class TensorBoardWriter;

class TensorBoardLogger final : public Handler {
 public:
  TensorBoardLogger(OutputsCollector& outputs, std::string logs_dir, std::int64_t every_n);
  ~TensorBoardLogger() override;
  void connect(EngineSignals& signals) override;

 private:
  void write(const IterationMessage& message);
  TensorBoardWriter& writer(IterationPhase phase);

  OutputsCollector& outputs_;
  std::string logs_dir_;
  std::int64_t every_n_;
  std::unique_ptr<TensorBoardWriter> training_, validation_;
};

}  // namespace voxtrain
