// csv_logger.hpp — the console values of every iteration as CSV, one file per phase
// (model_dir/logs/training.csv, validation.csv): iteration, then each value by name.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

class CsvLogger final : public Handler {
 public:
  // dir: where <phase>.csv files go (created). A resumed run appends to them.
  explicit CsvLogger(std::string dir);
  ~CsvLogger() override;
  void connect(EngineSignals& signals) override;

 private:
  struct PhaseFile {
    std::FILE* file = nullptr;
    std::vector<std::string> columns;  // value names, from the header or the first row
  };
  void on_iteration(const IterationMessage& message);
  PhaseFile& open(IterationPhase phase, const IterationMessage& first);

  std::string dir_;
  std::map<IterationPhase, PhaseFile> files_;
};

}  // namespace voxtrain
