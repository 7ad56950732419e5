// test_loggers.cpp — the console, CSV and performance loggers: the lines and files they write for
// training, validation and volume_validation iterations, in place on a terminal or one per line,
// columns kept by a resumed run, and timing means computed by hand.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>

#include "voxtrain/engine/engine_signals.hpp"
#include "voxtrain/engine/handlers/console_logger.hpp"
#include "voxtrain/engine/handlers/csv_logger.hpp"
#include "voxtrain/engine/handlers/performance_logger.hpp"

#include "support/test_files.hpp"

using namespace voxtrain;
using namespace voxtrain::testing;
using Catch::Matchers::Matches;

namespace {

IterationMessage message(std::int64_t iter, IterationPhase phase, std::vector<std::pair<std::string, double>> console) {
  IterationMessage m(iter, phase);
  m.console = std::move(console);
  m.finish_timing();
  return m;
}

// Everything written to a temporary FILE*.
std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) text += static_cast<char>(c);
  return text;
}

}  // namespace

TEST_CASE("console_logger: plain lines off a terminal, validation indented, speed and ETA after the first", "[engine]") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  {
    EngineSignals signals;
    ConsoleLogger logger(0, 100, out, false);
    logger.connect(signals);
    for (std::int64_t i = 1; i <= 2; ++i) {
      IterationMessage m = message(i, IterationPhase::Training, {{"loss", 0.5}});
      signals.iteration_finished.emit(m);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    IterationMessage v = message(2, IterationPhase::VolumeValidation, {{"volume_dice", 0.75}});
    signals.iteration_finished.emit(v);
  }
  const std::string text = contents(out);
  std::fclose(out);
  INFO(text);
  CHECK_THAT(text, Matches("training iter 1, loss=0\\.5 \\([0-9.]+s\\)\n"
                           "training iter 2, loss=0\\.5 \\([0-9.]+s\\) \\[[0-9.]+ it/s, ETA 0:0[0-9]:[0-9]{2}\\]\n"
                           "    volume_validation iter 2, volume_dice=0\\.75 \\([0-9.]+s\\)\n"));
  CHECK(format_eta(3723.4) == "1:02:03");
  CHECK(format_eta(-1) == "0:00:00");
}

TEST_CASE("console_logger: on a terminal training redraws one line, other lines end it", "[engine]") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  {
    EngineSignals signals;
    ConsoleLogger logger(0, 10, out, true);
    logger.connect(signals);
    IterationMessage t1 = message(1, IterationPhase::Training, {{"loss", 1.0}});
    signals.iteration_finished.emit(t1);
    IterationMessage v1 = message(1, IterationPhase::Validation, {{"loss", 2.0}});
    signals.iteration_finished.emit(v1);
    IterationMessage t2 = message(2, IterationPhase::Training, {{"loss", 3.0}});
    signals.iteration_finished.emit(t2);
    IterationMessage done(2, IterationPhase::Training);
    signals.session_finished.emit(done);
  }
  const std::string text = contents(out);
  std::fclose(out);
  INFO(text);
  CHECK_THAT(text, Matches("\r\033\\[Ktraining iter 1, loss=1\\.0 \\([0-9.]+s\\)\n"
                           "    validation iter 1, loss=2\\.0 \\([0-9.]+s\\)\n"
                           "\r\033\\[Ktraining iter 2, loss=3\\.0 \\([0-9.]+s\\)( \\[.*\\])?\n"));
}

TEST_CASE("csv_logger: one file per phase, columns from the first row, kept by a resumed run", "[engine]") {
  const ScratchDir dir("csv_logger");
  {
    EngineSignals signals;
    CsvLogger logger(dir.file("logs"));
    logger.connect(signals);
    IterationMessage t1 = message(1, IterationPhase::Training, {{"loss", 0.5}, {"patch_dice", 0.25}});
    signals.iteration_finished.emit(t1);
    IterationMessage v1 = message(1, IterationPhase::Validation, {{"loss", 0.75}});
    signals.iteration_finished.emit(v1);
    IterationMessage w1 = message(1, IterationPhase::VolumeValidation, {{"volume_dice", 0.875}, {"volume_dice_1", 1.0}});
    signals.iteration_finished.emit(w1);
  }
  {  // resumed: values in another order, one missing, one new (dropped: the header stays)
    EngineSignals signals;
    CsvLogger logger(dir.file("logs"));
    logger.connect(signals);
    IterationMessage t2 = message(2, IterationPhase::Training, {{"extra", 9.0}, {"loss", 0.125}});
    signals.iteration_finished.emit(t2);
  }
  CHECK(read_text(dir.file("logs/training.csv")) == "iteration,loss,patch_dice\n1,0.5,0.25\n2,0.125,\n");
  CHECK(read_text(dir.file("logs/validation.csv")) == "iteration,loss\n1,0.75\n");
  CHECK(read_text(dir.file("logs/volume_validation.csv")) == "iteration,volume_dice,volume_dice_1\n1,0.875,1.0\n");
}

TEST_CASE("performance_logger: a CSV row per iteration and the training means by part", "[engine]") {
  const ScratchDir dir("performance_logger");
  PerformanceLogger logger(dir.file("logs/performance.csv"));
  EngineSignals signals;
  logger.connect(signals);
  const auto run = [&](std::int64_t iter, IterationPhase phase, double wait, double fwd, double bwd) {
    IterationMessage m(iter, phase);
    m.timing = IterationTiming{.data_wait = wait, .forward = fwd, .backward = bwd, .communication = 0.5, .optimizer = 0.25};
    m.finish_timing();
    signals.iteration_finished.emit(m);
  };
  run(1, IterationPhase::Training, 1.0, 2.0, 3.0);
  run(2, IterationPhase::Training, 3.0, 4.0, 5.0);
  run(2, IterationPhase::Validation, 100.0, 100.0, 0.0);  // in the CSV, not in the training means
  const std::string summary = logger.summary();
  CHECK_THAT(summary, Matches("performance: 2 training iterations, mean [0-9.]+ s each: data wait 2\\.000, forward "
                              "3\\.000, backward 4\\.000, communication 0\\.500, optimizer 0\\.250"));
  const std::string csv = read_text(dir.file("logs/performance.csv"));
  INFO(csv);
  CHECK_THAT(csv, Matches("phase,iteration,total_s,data_wait_s,forward_s,backward_s,communication_s,optimizer_s\n"
                          "training,1,[0-9.]+,1\\.000000,2\\.000000,3\\.000000,0\\.500000,0\\.250000\n"
                          "training,2,[0-9.]+,3\\.000000,4\\.000000,5\\.000000,0\\.500000,0\\.250000\n"
                          "validation,2,[0-9.]+,100\\.000000,100\\.000000,0\\.000000,0\\.500000,0\\.250000\n"));
}
