// test_checkpoint_names.cpp — the checkpoint name <-> HDF5 path mapping: hand-worked components for
// dots, slashes, '%', non-ASCII, control bytes and empty parts; the prefix clash; refusals; round trips.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/io/checkpoint/checkpoint_names.hpp"

#include "support/test_files.hpp"

using voxtrain::CheckpointNameKind;
using voxtrain::checkpoint_dataset_paths;
using voxtrain::checkpoint_name_components;
using voxtrain::checkpoint_name_from_path;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;
using Strings = std::vector<std::string>;

namespace {

constexpr auto kDotted = CheckpointNameKind::Dotted;
constexpr auto kOptimizer = CheckpointNameKind::OptimizerKey;

std::string path_of(const std::string& name, CheckpointNameKind kind) {
  const Strings names{name};
  return checkpoint_dataset_paths(names, kind).at(name);
}

}  // namespace

TEST_CASE("checkpoint names: dotted names become one group per part", "[io]") {
  CHECK(checkpoint_name_components("unet.enc0.conv1.weight", kDotted) == Strings{"unet", "enc0", "conv1", "weight"});
  CHECK(checkpoint_name_components("w", kDotted) == Strings{"w"});
  CHECK(path_of("unet.enc0.conv1.weight", kDotted) == "unet/enc0/conv1/weight");
}

TEST_CASE("checkpoint names: escapes for '/', '%', control bytes and broken UTF-8; UTF-8 kept", "[io]") {
  CHECK(checkpoint_name_components("x/y.z", kDotted) == Strings{"x%2Fy", "z"});
  CHECK(checkpoint_name_components("50%.w", kDotted) == Strings{"50%25", "w"});
  CHECK(checkpoint_name_components("a\tb.c", kDotted) == Strings{"a%09b", "c"});
  CHECK(checkpoint_name_components(std::string("nul\0x", 5), kDotted) == Strings{"nul%00x"});
  CHECK(checkpoint_name_components("del\x7f", kDotted) == Strings{"del%7F"});
  // "räumlich" and "日本" are well-formed UTF-8 and stay as they are (bytes written out).
  CHECK(checkpoint_name_components("r\xC3\xA4umlich.gewicht", kDotted) == Strings{"r\xC3\xA4umlich", "gewicht"});
  CHECK(checkpoint_name_components("\xE6\x97\xA5\xE6\x9C\xAC.w", kDotted) == Strings{"\xE6\x97\xA5\xE6\x9C\xAC", "w"});
  // A lone continuation byte, a truncated sequence, an overlong '/' (C0 AF), a surrogate (ED A0 80).
  CHECK(checkpoint_name_components("a\xFF", kDotted) == Strings{"a%FF"});
  CHECK(checkpoint_name_components("\xC3", kDotted) == Strings{"%C3"});
  CHECK(checkpoint_name_components("\xC0\xAF", kDotted) == Strings{"%C0%AF"});
  CHECK(checkpoint_name_components("\xED\xA0\x80", kDotted) == Strings{"%ED%A0%80"});
  CHECK(checkpoint_name_components("\xF0\x9F\x98\x80", kDotted) == Strings{"\xF0\x9F\x98\x80"});  // U+1F600
}

TEST_CASE("checkpoint names: empty parts, '.' and '..' keep their dots inside a component", "[io]") {
  CHECK(checkpoint_name_components("a..b", kDotted) == Strings{"a", "%2Eb"});
  CHECK(checkpoint_name_components("a...b", kDotted) == Strings{"a", "%2E", "b"});
  CHECK(checkpoint_name_components(".a", kDotted) == Strings{"%2Ea"});
  CHECK(checkpoint_name_components("a.", kDotted) == Strings{"a%2E"});
  CHECK(checkpoint_name_components(".", kDotted) == Strings{"%2E"});
  CHECK(checkpoint_name_components("..", kDotted) == Strings{"%2E%2E"});
  CHECK(checkpoint_name_components("", kDotted) == Strings{"%"});
}

TEST_CASE("checkpoint names: optimizer keys put the slot last, keys without '/' stand alone", "[io]") {
  CHECK(checkpoint_name_components("unet.enc0.conv1.weight/m", kOptimizer) ==
        Strings{"unet", "enc0", "conv1", "weight", "m"});
  CHECK(checkpoint_name_components("step", kOptimizer) == Strings{"step"});
  CHECK(checkpoint_name_components("k.v", kOptimizer) == Strings{"k%2Ev"});  // not a parameter path
  CHECK(checkpoint_name_components("a/b.c/m", kOptimizer) == Strings{"a%2Fb", "c", "m"});
  CHECK(checkpoint_name_components("w/", kOptimizer) == Strings{"w", "%"});
  CHECK(checkpoint_name_components("w/m.x", kOptimizer) == Strings{"w", "m%2Ex"});
  // The parameter "k.v" with slot m and the key "k.v/m" are one and the same; "k" slot "v.m" is not.
  CHECK(path_of("k.v/m", kOptimizer) == "k/v/m");
  CHECK(path_of("k/v.m", kOptimizer) == "k/v%2Em");
}

TEST_CASE("checkpoint names: a name another continues is stored as its group's .value", "[io]") {
  const Strings names{"a.b", "a.b.c", "a.bc", "x"};
  const auto paths = checkpoint_dataset_paths(names, kDotted);
  CHECK(paths.at("a.b") == "a/b/.value");
  CHECK(paths.at("a.b.c") == "a/b/c");
  CHECK(paths.at("a.bc") == "a/bc");
  CHECK(paths.at("x") == "x");
  CHECK(checkpoint_name_from_path("a/b/.value", kDotted, "f") == "a.b");
  // The optimizer's global "step" beside a parameter called "step".
  const Strings keys{"step", "step/m", "step/step"};
  const auto optimizer = checkpoint_dataset_paths(keys, kOptimizer);
  CHECK(optimizer.at("step") == "step/.value");
  CHECK(optimizer.at("step/m") == "step/m");
  CHECK(checkpoint_name_from_path("step/.value", kOptimizer, "f") == "step");
  CHECK(checkpoint_name_from_path("step/step", kOptimizer, "f") == "step/step");
}

TEST_CASE("checkpoint names: paths voxtrain would not write are refused", "[io]") {
  const auto refused = [](const std::string& path, CheckpointNameKind kind) {
    return error_message_of([&] { checkpoint_name_from_path(path, kind, "ckpt.h5: /params"); });
  };
  CHECK_THAT(refused("a/b.c", kDotted), Contains("ckpt.h5: /params: link name 'b.c' is not in voxtrain's escaped form"));
  CHECK_THAT(refused("a/%2e", kDotted), Contains("not in voxtrain's escaped form"));  // lower-case hex
  CHECK_THAT(refused("a/%41", kDotted), Contains("not in voxtrain's escaped form"));  // 'A' needs no escape
  CHECK_THAT(refused("a/%4", kDotted), Contains("unfinished %XX escape"));
  CHECK_THAT(refused("a/%zz", kDotted), Contains("does not start a %XX escape"));
  CHECK_THAT(refused("a//b", kDotted), Contains("link name '' is empty"));
  CHECK_THAT(refused(".value", kOptimizer), Contains("not in voxtrain's escaped form"));
  // "a..b" is written a/%2Eb; a%2E/b would decode to the same name and is refused.
  CHECK_THAT(refused("a%2E/b", kDotted), Contains("is not the one voxtrain writes for the name 'a..b'"));
}

TEST_CASE("checkpoint names: every name round trips and no two share a path", "[io]") {
  Strings names{"unet.enc0.conv1.weight", "x/y.z", "50%.w", "r\xC3\xA4umlich.gewicht", "\xE6\x97\xA5\xE6\x9C\xAC.w",
                "..", ".", "", "a..b", "a.", ".a", "a.b", "a.b.c", "a%2Eb", "a%252Eb", ".value", "a/.value",
                std::string("z\0", 2), "\xFF\xFE"};
  // Random names over an alphabet of the awkward characters (counter-based draws, fixed key).
  const std::vector<std::string> alphabet{"a", "b", ".", "/", "%", "2", "E", "\xC3\xA4", "\xFF", std::string(1, '\0'), " "};
  const std::uint64_t key = voxtrain::random_key({2024, 11});
  for (std::uint64_t n = 0; n < 3000; ++n) {
    std::string name;
    const auto length = static_cast<int>(voxtrain::uniform01(key, n * 16) * 9);
    for (int c = 0; c < length; ++c)
      name += alphabet[static_cast<std::size_t>(voxtrain::uniform01(key, n * 16 + 1 + static_cast<std::uint64_t>(c)) *
                                                static_cast<double>(alphabet.size()))];
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const CheckpointNameKind kind : {kDotted, kOptimizer}) {
    const auto paths = checkpoint_dataset_paths(names, kind);
    std::set<std::string> seen;
    for (const std::string& name : names) {
      const std::string& path = paths.at(name);
      INFO(name << " -> " << path);
      CHECK(seen.insert(path).second);
      CHECK(checkpoint_name_from_path(path, kind, "f") == name);
      // Every link name is non-empty, holds no '/', is not "." or "..", and has no literal dot
      // except the reserved leaf.
      std::size_t from = 0;
      while (from <= path.size()) {
        const std::size_t slash = std::min(path.find('/', from), path.size());
        const std::string component = path.substr(from, slash - from);
        CHECK(!component.empty());
        if (component != ".value") CHECK(component.find('.') == std::string::npos);
        from = slash + 1;
      }
    }
  }
}

TEST_CASE("checkpoint names: names deeper than the limit are refused", "[io]") {
  std::string deep = "a";
  for (std::size_t i = 0; i < voxtrain::kMaxCheckpointNameDepth; ++i) deep += ".a";
  CHECK_THAT(error_message_of([&] { checkpoint_name_components(deep, kDotted); }),
             Contains("has 101 parts; a checkpoint holds names of at most 100 parts"));
}
