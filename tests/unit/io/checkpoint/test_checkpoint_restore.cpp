// test_checkpoint_restore.cpp — restoring checkpoints into networks: the full restore (and the
// different-network error listing names and shapes), vars_to_restore, NiftyNet's restorable scopes
// (each value traced to the file it came from), a real network through a file, and vars_to_freeze.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/io/checkpoint/checkpoint.hpp"
#include "voxtrain/io/checkpoint/checkpoint_restore.hpp"
#include "voxtrain/nn/network.hpp"

#include "support/test_files.hpp"

using voxtrain::CheckpointData;
using voxtrain::NetworkTensors;
using voxtrain::RestorableScope;
using voxtrain::RestoreOptions;
using voxtrain::RestoreReport;
using voxtrain::restore_network;
using voxtrain::Shape;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;
using Strings = std::vector<std::string>;

namespace {

// A network's tensors, owned here: name -> shape, every element set to `fill`.
struct FakeNetwork {
  std::map<std::string, Tensor> storage;
  NetworkTensors tensors;

  FakeNetwork(const std::vector<std::pair<std::string, Shape>>& params,
              const std::vector<std::pair<std::string, Shape>>& buffers, float fill, std::string network = {}) {
    for (const auto& [name, shape] : params) tensors.params.emplace_back(name, add(name, shape, fill));
    for (const auto& [name, shape] : buffers) tensors.buffers.emplace_back(name, add(name, shape, fill));
    tensors.network = std::move(network);
  }
  Tensor* add(const std::string& name, const Shape& shape, float fill) {
    Tensor t = Tensor::empty(shape);
    t.fill(fill);
    return &(storage[name] = t);
  }
  float value(const std::string& name) const { return storage.at(name).data<float>()[0]; }
};

// A checkpoint whose tensors all hold `fill` (so a restored value tells which file it came from).
CheckpointData checkpoint_of(const std::vector<std::pair<std::string, Shape>>& params,
                             const std::vector<std::pair<std::string, Shape>>& buffers, float fill,
                             std::string network = "unet") {
  CheckpointData c;
  c.network = std::move(network);
  for (const auto& [name, shape] : params) (c.params[name] = Tensor::empty(shape)).fill(fill);
  for (const auto& [name, shape] : buffers) (c.buffers[name] = Tensor::empty(shape)).fill(fill);
  return c;
}

const std::vector<std::pair<std::string, Shape>> kParams{{"net.encoder.conv.weight", {4, 1, 3, 3, 3}},
                                                         {"net.encoder.conv.bias", {4}},
                                                         {"net.encoder.deep.weight", {4, 4, 3, 3, 3}},
                                                         {"net.decoder.conv.weight", {2, 4, 1, 1, 1}},
                                                         {"net.decoder.conv.bias", {2}}};
const std::vector<std::pair<std::string, Shape>> kBuffers{{"net.encoder.norm.running_mean", {4}}};

Strings restored_names(const RestoreReport& r) {
  Strings names;
  for (const auto& e : r.restored) names.push_back(e.name);
  return names;
}

}  // namespace

TEST_CASE("restore: everything from a checkpoint of the same network", "[io]") {
  FakeNetwork net(kParams, kBuffers, 0.0f);
  CheckpointData c = checkpoint_of(kParams, kBuffers, 7.0f);
  c.params["net.decoder.conv.bias"].data<float>()[1] = -3.5f;
  const RestoreReport report = restore_network(net.tensors, &c, "A.h5", {});
  CHECK(report.restored.size() == 6);
  CHECK(report.initialised.empty());
  for (const auto& [name, tensor] : net.storage) {
    INFO(name);
    const Tensor& from = c.params.count(name) ? c.params.at(name) : c.buffers.at(name);
    CHECK(std::memcmp(tensor.raw_data(), from.raw_data(), from.nbytes()) == 0);
  }
  CHECK(net.storage.at("net.decoder.conv.bias").data<float>()[1] == -3.5f);
  CHECK(report.summary() == "restored 6 of 6 tensors: 6 from A.h5");
}

TEST_CASE("restore: a checkpoint of a different network lists the first differences and changes nothing", "[io]") {
  FakeNetwork net({{"unet.enc3.conv.weight", {32, 16, 3, 3, 3}}, {"unet.out.weight", {2, 8, 1, 1, 1}}, {"unet.ok", {3}}},
                  {{"unet.norm.running_mean", {8}}}, 0.0f, "unet");
  const CheckpointData c =
      checkpoint_of({{"unet.out.weight", {4, 8, 1, 1, 1}}, {"unet.ok", {3}}, {"unet.extra", {5}}}, {}, 1.0f, "highres3dnet");
  const std::string message = error_message_of([&] { restore_network(net.tensors, &c, "ckpt.h5", {}); });
  CHECK(message ==
        "checkpoint ckpt.h5 was written by a different network ('highres3dnet'; this one is 'unet'): missing "
        "unet.enc3.conv.weight [32, 16, 3, 3, 3], shape differs for unet.out.weight: checkpoint [4, 8, 1, 1, 1], network "
        "[2, 8, 1, 1, 1], missing unet.norm.running_mean [8], not in the network: unet.extra [5]; build the network "
        "with the [NETWORK] settings it was trained with, or restore part of it with vars_to_restore");
  CHECK(net.value("unet.ok") == 0.0f);  // checked before anything was written

  // More than six differences: the rest counted.
  std::vector<std::pair<std::string, Shape>> many;
  for (int i = 0; i < 9; ++i) many.emplace_back(std::string("p").append(std::to_string(i)), Shape{1});
  FakeNetwork wide(many, {}, 0.0f);
  const std::string counted = error_message_of([&] { restore_network(wide.tensors, &c, "ckpt.h5", {}); });
  CHECK_THAT(counted, Contains("missing p5 [1], ... (and 6 more)"));

  // Another dtype is a difference too.
  FakeNetwork ints({}, {}, 0.0f);
  Tensor counts = Tensor::zeros({2}, voxtrain::DType::Int64);
  ints.tensors.buffers.emplace_back("n", &counts);
  CheckpointData floats;
  floats.buffers["n"] = Tensor::zeros({2});
  CHECK_THAT(error_message_of([&] { restore_network(ints.tensors, &floats, "f.h5", {}); }),
             Contains("dtype differs for n: checkpoint float32, network int64"));
}

TEST_CASE("restore: vars_to_restore restores what it matches (re.search) and leaves the rest", "[io]") {
  FakeNetwork net(kParams, kBuffers, 0.0f);
  // The checkpoint's decoder is another shape (another number of classes): fine-tuning.
  CheckpointData c = checkpoint_of(kParams, kBuffers, 5.0f);
  c.params["net.decoder.conv.weight"] = Tensor::zeros({4, 4, 1, 1, 1});
  const RestoreReport report = restore_network(net.tensors, &c, "pre.h5", {.vars_to_restore = "encoder", .scopes = {}});
  CHECK(restored_names(report) == Strings{"net.encoder.conv.weight", "net.encoder.conv.bias", "net.encoder.deep.weight",
                                          "net.encoder.norm.running_mean"});
  CHECK(report.initialised == Strings{"net.decoder.conv.weight", "net.decoder.conv.bias"});
  CHECK(net.value("net.encoder.deep.weight") == 5.0f);
  CHECK(net.value("net.decoder.conv.weight") == 0.0f);
  CHECK(report.summary() ==
        "restored 4 of 6 tensors: 4 from pre.h5; 2 keep their initial values (net.decoder.conv.weight, "
        "net.decoder.conv.bias)");

  // NiftyNet's exclusion idiom (a negative look-ahead) works as in Python.
  FakeNetwork again(kParams, kBuffers, 0.0f);
  const RestoreReport excluded =
      restore_network(again.tensors, &c, "pre.h5", {.vars_to_restore = "^((?!decoder).)*$", .scopes = {}});
  CHECK(excluded.initialised == Strings{"net.decoder.conv.weight", "net.decoder.conv.bias"});

  CHECK_THAT(error_message_of([&] { restore_network(net.tensors, &c, "pre.h5", {.vars_to_restore = "^conv", .scopes = {}}); }),
             Contains("vars_to_restore = '^conv' matches none of the network's 6 tensors (such as "
                      "net.encoder.conv.weight, net.encoder.conv.bias, net.encoder.deep.weight)"));
  CHECK_THAT(error_message_of([&] { restore_network(net.tensors, &c, "pre.h5", {.vars_to_restore = "(enc", .scopes = {}}); }),
             Contains("vars_to_restore = '(enc' is not a valid regular expression"));
  CHECK_THAT(error_message_of([&] { restore_network(net.tensors, &c, "pre.h5", {.vars_to_restore = "decoder", .scopes = {}}); }),
             Contains("checkpoint pre.h5 does not hold what vars_to_restore = 'decoder' selects: shape differs for "
                      "net.decoder.conv.weight: checkpoint [4, 4, 1, 1, 1], network [2, 4, 1, 1, 1]"));
}

TEST_CASE("restore: scopes take each variable from the outermost scope whose checkpoint has it", "[io]") {
  const ScratchDir dir("restore_scopes");
  // A: a pretrained encoder only (value 1). B: the whole network (value 2). C: only the decoder (3).
  std::vector<std::pair<std::string, Shape>> encoder(kParams.begin(), kParams.begin() + 3);
  std::vector<std::pair<std::string, Shape>> decoder(kParams.begin() + 3, kParams.end());
  const std::string a = dir.file("A.h5"), b = dir.file("B.h5"), c = dir.file("C.h5");
  voxtrain::write_checkpoint(a, checkpoint_of(encoder, kBuffers, 1.0f));
  voxtrain::write_checkpoint(b, checkpoint_of(kParams, kBuffers, 2.0f));
  voxtrain::write_checkpoint(c, checkpoint_of(decoder, {}, 3.0f));

  SECTION("the encoder from A, everything else from C through the whole-network scope") {
    FakeNetwork net(kParams, kBuffers, 0.0f);
    const RestoreReport r = restore_network(net.tensors, nullptr, "",
                                            {.vars_to_restore = "", .scopes = {{"net/encoder/", a}, {"", c}}});
    CHECK(net.value("net.encoder.conv.weight") == 1.0f);
    CHECK(net.value("net.encoder.deep.weight") == 1.0f);
    CHECK(net.value("net.encoder.norm.running_mean") == 1.0f);
    CHECK(net.value("net.decoder.conv.weight") == 3.0f);
    CHECK(net.value("net.decoder.conv.bias") == 3.0f);
    CHECK(r.initialised.empty());
    CHECK(r.restored.front().checkpoint == a);
  }
  SECTION("an ancestor scope whose checkpoint has the variable wins over the inner scope") {
    FakeNetwork net(kParams, kBuffers, 0.0f);
    restore_network(net.tensors, nullptr, "", {.vars_to_restore = "", .scopes = {{"net.encoder", a}, {"net", b}}});
    CHECK(net.value("net.encoder.conv.weight") == 2.0f);  // B (scope "net") is the ancestor and has it
    CHECK(net.value("net.decoder.conv.bias") == 2.0f);
  }
  SECTION("an inner scope restores what its ancestor's checkpoint lacks; outside every scope stays initial") {
    FakeNetwork net(kParams, kBuffers, 0.0f);
    const RestoreReport r = restore_network(
        net.tensors, nullptr, "", {.vars_to_restore = "", .scopes = {{"net.encoder.deep", b}, {"net.encoder", c}}});
    CHECK(net.value("net.encoder.deep.weight") == 2.0f);  // C has no encoder: B through the inner scope
    CHECK(net.value("net.encoder.conv.weight") == 0.0f);
    CHECK(r.initialised.size() == 5);
  }
  SECTION("a scope matches whole name parts: 'net.enc' is not 'net.encoder'") {
    FakeNetwork net(kParams, kBuffers, 0.0f);
    const RestoreReport r = restore_network(net.tensors, nullptr, "", {.vars_to_restore = "", .scopes = {{"net.enc", b}}});
    CHECK(r.restored.empty());
  }
  SECTION("a checkpoint_scope renames: 'unet.down' in the network is 'net.encoder' in the file") {
    FakeNetwork net({{"unet.down.conv.weight", {4, 1, 3, 3, 3}}, {"unet.up.w", {1}}}, {}, 0.0f);
    const RestoreReport r = restore_network(
        net.tensors, nullptr, "",
        {.vars_to_restore = "", .scopes = {{.scope = "unet.down", .checkpoint_path = a, .checkpoint_scope = "net.encoder"}}});
    CHECK(net.value("unet.down.conv.weight") == 1.0f);
    REQUIRE(r.restored.size() == 1);
    CHECK(r.restored[0].source_name == "net.encoder.conv.weight");
    CHECK(r.initialised == Strings{"unet.up.w"});
  }
  SECTION("with a main checkpoint and vars_to_restore, scopes fill in what it did not restore") {
    FakeNetwork net(kParams, kBuffers, 0.0f);
    const CheckpointData main = voxtrain::read_checkpoint(b);
    restore_network(net.tensors, &main, b, {.vars_to_restore = "decoder", .scopes = {{"net.encoder", a}}});
    CHECK(net.value("net.decoder.conv.weight") == 2.0f);
    CHECK(net.value("net.encoder.conv.weight") == 1.0f);
  }
  SECTION("a scope's variable of another shape is an error") {
    FakeNetwork net({{"net.encoder.conv.weight", {8, 1, 3, 3, 3}}}, {}, 0.0f);
    CHECK_THAT(error_message_of([&] {
                 restore_network(net.tensors, nullptr, "", {.vars_to_restore = "", .scopes = {{"net.encoder", a}}});
               }),
               Contains("shape differs for net.encoder.conv.weight: checkpoint [4, 1, 3, 3, 3] (net.encoder.conv.weight in " +
                        a + "), network [8, 1, 3, 3, 3]"));
    CHECK(net.value("net.encoder.conv.weight") == 0.0f);
  }
}

TEST_CASE("restore: a real network's weights travel through a file into a fresh network", "[io]") {
  const ScratchDir dir("restore_real");
  voxtrain::NetworkConfig config;
  config.init.seed = 1;
  auto trained = voxtrain::make_network("toynet", config);
  config.init.seed = 2;
  auto fresh = voxtrain::make_network("toynet", config);
  const NetworkTensors from = voxtrain::network_tensors(*trained, "toynet");
  const NetworkTensors into = voxtrain::network_tensors(*fresh, "toynet");
  REQUIRE(from.params.size() == trained->parameters().size());
  CheckpointData c;
  c.network = "toynet";
  for (const auto& [name, t] : from.params) c.params[name] = t->clone();
  for (const auto& [name, t] : from.buffers) c.buffers[name] = t->clone();
  const std::string path = dir.file("toy.h5");
  voxtrain::write_checkpoint(path, c);
  bool differs_before = false;
  for (std::size_t i = 0; i < from.params.size(); ++i)
    differs_before |= std::memcmp(from.params[i].second->raw_data(), into.params[i].second->raw_data(),
                                  from.params[i].second->nbytes()) != 0;
  CHECK(differs_before);
  const RestoreReport r = restore_network(into, path, {});
  CHECK(r.restored.size() == from.params.size() + from.buffers.size());
  for (std::size_t i = 0; i < from.params.size(); ++i) {
    INFO(from.params[i].first);
    CHECK(into.params[i].first == from.params[i].first);
    CHECK(std::memcmp(from.params[i].second->raw_data(), into.params[i].second->raw_data(),
                      from.params[i].second->nbytes()) == 0);
  }
}

TEST_CASE("freeze: vars_to_freeze, or vars_to_restore when it is empty (NiftyNet's rule)", "[io]") {
  const Strings names{"unet.enc0.conv.weight", "unet.enc0.conv.bias", "unet.out.weight"};
  CHECK(voxtrain::effective_vars_to_freeze("", "enc0") == "enc0");
  CHECK(voxtrain::effective_vars_to_freeze("out", "enc0") == "out");
  CHECK(voxtrain::effective_vars_to_freeze("", "").empty());
  CHECK(voxtrain::frozen_parameters(names, "enc0") == Strings{"unet.enc0.conv.weight", "unet.enc0.conv.bias"});
  CHECK(voxtrain::frozen_parameters(names, "weight$") == Strings{"unet.enc0.conv.weight", "unet.out.weight"});
  CHECK(voxtrain::frozen_parameters(names, "").empty());
  CHECK_THAT(error_message_of([&] { voxtrain::frozen_parameters(names, "[a-"); }),
             Contains("vars_to_freeze = '[a-' is not a valid regular expression"));
}
