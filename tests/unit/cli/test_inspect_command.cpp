// test_inspect_command.cpp — `voxtrain inspect`: the report on a checkpoint written here (statistics
// worked by hand), --config printing the stored text, and one-line errors for bad files and arguments.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "cli/inspect_command.hpp"
#include "voxtrain/core/build_info.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/io/checkpoint/checkpoint.hpp"

#include "support/test_files.hpp"

using voxtrain::CheckpointData;
using voxtrain::DType;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace {

Tensor floats(std::initializer_list<float> v) {
  Tensor t = Tensor::empty({static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

Tensor int64s(std::initializer_list<std::int64_t> v) {
  Tensor t = Tensor::empty({static_cast<std::int64_t>(v.size())}, DType::Int64);
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return t;
}

std::string squeeze(const std::string& text) { return std::regex_replace(text, std::regex(" +"), " "); }

std::string write_sample(const ScratchDir& dir) {
  CheckpointData d;
  d.iteration = 300;
  d.network = "toynet";
  d.world_size = 2;
  d.config_text = "[NETWORK]\nname = toynet\n\n[TRAINING]\nlr = 0.01";  // 5 lines, the last without '\n'
  d.params["net.w"] = floats({1.0f, 2.0f, 3.0f, 4.0f});
  d.params["net.b"] = floats({-0.5f, std::numeric_limits<float>::quiet_NaN(), 1.5f});
  d.buffers["net.count"] = int64s({5, 7});
  d.optimizer["step"] = int64s({300});
  d.optimizer["net.w/m"] = floats({0.0f, 0.0f, 0.0f, 0.0f});
  d.optimizer["net.w/v"] = floats({0.0f, 0.0f, 0.0f, 0.0f});
  d.optimizer["net.w/step"] = int64s({300});
  d.counters["rng_seed"] = 42;
  d.counters["data_stream_position"] = 4800;
  const std::string path = dir.file("model.ckpt-300.h5");
  voxtrain::write_checkpoint(path, d);
  return path;
}

}  // namespace

TEST_CASE("voxtrain inspect: the report shows attributes, counters and per-tensor statistics", "[cli]") {
  const ScratchDir dir("inspect_ckpt");
  const std::string path = write_sample(dir);
  const std::string report = squeeze(voxtrain::checkpoint_report(path));
  INFO(report);
  CHECK_THAT(report, Contains("file: " + path + "\n"));
  CHECK_THAT(report, Contains("format: voxtrain checkpoint, format version 1, written by voxtrain " +
                              voxtrain::build_info().version + "\n"));
  CHECK_THAT(report, Contains("iteration: 300\n"));
  CHECK_THAT(report, Contains("network: toynet\n"));
  CHECK_THAT(report, Contains("world size: 2\n"));
  CHECK_THAT(report, Contains("counters: data_stream_position = 4800, rng_seed = 42\n"));
  CHECK_THAT(report, Contains("config: 5 lines (voxtrain inspect --config prints it)\n"));
  CHECK_THAT(report, Contains("parameters: 2 tensors, 7 values\n"));
  // Worked by hand: w = 1..4 (mean 2.5); b = -0.5, NaN, 1.5 (mean of the finite two: 0.5).
  CHECK_THAT(report, Contains(" net.w [4] 4 1 4 2.5\n"));
  CHECK_THAT(report, Contains(" net.b [3] 3 -0.5 1.5 0.5 (1 non-finite)\n"));
  CHECK_THAT(report, Contains("buffers: 1 tensor, 2 values\n"));
  CHECK_THAT(report, Contains(" net.count int64 [2] 2 5 7 6\n"));
  CHECK_THAT(report, Contains("optimizer: 4 entries, 10 values\n"));
  CHECK_THAT(report, Contains(" step = 300\n"));
  CHECK_THAT(report, Contains(" slots per parameter: m (1), step (1), v (1)\n"));
  CHECK_THAT(report, Contains(" 1 parameter without optimizer state"));
  CHECK_THAT(report, Contains("total: 7 tensors, 19 values\n"));
}

TEST_CASE("voxtrain inspect: --config prints the stored config text, and errors are one line", "[cli]") {
  const ScratchDir dir("inspect_ckpt_config");
  const std::string path = write_sample(dir);
  int rc = -1;
  const std::string config =
      stdout_of([&] { rc = voxtrain::run_inspect_checkpoint_command({path, "--config"}); }, dir.file("out.txt"));
  CHECK(rc == 0);
  CHECK(config == "[NETWORK]\nname = toynet\n\n[TRAINING]\nlr = 0.01\n");
  const std::string help = stdout_of([&] { rc = voxtrain::run_inspect_checkpoint_command({"--help"}); }, dir.file("help.txt"));
  CHECK(rc == 0);
  CHECK_THAT(help, Contains("Usage: voxtrain inspect CHECKPOINT [--config]"));

  const auto one_line = [](const std::vector<std::string>& args) {
    const std::string message = error_message_of([&] { voxtrain::run_inspect_checkpoint_command(args); });
    CHECK(message.find('\n') == std::string::npos);
    return message;
  };
  CHECK_THAT(one_line({}), Contains("inspect: no checkpoint given"));
  CHECK_THAT(one_line({path, path}), Contains("inspect: 2 files given"));
  CHECK_THAT(one_line({"--frobnicate"}), Contains("unknown option '--frobnicate'"));
  CHECK_THAT(one_line({dir.file("nope.h5")}), Contains("no such file"));
  // A truncated checkpoint.
  const std::string cut = dir.file("cut.h5");
  {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  }
  CHECK_THAT(one_line({cut}), Contains(cut) && Contains("truncated"));
}
