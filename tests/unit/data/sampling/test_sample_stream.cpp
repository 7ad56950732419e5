// test_sample_stream.cpp — the sharded training stream: the same items, keys and drawn windows
// for 1..4 ranks, exact resumption, equal steps, shuffled epochs; inference and validation shards.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/sampling/sample_stream.hpp"
#include "voxtrain/data/sampling/sampler.hpp"

using voxtrain::SampleStream;
using voxtrain::StreamItem;
using voxtrain::StreamSpec;
using Catch::Matchers::Contains;

namespace {

// What a rank produces for one item: its identity, key and the window drawn with it.
using Produced = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::uint64_t, std::string>;

std::vector<voxtrain::SamplerIndex> uniform_indices(std::int64_t n_subjects) {
  std::vector<voxtrain::SamplerIndex> indices;
  for (std::int64_t s = 0; s < n_subjects; ++s) {
    voxtrain::SamplerInput in;
    in.subject = s;
    in.size_ijk = {20 + s, 18, 16};
    indices.emplace_back(voxtrain::SamplerKind::Uniform, in, voxtrain::WindowSize{8, 8, 8});
  }
  return indices;
}

// Every rank of an R-rank job runs `steps` steps; returns what they produced in `epoch`.
std::vector<Produced> run_job(StreamSpec spec, int ranks, std::int64_t steps, std::int64_t epoch,
                              std::vector<std::int64_t>* steps_per_rank = nullptr) {
  const auto indices = uniform_indices(spec.n_subjects);
  std::vector<Produced> out;
  spec.ranks = ranks;
  for (int r = 0; r < ranks; ++r) {
    spec.rank = r;
    SampleStream stream(spec);
    for (std::int64_t t = 0; t < steps; ++t) {
      const auto batch = stream.next_batch();
      REQUIRE(static_cast<std::int64_t>(batch.size()) == spec.batch_size);
      for (const StreamItem& it : batch) {
        if (it.epoch != epoch) continue;
        const auto at = indices[static_cast<std::size_t>(it.subject)].draw(it.key_for("location"));
        out.emplace_back(it.epoch, it.subject, it.slot, it.key, at.to_string());
      }
    }
    if (steps_per_rank) steps_per_rank->push_back(stream.steps_taken());
  }
  return out;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

TEST_CASE("stream: 1, 2, 3 and 4 ranks produce the same epoch, each item once", "[data]") {
  for (std::int64_t spv : {1, 3}) {
    StreamSpec spec{.n_subjects = 10, .sample_per_volume = spv, .seed = 77, .ranks = 1, .rank = 0,
                    .batch_size = 2, .start_position = 0};
    std::set<Produced> reference;
    for (int ranks = 1; ranks <= 4; ++ranks) {
      INFO("sample_per_volume " << spv << ", ranks " << ranks);
      const std::int64_t steps = ceil_div(10 * spv, ranks * 2);  // enough to cover epoch 0
      std::vector<std::int64_t> steps_per_rank;
      const auto produced = run_job(spec, ranks, steps, 0, &steps_per_rank);
      const std::set<Produced> unique(produced.begin(), produced.end());
      CHECK(unique.size() == produced.size());  // no duplicates
      CHECK(static_cast<std::int64_t>(produced.size()) == 10 * spv);
      CHECK(std::all_of(steps_per_rank.begin(), steps_per_rank.end(),
                        [&](std::int64_t s) { return s == steps; }));
      // Every (subject, slot) exactly once.
      std::set<std::pair<std::int64_t, std::int64_t>> pairs;
      for (const auto& p : produced) pairs.emplace(std::get<1>(p), std::get<2>(p));
      CHECK(static_cast<std::int64_t>(pairs.size()) == 10 * spv);
      if (ranks == 1) reference = unique;
      CHECK(unique == reference);
    }
  }
}

TEST_CASE("stream: one rank's stream is the shuffled epochs, each subject's slots together", "[data]") {
  const StreamSpec spec{.n_subjects = 7, .sample_per_volume = 3, .seed = 5, .ranks = 1, .rank = 0,
                        .batch_size = 4, .start_position = 0};
  SampleStream stream(spec);
  std::int64_t position = 0;
  for (std::int64_t epoch = 0; epoch < 3; ++epoch) {
    const auto order = voxtrain::epoch_subject_order(7, 5, epoch);
    for (std::int64_t subject : order)
      for (std::int64_t slot = 0; slot < 3; ++slot, ++position) {
        const StreamItem it = stream.next();
        CHECK(it == StreamItem{epoch, subject, slot, position,
                               voxtrain::training_item_key(5, epoch, subject, slot)});
      }
  }
}

TEST_CASE("stream: rank r takes block r of each step; a rank knows its batches in advance", "[data]") {
  const StreamSpec base{.n_subjects = 10, .sample_per_volume = 1, .seed = 3, .ranks = 3, .rank = 0,
                        .batch_size = 2, .start_position = 0};
  const SampleStream whole(StreamSpec{.n_subjects = 10, .sample_per_volume = 1, .seed = 3});
  for (int r = 0; r < 3; ++r) {
    StreamSpec spec = base;
    spec.rank = r;
    SampleStream stream(spec);
    const auto planned = stream.batch(4);  // step 4, before sampling anything
    for (std::int64_t t = 0; t < 6; ++t) {
      const auto got = stream.next_batch();
      for (std::int64_t b = 0; b < 2; ++b) {
        const std::int64_t position = t * 6 + r * 2 + b;  // step t covers [6t, 6t + 6)
        CHECK(got[static_cast<std::size_t>(b)] == whole.item_at(position));
      }
      if (t == 4) CHECK(got == planned);
    }
  }
}

TEST_CASE("stream: resuming at a position continues exactly, on the same or another rank count", "[data]") {
  const StreamSpec spec{.n_subjects = 10, .sample_per_volume = 3, .seed = 11, .ranks = 3, .rank = 0,
                        .batch_size = 2, .start_position = 0};
  // The first run: 3 ranks, 7 steps, then 5 more.
  std::map<std::int64_t, StreamItem> first_run;  // position -> item, after the resume point
  std::int64_t resume = -1;
  std::vector<std::vector<StreamItem>> continuation(3);
  for (int r = 0; r < 3; ++r) {
    StreamSpec s = spec;
    s.rank = r;
    SampleStream stream(s);
    for (int t = 0; t < 7; ++t) stream.next_batch();
    resume = stream.resume_position();
    for (int t = 0; t < 5; ++t)
      for (const auto& it : stream.next_batch()) {
        continuation[static_cast<std::size_t>(r)].push_back(it);
        first_run.emplace(it.position, it);
      }
  }
  CHECK(resume == 7 * 3 * 2);
  // Same rank count from the resume position: each rank's continuation is identical.
  for (int r = 0; r < 3; ++r) {
    StreamSpec s = spec;
    s.rank = r;
    s.start_position = resume;
    SampleStream stream(s);
    std::vector<StreamItem> again;
    for (int t = 0; t < 5; ++t)
      for (const auto& it : stream.next_batch()) again.push_back(it);
    CHECK(again == continuation[static_cast<std::size_t>(r)]);
  }
  // Two ranks of batch 3 from the same position cover the same positions with the same items.
  std::map<std::int64_t, StreamItem> second_run;
  for (int r = 0; r < 2; ++r) {
    StreamSpec s = spec;
    s.ranks = 2;
    s.rank = r;
    s.batch_size = 3;
    s.start_position = resume;
    SampleStream stream(s);
    for (int t = 0; t < 5; ++t)
      for (const auto& it : stream.next_batch()) second_run.emplace(it.position, it);
  }
  CHECK(second_run == first_run);
  // Positions and (epoch, index in epoch) convert both ways; resuming from (epoch, index).
  const SampleStream probe(spec);
  CHECK(probe.items_per_epoch() == 30);
  CHECK(probe.split(resume) == voxtrain::EpochIndex{1, 12});
  CHECK(probe.position_of({1, 12}) == resume);
  for (std::int64_t p = 0; p < 100; ++p) CHECK(probe.position_of(probe.split(p)) == p);
}

TEST_CASE("stream: epochs are permutations; seeds and epochs shuffle differently", "[data]") {
  std::vector<std::int64_t> identity(10);
  std::iota(identity.begin(), identity.end(), 0);
  std::set<std::vector<std::int64_t>> orders;
  std::vector<int> first(10, 0);
  for (std::int64_t e = 0; e < 2000; ++e) {
    auto order = voxtrain::epoch_subject_order(10, 42, e);
    ++first[static_cast<std::size_t>(order[0])];
    orders.insert(order);
    std::sort(order.begin(), order.end());
    REQUIRE(order == identity);
  }
  CHECK(orders.size() > 1990);  // 10! orders: repeats are rare
  for (int count : first) CHECK(std::abs(count - 200) < 60);  // ~4.5 sigma: every subject leads
  CHECK(voxtrain::epoch_subject_order(10, 42, 0) != voxtrain::epoch_subject_order(10, 43, 0));
  CHECK(voxtrain::epoch_subject_order(10, 42, 0) == voxtrain::epoch_subject_order(10, 42, 0));
  CHECK(voxtrain::training_item_key(42, 0, 3, 1) != voxtrain::training_item_key(43, 0, 3, 1));
}

TEST_CASE("inference subjects: contiguous balanced blocks, each subject on one rank", "[data]") {
  CHECK(voxtrain::inference_subjects_for_rank(10, 3, 0) == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(voxtrain::inference_subjects_for_rank(10, 3, 1) == std::vector<std::int64_t>{4, 5, 6});
  CHECK(voxtrain::inference_subjects_for_rank(10, 3, 2) == std::vector<std::int64_t>{7, 8, 9});
  for (std::int64_t n : {0, 1, 5, 10, 13})
    for (int ranks = 1; ranks <= 12; ++ranks) {
      std::vector<std::int64_t> all;
      std::size_t smallest = 1 << 20, largest = 0;
      for (int r = 0; r < ranks; ++r) {
        const auto mine = voxtrain::inference_subjects_for_rank(n, ranks, r);
        smallest = std::min(smallest, mine.size());
        largest = std::max(largest, mine.size());
        all.insert(all.end(), mine.begin(), mine.end());
      }
      std::vector<std::int64_t> expected(static_cast<std::size_t>(n));
      std::iota(expected.begin(), expected.end(), 0);
      CHECK(all == expected);  // in order: blocks are contiguous and cover 0..n-1 once
      CHECK(largest - smallest <= 1);
    }
}

TEST_CASE("validation stream: a finite in-order pass, sharded like inference, keys independent of ranks", "[data]") {
  std::set<std::tuple<std::int64_t, std::int64_t, std::uint64_t>> reference;
  for (int ranks = 1; ranks <= 4; ++ranks) {
    std::set<std::tuple<std::int64_t, std::int64_t, std::uint64_t>> seen;
    std::int64_t total = 0;
    for (int r = 0; r < ranks; ++r) {
      voxtrain::ValidationStream v({.n_subjects = 5, .sample_per_volume = 2, .seed = 9,
                                    .ranks = ranks, .rank = r, .batch_size = 3});
      CHECK(v.subjects() == voxtrain::inference_subjects_for_rank(5, ranks, r));
      CHECK(v.steps() <= v.max_steps());
      std::int64_t last = -1;
      std::int64_t batched = 0;
      for (std::int64_t t = 0; t < v.max_steps(); ++t) batched += static_cast<std::int64_t>(v.batch(t).size());
      CHECK(batched == v.size());
      while (auto it = v.next()) {
        CHECK(it->position > last);  // not shuffled
        last = it->position;
        seen.emplace(it->subject, it->slot, it->key);
        ++total;
      }
      CHECK_FALSE(v.next().has_value());
    }
    CHECK(total == 10);
    CHECK(seen.size() == 10);
    if (ranks == 1) reference = seen;
    CHECK(seen == reference);
  }
  // The most steps: rank 0 holds ceil(5 / 2) = 3 subjects = 6 items = 2 batches of 3.
  CHECK(voxtrain::ValidationStream({.n_subjects = 5, .sample_per_volume = 2, .seed = 9, .ranks = 2,
                                    .rank = 1, .batch_size = 3})
            .max_steps() == 2);
}

TEST_CASE("stream: bad settings name the setting", "[data]") {
  auto make = [](StreamSpec s) { return SampleStream(s); };
  CHECK_THROWS_WITH(make({.n_subjects = 4, .sample_per_volume = 1, .seed = 0, .ranks = 1, .rank = 0,
                          .batch_size = 0, .start_position = 0}),
                    Contains("batch_size = 0"));
  CHECK_THROWS_WITH(make({.n_subjects = 4, .sample_per_volume = 0, .seed = 0, .ranks = 1, .rank = 0,
                          .batch_size = 1, .start_position = 0}),
                    Contains("sample_per_volume = 0"));
  CHECK_THROWS_WITH(make({.n_subjects = 0, .sample_per_volume = 1, .seed = 0, .ranks = 1, .rank = 0,
                          .batch_size = 1, .start_position = 0}),
                    Contains("no subjects"));
  CHECK_THROWS_WITH(make({.n_subjects = 4, .sample_per_volume = 1, .seed = 0, .ranks = 2, .rank = 2,
                          .batch_size = 1, .start_position = 0}),
                    Contains("rank 2 of 2"));
}
