// csv_logger.cpp — per-phase CSV files of console values, appended line by line.
#include "voxtrain/engine/handlers/csv_logger.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "voxtrain/core/error.hpp"
#include "voxtrain/engine/iteration_message.hpp"
#include "voxtrain/io/csv_writer.hpp"

namespace voxtrain {

CsvLogger::CsvLogger(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw error("csv_logger: cannot create {}: {}; check that model_dir is writable", dir_, ec.message());
}

CsvLogger::~CsvLogger() {
  for (auto& [phase, f] : files_)
    if (f.file != nullptr) std::fclose(f.file);
}

void CsvLogger::connect(EngineSignals& signals) {
  listen(signals.iteration_finished, [this](IterationMessage& m) { on_iteration(m); });
}

CsvLogger::PhaseFile& CsvLogger::open(IterationPhase phase, const IterationMessage& first) {
  PhaseFile& f = files_[phase];
  if (f.file != nullptr) return f;
  const std::string path = fmt::format("{}/{}.csv", dir_, iteration_phase_name(phase));
  if (std::filesystem::exists(path)) {  // a resumed run: keep the columns the file has
    std::ifstream in(path);
    std::string header;
    std::getline(in, header);
    std::size_t start = header.find(',');
    while (start != std::string::npos) {
      const std::size_t next = header.find(',', start + 1);
      f.columns.push_back(header.substr(start + 1, next == std::string::npos ? std::string::npos : next - start - 1));
      start = next;
    }
  }
  const bool fresh = f.columns.empty();
  if (fresh)
    for (const auto& [name, value] : first.console) f.columns.push_back(name);
  f.file = std::fopen(path.c_str(), "a");
  if (f.file == nullptr) throw error("csv_logger: cannot write {}: check that model_dir is writable", path);
  if (fresh) {
    std::vector<std::string> header{"iteration"};
    header.insert(header.end(), f.columns.begin(), f.columns.end());
    fmt::print(f.file, "{}", csv_line(header));
  }
  return f;
}

void CsvLogger::on_iteration(const IterationMessage& m) {
  PhaseFile& f = open(m.phase(), m);
  std::vector<std::string> row{std::to_string(m.current_iter())};
  for (const std::string& column : f.columns) {
    std::string value;
    for (const auto& [name, v] : m.console)
      if (name == column) value = format_console_value(v);
    row.push_back(value);
  }
  fmt::print(f.file, "{}", csv_line(row));
  std::fflush(f.file);
}

}  // namespace voxtrain
