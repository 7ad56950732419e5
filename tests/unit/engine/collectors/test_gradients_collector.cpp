// test_gradients_collector.cpp — NiftyNet's gradient_collector_test.py in C++ (n devices, one more
// add refused, the average in one device's structure for a list, lists of lists and a map of
// lists), and the reduction stage: bit-exact on one rank, buckets planned and started on the
// hand-off in one order (a recording communicator), averages over 4 ranks (LocalGroup).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "support/doubles/local_group.hpp"
#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/engine/collectors/gradients_collector.hpp"

using namespace voxtrain;
using voxtrain::testing::LocalGroup;

namespace {

Tensor filled(const Shape& shape, float value) {
  Tensor t = Tensor::empty(shape);
  t.fill(value);
  return t;
}

// A toy network's gradients on device d: three tensors filled with d + 1 + k / 4.
GradientList toy_gradients(int d) {
  const float base = static_cast<float>(d + 1);
  return {filled({4, 2, 3, 3, 3}, base), filled({4}, base + 0.25f), filled({2, 4, 1, 1, 1}, base + 0.5f)};
}

// The mean over n devices of toy_gradients(d)[k]: (1 + ... + n) / n + k / 4.
float toy_mean(int n, int k) { return static_cast<float>(n + 1) / 2.0f + 0.25f * static_cast<float>(k); }

void check_list(const GradientList& got, int n) {
  const GradientList one = toy_gradients(0);
  REQUIRE(got.size() == one.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    CHECK(got[k].shape() == one[k].shape());
    for (std::int64_t i = 0; i < got[k].numel(); ++i)
      REQUIRE(got[k].data<float>()[i] == toy_mean(n, static_cast<int>(k)));
  }
}

}  // namespace

TEST_CASE("gradients collector: 3 devices, a 4th add refused, the average has one device's structure (NiftyNet's "
          "test_gradients, test_nested_gradients, test_multiple_loss_gradients, "
          "test_multiple_device_multiple_loss_gradients_with_multiple_optimiser)",
          "[engine][collectors]") {
  const int n_device = 3;
  GradientsCollector collector(n_device);
  SECTION("a list") {
    for (int d = 0; d < n_device; ++d) collector.add(toy_gradients(d));
    CHECK(collector.devices_added() == 3);
    CHECK_THROWS_WITH(collector.add(toy_gradients(0)), Catch::Contains("added 4 times with 3 device(s)"));
    check_list(std::get<GradientList>(collector.gradients()), n_device);
  }
  SECTION("[grads]") {
    for (int d = 0; d < n_device; ++d) collector.add(std::vector<GradientList>{toy_gradients(d)});
    CHECK_THROWS(collector.add(std::vector<GradientList>{toy_gradients(0)}));
    const auto got = std::get<std::vector<GradientList>>(collector.gradients());
    REQUIRE(got.size() == 1);
    check_list(got[0], n_device);
  }
  SECTION("[grads, grads_1]") {
    for (int d = 0; d < n_device; ++d) collector.add(std::vector<GradientList>{toy_gradients(d), toy_gradients(d)});
    CHECK_THROWS(collector.add(toy_gradients(0)));
    const auto got = std::get<std::vector<GradientList>>(collector.gradients());
    REQUIRE(got.size() == 2);
    check_list(got[0], n_device);
    check_list(got[1], n_device);
  }
  SECTION("{'opt': grads, 'opt_1': grads_1}") {
    for (int d = 0; d < n_device; ++d)
      collector.add(std::map<std::string, GradientList>{{"opt", toy_gradients(d)}, {"opt_1", toy_gradients(d)}});
    CHECK_THROWS(collector.add(std::map<std::string, GradientList>{{"opt", toy_gradients(0)}}));
    const auto got = std::get<std::map<std::string, GradientList>>(collector.gradients());
    REQUIRE(got.size() == 2);
    check_list(got.at("opt"), n_device);
    check_list(got.at("opt_1"), n_device);
  }
}

TEST_CASE("gradients collector: one device's gradients come back as given (NiftyNet's test_single_device_gradients, "
          "test_simple_gradients)", "[engine][collectors]") {
  GradientsCollector collector(1);
  const GradientList grads = toy_gradients(0);
  collector.add(std::vector<GradientList>{grads, grads});
  CHECK_THROWS_WITH(collector.add(grads), Catch::Contains("added 2 times with 1 device(s)"));
  const auto got = std::get<std::vector<GradientList>>(collector.gradients());
  REQUIRE(got.size() == 2);
  CHECK(got[1][2].storage() == grads[2].storage());
}

TEST_CASE("gradients collector: structures that differ between devices are refused", "[engine][collectors]") {
  GradientsCollector collector(2);
  SECTION("nothing added") { CHECK_THROWS_WITH(collector.gradients(), Catch::Contains("no gradients were added")); }
  SECTION("form") {
    collector.add(toy_gradients(0));
    CHECK_THROWS_WITH(collector.add(std::vector<GradientList>{toy_gradients(1)}),
                      Catch::Contains("adds a list of gradient lists where device 0 added a list of gradients"));
  }
  SECTION("length") {
    collector.add(toy_gradients(0));
    GradientList shorter = toy_gradients(1);
    shorter.pop_back();
    CHECK_THROWS_WITH(collector.add(shorter), Catch::Contains("device 1 gives 2 gradients where device 0 gave 3"));
  }
  SECTION("shape") {
    collector.add(toy_gradients(0));
    GradientList other = toy_gradients(1);
    other[1] = filled({5}, 1.0f);
    CHECK_THROWS_WITH(collector.add(other), Catch::Contains("gradient #1 has shape [5] where device 0's has [4]"));
  }
  SECTION("optimiser names") {
    collector.add(std::map<std::string, GradientList>{{"opt", toy_gradients(0)}});
    CHECK_THROWS_WITH(collector.add(std::map<std::string, GradientList>{{"opt_2", toy_gradients(1)}}),
                      Catch::Contains("optimiser 'opt_2', which device 0 did not"));
  }
  SECTION("dtype") {
    CHECK_THROWS_WITH(collector.add(GradientList{Tensor::zeros({2}, DType::Int32)}), Catch::Contains("float32"));
  }
}

TEST_CASE("gradients collector: a gradient missing on a device is averaged over the others (NiftyNet skips None)",
          "[engine][collectors]") {
  GradientsCollector collector(3);
  collector.add(GradientList{filled({2}, 1.0f), Tensor(), Tensor()});
  collector.add(GradientList{filled({2}, 2.0f), filled({3}, 4.0f), Tensor()});
  collector.add(GradientList{filled({2}, 6.0f), filled({3}, 8.0f), Tensor()});
  const auto got = std::get<GradientList>(collector.gradients());
  REQUIRE(got.size() == 3);
  CHECK(got[0].data<float>()[1] == 3.0f);  // (1 + 2 + 6) / 3
  CHECK(got[1].data<float>()[2] == 6.0f);  // (4 + 8) / 2
  CHECK_FALSE(got[2].defined());
}

// ---- the reduction stage -----------------------------------------------------------------------

namespace {

struct Net {
  std::vector<Parameter> params;
  std::vector<Parameter*> list;
  // Parameters of the given element counts, gradients filled by fill(parameter index, element).
  template <class Fill> Net(const std::vector<std::int64_t>& sizes, Fill fill) {
    params.reserve(sizes.size());
    for (std::size_t p = 0; p < sizes.size(); ++p) {
      params.emplace_back(fmt::format("p{}", p), Tensor::zeros({sizes[p]}));
      float* g = params.back().grad().data<float>();
      for (std::int64_t i = 0; i < sizes[p]; ++i) g[i] = fill(p, i);
    }
    for (auto& p : params) list.push_back(&p);
  }
};

// Records the calls in order ("start 12", "wait 1", and the test's own "ready p3" markers) and
// acts as a run of 2 ranks whose other rank's gradients are all 1: each sum adds 1 at wait().
class RecordingCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  std::uint64_t all_reduce_sum_start(std::span<float> values) override {
    log.push_back("start " + std::to_string(values.size()));
    started.push_back(values);
    return started.size();
  }
  void wait(std::uint64_t handle) override {
    log.push_back("wait " + std::to_string(handle));
    for (float& v : started.at(handle - 1)) v += 1.0f;
  }
  std::vector<std::vector<double>> gather_to_root(std::span<const double>) override { return {}; }
  void barrier() override {}
  void broadcast(std::span<double>, int) override {}

  std::vector<std::string> log;
  std::vector<std::span<float>> started;
};

// Backward hands the gradients off last parameter first.
void backward(GradientReduction& reduction, Net& net, std::vector<std::string>* log = nullptr) {
  for (std::size_t k = net.params.size(); k-- > 0;) {
    if (log != nullptr) log->push_back("ready " + net.params[k].name());
    reduction.gradient_ready(net.params[k]);
  }
}

}  // namespace

TEST_CASE("gradient reduction on one rank leaves every gradient bit for bit as it was", "[engine][collectors]") {
  // Awkward values: subnormals, -0, the largest float, NaN with a payload.
  const std::vector<float> specials{std::numeric_limits<float>::denorm_min(), -0.0f, std::numeric_limits<float>::max(),
                                    std::numeric_limits<float>::quiet_NaN(), 1.0f / 3.0f};
  Net net({7, 1000, 3, 64}, [&](std::size_t p, std::int64_t i) {
    return i < 5 ? specials[static_cast<std::size_t>(i)] : std::sin(static_cast<float>(p * 1000 + static_cast<std::size_t>(i)));
  });
  std::vector<std::vector<float>> before;
  for (auto& p : net.params) before.emplace_back(p.grad().data<float>(), p.grad().data<float>() + p.numel());

  SingleProcessCommunicator comm;
  GradientsCollector reduction(comm, /*bucket_bytes=*/256);
  for (int step = 0; step < 2; ++step) {
    reduction.begin_step(net.list);
    backward(reduction, net);
    reduction.wait_all();
  }
  CHECK(comm.pending() == 0);
  for (std::size_t p = 0; p < net.params.size(); ++p)
    CHECK(std::memcmp(before[p].data(), net.params[p].grad().data<float>(), before[p].size() * sizeof(float)) == 0);
  // The default constructor's own single-process communicator does the same.
  GradientsCollector local;
  local.begin_step(net.list);
  backward(local, net);
  local.wait_all();
  for (std::size_t p = 0; p < net.params.size(); ++p)
    CHECK(std::memcmp(before[p].data(), net.params[p].grad().data<float>(), before[p].size() * sizeof(float)) == 0);
}

TEST_CASE("gradient reduction: buckets in reverse parameter order, started on the hand-off that fills them, in "
          "bucket order", "[engine][collectors]") {
  // 40-byte buckets: p5 (4 floats) + p4 (6) = 40 bytes -> bucket 0; p3 (20) -> bucket 1; p2 (2) + p1 (3)
  // + p0 (5) -> bucket 2 (it closes only once it reaches 40 bytes, and the parameters run out first).
  Net net({5, 3, 2, 20, 6, 4}, [](std::size_t p, std::int64_t i) { return static_cast<float>(p) + 0.125f * static_cast<float>(i); });
  RecordingCommunicator comm;
  GradientsCollector reduction(comm, /*bucket_bytes=*/40);
  std::vector<std::string>& log = comm.log;

  reduction.begin_step(net.list);
  REQUIRE(reduction.bucket_count() == 3);
  CHECK(reduction.bucket_parameters(0) == std::vector<const Parameter*>{&net.params[5], &net.params[4]});
  CHECK(reduction.bucket_parameters(1) == std::vector<const Parameter*>{&net.params[3]});
  CHECK(reduction.bucket_parameters(2) ==
        std::vector<const Parameter*>{&net.params[2], &net.params[1], &net.params[0]});

  SECTION("in backward order each bucket starts as soon as its last gradient is handed off") {
    backward(reduction, net, &log);
    log.push_back("backward done");
    reduction.wait_all();
    CHECK(log == std::vector<std::string>{"ready p5", "ready p4", "start 10", "ready p3", "start 20", "ready p2",
                                          "ready p1", "ready p0", "start 10", "backward done", "wait 1", "wait 2",
                                          "wait 3"});
  }
  SECTION("a later bucket that fills first waits for the earlier ones, so every rank issues the same order") {
    for (std::size_t k : {3u, 0u, 1u, 2u, 5u, 4u}) {
      log.push_back("ready p" + std::to_string(k));
      reduction.gradient_ready(net.params[k]);
    }
    reduction.wait_all();
    CHECK(log == std::vector<std::string>{"ready p3", "ready p0", "ready p1", "ready p2", "ready p5", "ready p4",
                                          "start 10", "start 20", "start 10", "wait 1", "wait 2", "wait 3"});
  }
  // The other rank's gradients are all 1: the average is (g + 1) / 2.
  for (std::size_t p = 0; p < net.params.size(); ++p)
    for (std::int64_t i = 0; i < net.params[p].numel(); ++i)
      REQUIRE(net.params[p].grad().data<float>()[i] ==
              (static_cast<float>(p) + 0.125f * static_cast<float>(i) + 1.0f) / 2.0f);
}

TEST_CASE("gradient reduction: hand-offs that break the step are bugs", "[engine][collectors]") {
  Net net({4, 4, 4}, [](std::size_t, std::int64_t) { return 1.0f; });
  RecordingCommunicator comm;
  GradientsCollector reduction(comm, 16);
  Parameter stranger("stranger", Tensor::zeros({4}));
  reduction.begin_step(net.list);
  CHECK_THROWS_AS(reduction.gradient_ready(stranger), InternalError);
  reduction.gradient_ready(net.params[2]);
  CHECK_THROWS_WITH(reduction.gradient_ready(net.params[2]), Catch::Contains("'p2' handed off twice"));
  reduction.gradient_ready(net.params[1]);
  CHECK_THROWS_WITH(reduction.wait_all(), Catch::Contains("'p0' never became ready (2 of 3 arrived)"));
  // The abandoned step's sums (p2's and p1's buckets) are waited for before the next step reuses them.
  comm.log.clear();
  reduction.begin_step(net.list);
  CHECK(comm.log == std::vector<std::string>{"wait 1", "wait 2"});
  std::vector<Parameter*> twice{net.list[0], net.list[0]};
  CHECK_THROWS_AS(reduction.begin_step(twice), InternalError);
}

TEST_CASE("gradient reduction over 4 ranks: every rank ends with the mean of the ranks' gradients",
          "[engine][collectors]") {
  // Rank r's gradient of parameter p, element i: multiples of 1/8, so float sums are exact.
  const auto grad = [](int r, std::size_t p, std::int64_t i) {
    return static_cast<float>((r * 7 + static_cast<int>(p) * 3 + static_cast<int>(i % 11)) % 13 - 6) / 8.0f;
  };
  const std::vector<std::int64_t> sizes{300, 17, 1, 4096, 33, 250};
  LocalGroup group(4);
  group.run([&](Communicator& comm) {
    const int rank = comm.rank();
    Net net(sizes, [&](std::size_t p, std::int64_t i) { return grad(rank, p, i); });
    GradientsCollector reduction(comm, /*bucket_bytes=*/1024);
    for (int step = 0; step < 3; ++step) {
      for (std::size_t p = 0; p < sizes.size(); ++p)
        for (std::int64_t i = 0; i < sizes[p]; ++i) net.params[p].grad().data<float>()[i] = grad(rank, p, i) + static_cast<float>(step);
      reduction.begin_step(net.list);
      // Ranks hand gradients off in different orders; the buckets still go out in one order
      // (LocalGroup fails a sum whose length differs between ranks).
      std::vector<std::size_t> order{5, 4, 3, 2, 1, 0};
      if (rank % 2 == 1) std::swap(order[0], order[4]);
      if (rank == 2) std::reverse(order.begin(), order.end());
      for (std::size_t k : order) reduction.gradient_ready(net.params[k]);
      reduction.wait_all();
      for (std::size_t p = 0; p < sizes.size(); ++p)
        for (std::int64_t i = 0; i < sizes[p]; ++i) {
          double mean = 0;
          for (int r = 0; r < 4; ++r) mean += grad(r, p, i) + static_cast<float>(step);
          mean /= 4;
          REQUIRE(net.params[p].grad().data<float>()[i] == static_cast<float>(mean));
        }
    }
    CHECK(reduction.bucket_count() > 2);
  });
}
