// test_checkpoint.cpp — checkpoint files: bit-exact round trips, the layout as h5ls and h5dump see
// it, UTF-8 link names through libhdf5's own API, nothing left by failed writes, one-line errors
// for damaged and foreign files, and the models directory (resolve, rotation).
#include <catch2/catch.hpp>

#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "voxtrain/core/build_info.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/io/checkpoint/checkpoint.hpp"
#include "voxtrain/io/hdf5/hdf5_file.hpp"

#include "support/skip.hpp"
#include "support/test_files.hpp"

using voxtrain::CheckpointData;
using voxtrain::CheckpointDirectory;
using voxtrain::DType;
using voxtrain::Hdf5Access;
using voxtrain::Hdf5File;
using voxtrain::read_checkpoint;
using voxtrain::Shape;
using voxtrain::Tensor;
using voxtrain::write_checkpoint;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

Tensor floats(const Shape& shape, std::uint64_t seed) {
  Tensor t = Tensor::empty(shape, DType::Float32);
  const std::uint64_t key = voxtrain::random_key({seed, 5});
  for (std::int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = static_cast<float>(voxtrain::standard_normal(key, static_cast<std::uint64_t>(i)));
  return t;
}

Tensor values(std::initializer_list<float> v) {
  Tensor t = Tensor::empty({static_cast<std::int64_t>(v.size())}, DType::Float32);
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

Tensor int64s(std::initializer_list<std::int64_t> v) {
  Tensor t = Tensor::empty({static_cast<std::int64_t>(v.size())}, DType::Int64);
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return t;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

void check_same(const voxtrain::NamedTensors& read, const voxtrain::NamedTensors& written) {
  REQUIRE(read.size() == written.size());
  for (const auto& [name, tensor] : written) {
    INFO(name);
    REQUIRE(read.count(name) == 1);
    CHECK(same_bytes(read.at(name), tensor));
  }
}

// A checkpoint as an Adam-trained two-layer network would give it.
CheckpointData sample_checkpoint() {
  CheckpointData d;
  d.iteration = 1200;
  d.network = "unet";
  d.world_size = 4;
  d.config_text = "[NETWORK]\nname = unet\n[TRAINING]\nlr = 0.001\n# r\xC3\xA4umlich\n";
  d.params["unet.enc0.conv1.weight"] = floats({16, 1, 3, 3, 3}, 1);
  d.params["unet.enc0.conv1.bias"] = floats({16}, 2);
  d.params["unet.big.weight"] = floats({32, 16, 3, 3, 3}, 3);  // 55 KiB: chunked with fletcher32
  d.params["unet.out.bias"] = values({0.5f, -1.25f});
  // A NaN with a payload and a negative zero survive bit for bit.
  Tensor odd = values({0.0f, -0.0f, 1.0f});
  const std::uint32_t payload_nan = 0x7FC01234u;
  std::memcpy(odd.data<float>(), &payload_nan, 4);
  d.params["unet.odd"] = odd;
  d.buffers["unet.enc0.norm.running_mean"] = floats({16}, 4);
  d.buffers["unet.enc0.norm.running_variance"] = floats({16}, 5);
  d.buffers["unet.counted"] = int64s({3, -4});
  d.optimizer["step"] = int64s({1200});
  for (const auto& [name, value] : d.params) {
    d.optimizer[name + "/step"] = int64s({1200});
    d.optimizer[name + "/m"] = floats(value.shape(), 6);
    d.optimizer[name + "/v"] = floats(value.shape(), 7);
  }
  d.counters["rng_seed"] = 42;
  d.counters["data_stream_position"] = 19200;
  d.counters["big"] = -9007199254740993;  // not representable as a double
  return d;
}

std::string run_and_read(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  CHECK(::pclose(pipe) == 0);
  return out;
}

// Runs of spaces become one (h5ls pads names to a column).
std::string squeeze(const std::string& text) { return std::regex_replace(text, std::regex(" +"), " "); }

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void copy_prefix(const std::string& from, const std::string& to, std::uintmax_t bytes) {
  std::ifstream in(from, std::ios::binary);
  std::string data(bytes, '\0');
  in.read(data.data(), static_cast<std::streamsize>(bytes));
  std::ofstream(to, std::ios::binary).write(data.data(), static_cast<std::streamsize>(bytes));
}

}  // namespace

TEST_CASE("checkpoint: parameters, buffers, optimizer state and attributes round trip bit for bit", "[io]") {
  const ScratchDir dir("ckpt");
  const CheckpointData written = sample_checkpoint();
  const std::string path = dir.file("model.ckpt-1200.h5");
  write_checkpoint(path, written);
  const CheckpointData read = read_checkpoint(path);
  CHECK(read.iteration == 1200);
  CHECK(read.network == "unet");
  CHECK(read.world_size == 4);
  CHECK(read.config_text == written.config_text);
  CHECK(read.counters == written.counters);
  CHECK(read.voxtrain_version == "voxtrain " + voxtrain::build_info().version);
  check_same(read.params, written.params);
  check_same(read.buffers, written.buffers);
  check_same(read.optimizer, written.optimizer);
  CHECK(listing(dir.path()) == std::vector<std::string>{"model.ckpt-1200.h5"});  // no temporary left
}

TEST_CASE("checkpoint: awkward names and empty sections round trip", "[io]") {
  const ScratchDir dir("ckpt_names");
  CheckpointData written;
  for (const std::string name : {"r\xC3\xA4umlich.gewicht", "\xE6\x97\xA5\xE6\x9C\xAC.w", "x/y.z", "50%.w", "a..b", "..",
                                 "a.b", "a.b.c", ".value"})
    written.params[name] = values({static_cast<float>(name.size())});
  written.optimizer["a.b/m"] = values({1.0f});
  written.optimizer["a.b.c/m"] = values({2.0f});
  written.optimizer["x/y.z/step"] = int64s({3});
  written.counters["r\xC3\xA4umlich/seed.x"] = 7;
  const std::string path = dir.file("names.h5");
  write_checkpoint(path, written);
  const CheckpointData read = read_checkpoint(path);
  check_same(read.params, written.params);
  check_same(read.optimizer, written.optimizer);
  CHECK(read.buffers.empty());
  CHECK(read.counters == written.counters);
  CHECK(read.config_text.empty());
}

TEST_CASE("checkpoint: metrics round trip as float64 attributes; a file without /metrics reads as none", "[io]") {
  const ScratchDir dir("ckpt_metrics");
  CheckpointData written = sample_checkpoint();
  written.metrics["volume_dice"] = 0.1;  // not a float32: must come back as the same double
  written.metrics["volume_hausdorff_distance"] = 12.75;
  const std::string path = dir.file("model.ckpt-5.h5");
  write_checkpoint(path, written);
  CHECK(read_checkpoint(path).metrics == written.metrics);
  const std::string h5dump = find_program("h5dump");
  if (!h5dump.empty())
    CHECK_THAT(run_and_read(fmt::format("'{}' -a /metrics/volume_dice '{}'", h5dump, path)),
               Contains("H5T_IEEE_F64LE") && Contains("(0): 0.1"));
  // A checkpoint written before /metrics existed: the group removed with libhdf5 itself.
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  CHECK(H5Ldelete(file, "metrics", H5P_DEFAULT) >= 0);
  CHECK(H5Fclose(file) >= 0);
  const CheckpointData old = read_checkpoint(path);
  CHECK(old.metrics.empty());
  CHECK(old.counters == written.counters);
  written.metrics[""] = 1.0;
  CHECK_THROWS_WITH(write_checkpoint(dir.file("bad.h5"), written), Contains("cannot write metric ''"));
}

TEST_CASE("checkpoint: a config text larger than an object header message round trips", "[io]") {
  const ScratchDir dir("ckpt_config");
  CheckpointData d;
  for (int i = 0; d.config_text.size() < 200000; ++i) d.config_text += fmt::format("key_{} = value {}\n", i, i * 7);
  const std::string path = dir.file("big_config.h5");
  write_checkpoint(path, d);
  CHECK(read_checkpoint(path).config_text == d.config_text);
}

TEST_CASE("checkpoint: h5ls and h5dump show the documented layout and the values written", "[io]") {
  const std::string h5ls = find_program("h5ls");
  const std::string h5dump = find_program("h5dump");
  if (h5ls.empty() || h5dump.empty()) {
    skip_test("h5ls or h5dump is not on PATH (Debian package hdf5-tools): layout check skipped");
    return;
  }
  const ScratchDir dir("ckpt_h5ls");
  CheckpointData d = sample_checkpoint();
  d.params["a.b"] = values({1.0f});
  d.params["a.b.c"] = values({2.0f});
  d.params["r\xC3\xA4umlich.gewicht"] = values({3.0f});
  const std::string path = dir.file("model.ckpt-1200.h5");
  write_checkpoint(path, d);
  const std::string tree = squeeze(run_and_read(fmt::format("'{}' -r '{}'", h5ls, path)));
  INFO(tree);
  CHECK_THAT(tree, Contains("/params Group"));
  CHECK_THAT(tree, Contains("/params/unet/enc0/conv1/weight Dataset {16, 1, 3, 3, 3}"));
  CHECK_THAT(tree, Contains("/params/unet/enc0/conv1/bias Dataset {16}"));
  CHECK_THAT(tree, Contains("/params/a/b/.value Dataset {1}"));
  CHECK_THAT(tree, Contains("/params/a/b/c Dataset {1}"));
  CHECK_THAT(tree, Contains("/params/r\\303\\244umlich/gewicht Dataset {1}"));  // h5ls writes UTF-8 bytes in octal
  CHECK_THAT(tree, Contains("/buffers/unet/enc0/norm/running_mean Dataset {16}"));
  CHECK_THAT(tree, Contains("/optimizer/step/.value Dataset {1}") || Contains("/optimizer/step Dataset {1}"));
  CHECK_THAT(tree, Contains("/optimizer/unet/enc0/conv1/weight/m Dataset {16, 1, 3, 3, 3}"));
  CHECK_THAT(tree, Contains("/optimizer/unet/enc0/conv1/weight/step Dataset {1}"));
  CHECK_THAT(tree, Contains("/counters Group"));

  const std::string bias = run_and_read(fmt::format("'{}' -d /params/unet/out/bias '{}'", h5dump, path));
  CHECK_THAT(bias, Contains("H5T_IEEE_F32LE") && Contains("(0): 0.5, -1.25"));
  const std::string step = run_and_read(fmt::format("'{}' -d /optimizer/unet/out/bias/step '{}'", h5dump, path));
  CHECK_THAT(step, Contains("H5T_STD_I64LE") && Contains("(0): 1200"));
  const std::string root = squeeze(run_and_read(fmt::format("'{}' -A -g / '{}'", h5dump, path)));
  INFO(root);
  CHECK_THAT(root, Contains("ATTRIBUTE \"iteration\"") && Contains("(0): 1200"));
  CHECK_THAT(root, Contains("ATTRIBUTE \"voxtrain_kind\"") && Contains("\"checkpoint\""));
  CHECK_THAT(root, Contains("ATTRIBUTE \"network\"") && Contains("\"unet\""));
  CHECK_THAT(run_and_read(fmt::format("'{}' -a /counters/rng_seed '{}'", h5dump, path)), Contains("(0): 42"));
  CHECK_THAT(run_and_read(fmt::format("'{}' -a /counters/big '{}'", h5dump, path)), Contains("(0): -9007199254740993"));
  // The large parameter is chunked with fletcher32; the file is in the 1.10 format.
  CHECK_THAT(run_and_read(fmt::format("'{}' -p -H -d /params/unet/big/weight '{}'", h5dump, path)),
             Contains("CHECKSUM FLETCHER32"));
  CHECK_THAT(run_and_read(fmt::format("'{}' -B -H '{}'", h5dump, path)), Contains("SUPERBLOCK_VERSION 3"));
}

TEST_CASE("checkpoint: non-ASCII link names carry HDF5's UTF-8 character set", "[io]") {
  const ScratchDir dir("ckpt_utf8");
  CheckpointData d;
  d.params["\xE6\x97\xA5\xE6\x9C\xAC.w"] = values({1.0f});
  d.params["ascii.w"] = values({2.0f});
  d.counters["r\xC3\xA4umlich"] = 3;
  const std::string path = dir.file("utf8.h5");
  write_checkpoint(path, d);
  // Asked through libhdf5's own API, not voxtrain's wrapper.
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  H5L_info_t info{};
  REQUIRE(H5Lget_info(file, "/params/\xE6\x97\xA5\xE6\x9C\xAC", &info, H5P_DEFAULT) >= 0);
  CHECK(info.cset == H5T_CSET_UTF8);
  REQUIRE(H5Lget_info(file, "/params/ascii/w", &info, H5P_DEFAULT) >= 0);
  CHECK(info.cset == H5T_CSET_ASCII);
  H5A_info_t attribute{};
  REQUIRE(H5Aget_info_by_name(file, "/counters", "r\xC3\xA4umlich", &attribute, H5P_DEFAULT) >= 0);
  CHECK(attribute.cset == H5T_CSET_UTF8);
  float value = 0.0f;
  const hid_t dataset = H5Dopen2(file, "/params/\xE6\x97\xA5\xE6\x9C\xAC/w", H5P_DEFAULT);
  REQUIRE(dataset >= 0);
  CHECK(H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) >= 0);
  CHECK(value == 1.0f);
  H5Dclose(dataset);
  H5Fclose(file);
}

TEST_CASE("checkpoint: a write that fails leaves no file and the previous checkpoint intact", "[io]") {
  const ScratchDir dir("ckpt_fail");
  const std::string path = dir.file("model.ckpt-5.h5");
  CheckpointData good;
  good.params["w"] = values({1.0f, 2.0f});
  write_checkpoint(path, good);

  SECTION("a buffer without storage, met after the parameters were written") {
    CheckpointData bad = sample_checkpoint();
    bad.buffers["unet.broken"] = Tensor();
    const std::string message = error_message_of([&] { write_checkpoint(path, bad); });
    CHECK_THAT(message, Contains(path + ": cannot write buffer 'unet.broken': the tensor has no storage"));
  }
  SECTION("a parameter of another dtype") {
    CheckpointData bad;
    bad.params["w"] = int64s({1});
    CHECK_THAT(error_message_of([&] { write_checkpoint(path, bad); }),
               Contains("cannot write parameter 'w': it is int64 (parameters are float32)"));
  }
  SECTION("a rank-0 tensor") {
    CheckpointData bad;
    bad.optimizer["step"] = Tensor::empty(Shape{}, DType::Int64);
    CHECK_THAT(error_message_of([&] { write_checkpoint(path, bad); }), Contains("it has rank 0"));
  }
  SECTION("a negative iteration") {
    CheckpointData bad;
    bad.iteration = -3;
    CHECK_THAT(error_message_of([&] { write_checkpoint(path, bad); }),
               Contains("cannot write a checkpoint for iteration -3"));
  }
  SECTION("the target is a directory: the rename fails after the whole file was written") {
    const std::string target = dir.file("model.ckpt-6.h5");
    fs::create_directories(fs::path(target) / "occupied");
    CHECK_THAT(error_message_of([&] { write_checkpoint(target, sample_checkpoint()); }),
               Contains(target + ": cannot rename the finished checkpoint"));
    CHECK(fs::is_directory(target));
    fs::remove_all(target);
  }
  CHECK(listing(dir.path()) == std::vector<std::string>{"model.ckpt-5.h5"});
  const CheckpointData kept = read_checkpoint(path);
  check_same(kept.params, good.params);
}

TEST_CASE("checkpoint: a directory that does not exist is one line, and no file appears", "[io]") {
  const ScratchDir dir("ckpt_nodir");
  const std::string path = dir.file("missing/model.ckpt-1.h5");
  const std::string message = error_message_of([&] { write_checkpoint(path, sample_checkpoint()); });
  CHECK_THAT(message, Contains("cannot create an HDF5 file"));
  CHECK(message.find('\n') == std::string::npos);
  CHECK(listing(dir.path()).empty());
}

TEST_CASE("checkpoint: foreign, newer, truncated and damaged files are one-line errors naming the file", "[io]") {
  const ScratchDir dir("ckpt_bad");
  const std::string good = dir.file("good.h5");
  write_checkpoint(good, sample_checkpoint());
  const auto refused = [](const std::string& path) {
    const std::string message = error_message_of([&] { read_checkpoint(path); });
    CHECK(message.find('\n') == std::string::npos);
    CHECK_THAT(message, Contains(path));
    return message;
  };
  CHECK_THAT(refused(dir.file("absent.h5")), Contains("no such file"));
  CHECK_THAT(refused(dir.write("text.h5", "[NETWORK]\nname = unet\n")), Contains("not an HDF5 file"));
  {
    Hdf5File plain = Hdf5File::create(dir.file("plain.h5"));
    plain.root().create_group("params");
    plain.close();
  }
  CHECK_THAT(refused(dir.file("plain.h5")), Contains("is an HDF5 file but not a voxtrain checkpoint"));
  {
    Hdf5File store = Hdf5File::create(dir.file("store.h5"));
    store.root().write_attribute("voxtrain_kind", std::string("patch_store"));
    store.root().write_attribute("voxtrain_format_version", std::int64_t{1});
    store.close();
  }
  CHECK_THAT(refused(dir.file("store.h5")), Contains("is a voxtrain patch_store, not a checkpoint"));

  const std::string newer = dir.file("newer.h5");
  fs::copy_file(good, newer);
  {
    Hdf5File file = Hdf5File::open(newer, Hdf5Access::ReadWrite);
    file.root().write_attribute("voxtrain_format_version", std::int64_t{2});
    file.close();
  }
  CHECK_THAT(refused(newer), Contains("checkpoint format version 2 is newer than this voxtrain reads (version 1") &&
                                 Contains("upgrade voxtrain"));

  const std::string truncated = dir.file("truncated.h5");
  copy_prefix(good, truncated, fs::file_size(good) / 2);
  CHECK_THAT(refused(truncated), Contains("truncated"));

  // One byte changed inside the chunked parameter's data: fletcher32 does not match.
  const std::string damaged = dir.file("damaged.h5");
  fs::copy_file(good, damaged);
  {
    const hid_t file = H5Fopen(good.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t dataset = H5Dopen2(file, "/params/unet/big/weight", H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    hsize_t chunk_offset[5] = {0, 0, 0, 0, 0};  // the first chunk's file address, from libhdf5
    haddr_t address = 0;
    hsize_t size = 0;
    unsigned filter_mask = 0;
    REQUIRE(H5Dget_chunk_info_by_coord(dataset, chunk_offset, &filter_mask, &address, &size) >= 0);
    H5Dclose(dataset);
    H5Fclose(file);
    std::fstream bytes(damaged, std::ios::in | std::ios::out | std::ios::binary);
    bytes.seekp(static_cast<std::streamoff>(address + 100));
    bytes.put('\x5A');
  }
  CHECK_THAT(refused(damaged), Contains("checksum mismatch"));

  // A link name voxtrain would not write.
  {
    Hdf5File odd = Hdf5File::create(dir.file("odd.h5"));
    const voxtrain::Hdf5Group root = odd.root();
    root.write_attribute("voxtrain_kind", std::string("checkpoint"));
    root.write_attribute("voxtrain_format_version", std::int64_t{1});
    root.write_attribute("iteration", std::int64_t{1});
    root.write_attribute("network", std::string("unet"));
    root.write_attribute("world_size", std::int64_t{1});
    root.write_attribute("config", std::string());
    root.create_group("params").write_dataset("a.b", values({1.0f}));
    root.create_group("buffers");
    root.create_group("optimizer");
    root.create_group("counters");
    odd.close();
  }
  CHECK_THAT(refused(dir.file("odd.h5")), Contains("/params/a.b: link name 'a.b' is not in voxtrain's escaped form"));
}

TEST_CASE("checkpoint directory: iterations from file names, temporary and foreign files ignored", "[io]") {
  const ScratchDir dir("ckpt_dir");
  const CheckpointDirectory models((dir.path() / "models").string());
  CHECK(models.iterations().empty());  // no directory yet
  CHECK_FALSE(models.latest().has_value());
  CHECK(models.path_for(300) == (dir.path() / "models" / "model.ckpt-300.h5").string());
  for (const char* name : {"model.ckpt-300.h5", "model.ckpt-20.h5", "model.ckpt-0.h5", "model.ckpt-1000.h5.tmp-12-0",
                           "model.ckpt-007.h5", "model.ckpt--5.h5", "model.ckpt-x.h5", "model.ckpt-.h5", "other.h5",
                           "model.ckpt-99999999999999999999.h5"})
    dir.write(std::string("models/") + name, "x");
  fs::create_directories(dir.path() / "models" / "model.ckpt-9.h5");
  CHECK(models.iterations() == std::vector<std::int64_t>{0, 20, 300});
  CHECK(models.latest() == std::int64_t{300});
}

TEST_CASE("checkpoint directory: resolve starting_iter and inference_iter", "[io]") {
  const ScratchDir dir("ckpt_resolve");
  const std::string models_dir = (dir.path() / "models").string();
  const CheckpointDirectory models(models_dir);
  const std::string key = "[TRAINING] starting_iter";

  CHECK_THAT(error_message_of([&] { models.resolve(-1, key); }),
             Contains("[TRAINING] starting_iter = -1 asks for the latest checkpoint, but there is no checkpoint in " +
                      models_dir) &&
                 Contains("train first, or set [TRAINING] starting_iter = 0"));
  CHECK_FALSE(models.resolve(0, key).has_value());
  CHECK_THAT(error_message_of([&] { models.resolve(100, key); }), Contains("there are none: train first"));
  CHECK_THAT(error_message_of([&] { models.resolve_required(-1, "[INFERENCE] inference_iter"); }),
             Contains("[INFERENCE] inference_iter = -1 asks for the latest checkpoint, but there is no checkpoint in"));

  for (const std::int64_t it : {0, 100, 200}) dir.write(fmt::format("models/model.ckpt-{}.h5", it), "x");
  CHECK(models.resolve(-1, key) == models.path_for(200));
  CHECK_FALSE(models.resolve(0, key).has_value());
  CHECK(models.resolve(100, key) == models.path_for(100));
  CHECK(models.resolve_required(0, "[INFERENCE] inference_iter") == models.path_for(0));
  CHECK(models.resolve_required(-1, "[INFERENCE] inference_iter") == models.path_for(200));
  const std::string missing = error_message_of([&] { models.resolve(150, key); });
  CHECK_THAT(missing, Contains("[TRAINING] starting_iter = 150: there is no checkpoint " + models.path_for(150) +
                               " (present: 0, 100, 200)"));
  CHECK_THAT(error_message_of([&] { models.resolve(-2, key); }),
             Contains("[TRAINING] starting_iter = -2 is not valid: use -1"));
}

TEST_CASE("checkpoint directory: save keeps the newest max_checkpoints, never the one just written", "[io]") {
  const ScratchDir dir("ckpt_rotate");
  const CheckpointDirectory models((dir.path() / "out" / "models").string());
  CheckpointData d;
  d.params["w"] = values({0.0f});
  for (std::int64_t it = 1; it <= 5; ++it) {
    d.iteration = it * 10;
    d.params["w"] = values({static_cast<float>(it)});
    models.save(d, 3);
  }
  CHECK(models.iterations() == std::vector<std::int64_t>{30, 40, 50});
  CHECK(read_checkpoint(models.path_for(50)).params.at("w").data<float>()[0] == 5.0f);
  CHECK(listing(models.models_dir()).size() == 3);  // no temporary files

  // Resumed from an earlier iteration: the new file stays, the lowest of the others go.
  d.iteration = 20;
  models.save(d, 3);
  CHECK(models.iterations() == std::vector<std::int64_t>{20, 40, 50});
  d.iteration = 60;
  models.save(d, 1);
  CHECK(models.iterations() == std::vector<std::int64_t>{60});
  d.iteration = 70;
  models.save(d, 0);  // keep all
  d.iteration = 80;
  models.save(d, -1);
  CHECK(models.iterations() == std::vector<std::int64_t>{60, 70, 80});
}
