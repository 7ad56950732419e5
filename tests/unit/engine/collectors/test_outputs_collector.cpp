// test_outputs_collector.cpp — NiftyNet's output_collector_test.py cases in C++ (towers named
// name, name_1, ...; averaged names listed per device, then averaged; ill adds refused), the
// per-iteration reuse, and reduce() over ranks of the LocalGroup test double against hand-worked
// values and against one process with as many towers.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "support/doubles/local_group.hpp"
#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/engine/collectors/outputs_collector.hpp"

using namespace voxtrain;
using voxtrain::testing::LocalGroup;

namespace {

Tensor filled(const Shape& shape, float value) {
  Tensor t = Tensor::empty(shape);
  t.fill(value);
  return t;
}

Tensor scalar(float value) { return filled(Shape{1}, value); }

std::set<std::string> names_of(const std::map<std::string, std::vector<Tensor>>& m) {
  std::set<std::string> out;
  for (const auto& [name, values] : m) out.insert(name);
  return out;
}

const std::set<std::string> kTowerNames{"image", "image_1", "image_2", "image_3", "foo",
                                        "foo_1", "foo_2",   "foo_3",   "bar"};

// NiftyNet's test_*_multiple_device: 4 towers add image and foo (not averaged) and bar (averaged);
// tower d's values are filled with d + 0.5 so the average is known: (0.5 + 1.5 + 2.5 + 3.5) / 4 = 2.
void check_multiple_device(Collection collection) {
  const int n_device = 4;
  OutputsCollector collector(n_device);
  std::vector<Tensor> images;
  for (int idx = 0; idx < n_device; ++idx) {
    const float v = static_cast<float>(idx) + 0.5f;
    images.push_back(filled({2, 1, 32, 32, 32}, v));
    collector.add("image", images.back(), false, collection);
    collector.add("foo", filled({2, 2}, v), false, collection);
    collector.add("bar", filled({42}, v), true, collection);
  }
  auto vars = collector.variables(collection);
  CHECK(names_of(vars) == kTowerNames);
  CHECK(vars.at("bar").size() == static_cast<std::size_t>(n_device));
  // Tower d's image is image_d, the very tensor it added.
  CHECK(vars.at("image").at(0).storage() == images[0].storage());
  CHECK(vars.at("image_3").at(0).storage() == images[3].storage());

  collector.finalise();
  vars = collector.variables(collection);
  CHECK(names_of(vars) == kTowerNames);
  REQUIRE(vars.at("bar").size() == 1);
  const Tensor bar = collector.values(collection).at("bar");
  CHECK(bar.shape() == Shape{42});
  for (std::int64_t i = 0; i < bar.numel(); ++i) CHECK(bar.data<float>()[i] == 2.0f);
  CHECK(collector.values(collection).at("foo_2").data<float>()[3] == 2.5f);
}

}  // namespace

TEST_CASE("outputs collector: 4 towers name their values name, name_1, ... and average bar (NiftyNet's "
          "test_add_to_multiple_device, test_netout_multiple_device, test_tf_summary_multiple_device)",
          "[engine][collectors]") {
  SECTION("console") { check_multiple_device(Collection::Console); }
  SECTION("network output") { check_multiple_device(Collection::NetworkOutput); }
  SECTION("summary") { check_multiple_device(Collection::Summary); }
}

TEST_CASE("outputs collector: one device keeps each value under its name in its collection (NiftyNet's "
          "test_add_to_single_device, test_netout_single_device, test_tf_summary_single_device)",
          "[engine][collectors]") {
  OutputsCollector collector(1);
  const Tensor image = filled({2, 1, 32, 32, 32}, 1.0f), foo = filled({2, 2}, 0.0f), bar = filled({42}, 0.0f);
  collector.add("image", image, false);
  collector.add("foo", foo, false);
  collector.add("bar", bar, false, Collection::NetworkOutput);
  collector.add("image", image, false, Collection::Summary, SummaryType::Image3d);
  collector.add("foo", foo, false, Collection::Summary, SummaryType::Histogram);

  const auto console = collector.variables(Collection::Console);
  CHECK(names_of(console) == std::set<std::string>{"image", "foo"});
  CHECK(console.at("image").at(0).storage() == image.storage());
  CHECK(console.at("foo").at(0).storage() == foo.storage());
  const auto out = collector.variables(Collection::NetworkOutput);
  CHECK(names_of(out) == std::set<std::string>{"bar"});
  CHECK(out.at("bar").at(0).storage() == bar.storage());
  CHECK(names_of(collector.variables(Collection::Summary)) == std::set<std::string>{"image", "foo"});
  CHECK(collector.summary_type(Collection::Summary, "image") == SummaryType::Image3d);
  CHECK(collector.summary_type(Collection::Summary, "foo") == SummaryType::Histogram);
  CHECK(collector.summary_type(Collection::Console, "foo") == SummaryType::Scalar);

  collector.finalise();
  // Nothing averaged: the values are the tensors added, not copies.
  CHECK(collector.values(Collection::Console).at("image").storage() == image.storage());
}

TEST_CASE("outputs collector: ill adds are refused (NiftyNet's test_ill_add)", "[engine][collectors]") {
  OutputsCollector collector(2);
  const Tensor bar = filled({42}, 0.0f);
  CHECK_THROWS_AS(collector.add("", Tensor()), Error);
  CHECK_THROWS_WITH(collector.add("", bar), Catch::Contains("without a name"));
  CHECK_THROWS_WITH(collector.add("foo", Tensor()), Catch::Contains("'foo' has no tensor"));
  collector.add("foo", bar, true);
  collector.add("foo", bar, true);
  CHECK_THROWS_WITH(collector.add("foo", bar, true), Catch::Contains("added 3 times with 2 device(s)"));
}

TEST_CASE("outputs collector: an averaged name added more than once on one device is an error", "[engine][collectors]") {
  OutputsCollector collector(1);
  collector.add("loss", scalar(1.0f), true);
  CHECK_THROWS_WITH(collector.add("loss", scalar(1.0f), true), Catch::Contains("added 2 times with 1 device(s)"));
}

TEST_CASE("outputs collector: averaging and renaming meet as in NiftyNet's _add_to_dict", "[engine][collectors]") {
  OutputsCollector collector(2);
  SECTION("an averaged name taken by a plain value is an error") {
    collector.add("dice", scalar(0.5f));
    CHECK_THROWS_WITH(collector.add("dice", scalar(0.5f), true), Catch::Contains("taken by a value that is not averaged"));
  }
  SECTION("a plain value whose name is averaged is renamed") {
    collector.add("dice", scalar(0.5f), true);
    collector.add("dice", scalar(0.25f));
    collector.add("dice", scalar(0.75f), true);
    collector.finalise();
    const auto v = collector.values(Collection::Console);
    REQUIRE(v.size() == 2);
    CHECK(v.at("dice").data<float>()[0] == 0.625f);    // (0.5 + 0.75) / 2
    CHECK(v.at("dice_1").data<float>()[0] == 0.25f);
  }
  SECTION("renaming takes the first free suffix") {
    collector.add("a_1", scalar(1.0f));
    collector.add("a", scalar(2.0f));
    collector.add("a", scalar(3.0f));
    collector.finalise();
    const auto v = collector.values(Collection::Console);
    CHECK(v.at("a_1").data<float>()[0] == 1.0f);
    CHECK(v.at("a").data<float>()[0] == 2.0f);
    CHECK(v.at("a_2").data<float>()[0] == 3.0f);
  }
  SECTION("averaged values of different shapes are an error") {
    collector.add("bar", filled({3}, 1.0f), true);
    CHECK_THROWS_WITH(collector.add("bar", filled({4}, 1.0f), true), Catch::Contains("has shape [3]"));
  }
  SECTION("console values must be float32; network outputs need not be") {
    CHECK_THROWS_WITH(collector.add("count", Tensor::zeros({1}, DType::Int32)), Catch::Contains("float32"));
    CHECK_NOTHROW(collector.add("location", Tensor::zeros({2, 7}, DType::Int32), false, Collection::NetworkOutput));
    CHECK_THROWS(collector.add("labels", Tensor::zeros({2}, DType::Int32), true, Collection::NetworkOutput));
  }
}

TEST_CASE("outputs collector: the average is the element-wise mean, rounded once", "[engine][collectors]") {
  OutputsCollector collector(3);
  // float32 values whose float sum rounds: 1 + 2^-24 + 2^-24 is 1 in float, 1 + 2^-23 exactly.
  const float tiny = std::ldexp(1.0f, -24);
  for (float v : {1.0f, tiny, tiny}) {
    Tensor t = Tensor::empty({2});
    t.data<float>()[0] = v;
    t.data<float>()[1] = -3.0f * v;
    collector.add("x", t, true);
  }
  collector.finalise();
  const Tensor x = collector.values(Collection::Console).at("x");
  CHECK(x.data<float>()[0] == static_cast<float>((1.0 + 2.0 * std::ldexp(1.0, -24)) / 3.0));
  CHECK(x.data<float>()[1] == static_cast<float>(-3.0 * (1.0 + 2.0 * std::ldexp(1.0, -24)) / 3.0));
}

TEST_CASE("outputs collector: values are read after finalise; clear_values starts the next iteration", "[engine][collectors]") {
  OutputsCollector collector(1);
  collector.add("loss", scalar(0.5f), true);
  collector.add("dice", scalar(0.25f));
  collector.add("dice", scalar(0.75f));
  CHECK_THROWS_AS(collector.values(Collection::Console), InternalError);
  CHECK_THROWS_AS(collector.collected(Collection::Console), InternalError);
  collector.finalise();
  collector.finalise();  // idempotent
  CHECK_THROWS_AS(collector.add("late", scalar(1.0f)), InternalError);

  std::vector<std::string> order;
  for (const auto& c : collector.collected(Collection::Console)) order.push_back(c.name);
  CHECK(order == std::vector<std::string>{"loss", "dice", "dice_1"});
  CHECK(collector.collected(Collection::Console).at(0).average_over_devices);

  // The next iteration adds the same names (renamed the same way) and drops one.
  collector.clear_values();
  CHECK(collector.variables(Collection::Console).empty());
  collector.add("loss", scalar(0.125f), true);
  collector.add("dice", scalar(1.0f));
  collector.finalise();
  const auto v = collector.values(Collection::Console);
  CHECK(v.size() == 2);
  CHECK(v.at("loss").data<float>()[0] == 0.125f);
  CHECK(v.at("dice").data<float>()[0] == 1.0f);
  CHECK_THROWS_WITH(collector.summary_type(Collection::Console, "dice_1"), Catch::Contains("no console value named 'dice_1'"));
  CHECK_THROWS_WITH(collector.summary_type(Collection::Console, "los"), Catch::Contains("did you mean 'loss'"));
}

// ---- reduce over ranks -------------------------------------------------------------------------

TEST_CASE("outputs collector: reduce over 2 ranks gives rank 0 the average and name, name_1", "[engine][collectors]") {
  LocalGroup group(2);
  std::vector<std::map<std::string, Tensor>> console(2), summary(2), netout(2);
  group.run([&](Communicator& comm) {
    const auto r = static_cast<float>(comm.rank());
    OutputsCollector collector;  // one device per rank
    for (int iteration = 0; iteration < 2; ++iteration) {  // the second iteration reuses the names
      collector.clear_values();
      const float it = static_cast<float>(iteration);
      collector.add("loss", scalar(0.5f + r + it), true);            // rank 0: 0.5, rank 1: 1.5 (+ it)
      collector.add("dice", scalar(0.25f * (r + 1.0f)));             // rank 0: 0.25, rank 1: 0.5
      Tensor hist = Tensor::empty({3});
      for (int i = 0; i < 3; ++i) hist.data<float>()[i] = 10.0f * r + static_cast<float>(i);
      collector.add("weights", hist, false, Collection::Summary, SummaryType::Histogram);
      collector.add("lr", scalar(0.01f), true, Collection::Summary);
      collector.add("window", filled({1, 2, 2, 2}, r), false, Collection::NetworkOutput);
      collector.reduce(comm);
    }
    const auto u = static_cast<std::size_t>(comm.rank());
    console[u] = collector.values(Collection::Console);
    summary[u] = collector.values(Collection::Summary);
    netout[u] = collector.values(Collection::NetworkOutput);
    if (comm.rank() == 0) {
      CHECK(collector.summary_type(Collection::Summary, "weights_1") == SummaryType::Histogram);
      std::vector<std::string> order;
      for (const auto& c : collector.collected(Collection::Console)) order.push_back(c.name);
      CHECK(order == std::vector<std::string>{"loss", "dice", "dice_1"});
    }
  });
  // Rank 0: averaged over ranks, the rest per rank. Iteration 1: loss (1.5 + 2.5) / 2 = 2.
  REQUIRE(console[0].size() == 3);
  CHECK(console[0].at("loss").data<float>()[0] == 2.0f);
  CHECK(console[0].at("dice").data<float>()[0] == 0.25f);
  CHECK(console[0].at("dice_1").data<float>()[0] == 0.5f);
  REQUIRE(summary[0].size() == 3);
  CHECK(summary[0].at("weights").data<float>()[2] == 2.0f);
  CHECK(summary[0].at("weights_1").data<float>()[0] == 10.0f);
  CHECK(summary[0].at("weights_1").data<float>()[2] == 12.0f);
  CHECK(summary[0].at("lr").data<float>()[0] == 0.01f);
  // Network outputs stay on their rank.
  REQUIRE(netout[0].size() == 1);
  CHECK(netout[0].at("window").data<float>()[0] == 0.0f);
  REQUIRE(netout[1].size() == 1);
  CHECK(netout[1].at("window").data<float>()[0] == 1.0f);
  // Rank 1 keeps its own values.
  REQUIRE(console[1].size() == 2);
  CHECK(console[1].at("loss").data<float>()[0] == 2.5f);
  CHECK(console[1].at("dice").data<float>()[0] == 0.5f);
}

TEST_CASE("outputs collector: reduce over 4 ranks equals one process with 4 towers, bit for bit", "[engine][collectors]") {
  // Rank (tower) r's values: awkward floats, so any other order or precision of the mean shows.
  const auto value = [](int r, int i) { return 0.1f * static_cast<float>(r + 1) + 1e-3f * static_cast<float>(i * i) / 7.0f; };
  const auto add_tower = [&](OutputsCollector& c, int r) {
    Tensor a = Tensor::empty({5}), b = Tensor::empty({1});
    for (int i = 0; i < 5; ++i) a.data<float>()[i] = value(r, i);
    b.data<float>()[0] = value(r, 9);
    c.add("loss", b, true);
    c.add("dice", b);
    c.add("dice", a);  // twice per tower: dice, dice_1 on tower 0, dice_2, dice_3 on tower 1, ...
    c.add("grad_norms", a, true, Collection::Summary, SummaryType::Histogram);
    c.add("volume", a, false, Collection::Summary, SummaryType::Image3d);
  };
  OutputsCollector towers(4);
  for (int r = 0; r < 4; ++r) add_tower(towers, r);
  towers.finalise();

  std::vector<CollectedVariable> reduced_console, reduced_summary;
  LocalGroup group(4);
  group.run([&](Communicator& comm) {
    OutputsCollector collector;
    add_tower(collector, comm.rank());
    collector.reduce(comm);
    if (comm.rank() == 0) {
      reduced_console = collector.collected(Collection::Console);
      reduced_summary = collector.collected(Collection::Summary);
    }
  });
  for (auto [collection, reduced] : {std::pair{Collection::Console, &reduced_console},
                                     std::pair{Collection::Summary, &reduced_summary}}) {
    const auto expected = towers.collected(collection);
    REQUIRE(reduced->size() == expected.size());
    for (std::size_t k = 0; k < expected.size(); ++k) {
      const auto& got = (*reduced)[k];
      INFO(expected[k].name);
      CHECK(got.name == expected[k].name);
      CHECK(got.average_over_devices == expected[k].average_over_devices);
      CHECK(got.summary_type == expected[k].summary_type);
      REQUIRE(got.value.shape() == expected[k].value.shape());
      CHECK(std::memcmp(got.value.data<float>(), expected[k].value.data<float>(), got.value.nbytes()) == 0);
    }
  }
  CHECK(reduced_console.size() == 1 + 8);  // loss, dice, dice_1 ... dice_7
  CHECK(reduced_console.back().name == "dice_7");
}

TEST_CASE("outputs collector: ranks that added different values fail on every rank", "[engine][collectors]") {
  LocalGroup group(3);
  std::vector<std::string> messages(3);
  CHECK_THROWS(group.run([&](Communicator& comm) {
    OutputsCollector collector;
    collector.add(comm.rank() == 2 ? "dice" : "loss", scalar(1.0f), true);
    try {
      collector.reduce(comm);
    } catch (const Error& e) {
      messages[static_cast<std::size_t>(comm.rank())] = e.what();
      throw;
    }
  }));
  for (const auto& m : messages) CHECK_THAT(m, Catch::Contains("rank 2 added other console or summary values"));
}

namespace {

// Counts what is asked of it; a run of one rank.
class CountingCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::uint64_t all_reduce_sum_start(std::span<float>) override { return ++calls; }
  void wait(std::uint64_t) override { ++calls; }
  std::vector<std::vector<double>> gather_to_root(std::span<const double>) override { ++calls; return {}; }
  void barrier() override { ++calls; }
  void broadcast(std::span<double>, int) override { ++calls; }
  int calls = 0;
};

}  // namespace

TEST_CASE("outputs collector: reduce on one rank is finalise and sends nothing", "[engine][collectors]") {
  CountingCommunicator comm;
  OutputsCollector collector(2);
  collector.add("loss", scalar(1.0f), true);
  collector.add("loss", scalar(2.0f), true);
  collector.reduce(comm);
  CHECK(comm.calls == 0);
  CHECK(collector.values(Collection::Console).at("loss").data<float>()[0] == 1.5f);
  CHECK_THROWS_AS(collector.reduce(comm), InternalError);
}
