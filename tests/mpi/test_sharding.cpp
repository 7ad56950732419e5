// test_sharding.cpp — each rank's training batches under real MPI: over three epochs the ranks'
// items are disjoint and complete, and a mid-epoch resume continues every rank's stream exactly.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "mpi_test_support.hpp"
#include "voxtrain/core/checks/check_mpi.hpp"
#include "voxtrain/data/sampling/training_batches.hpp"
#include "support/doubles/memory_subject_source.hpp"

using voxtrain::StreamItem;
using voxtrain::TrainingBatches;

namespace {

constexpr int kEpochs = 3;
constexpr std::uint64_t kSeed = 20261122;  // the same on every rank, as a config file gives it

// A data set shape. The item counts (n x S per epoch) are not multiples of R x B for the rank
// counts CTest uses (2, 3, 4), so steps straddle epochs and the last step runs into epoch 3.
struct Setting {
  std::int64_t subjects, slots, batch;
};
const std::vector<Setting> kSettings = {{7, 2, 2}, {2, 3, 1}};

// Subjects in memory whose voxel values are subject * 1000 + voxel index.
std::shared_ptr<voxtrain::testing::MemorySubjectSource> numbered_subjects(std::int64_t n) {
  std::vector<voxtrain::Subject> subjects;
  for (std::int64_t s = 0; s < n; ++s) {
    voxtrain::Subject x;
    x.id = "sub-" + std::to_string(s);
    x.image = voxtrain::Tensor::empty({1, 6, 6, 6});
    for (std::int64_t v = 0; v < 216; ++v) x.image.data<float>()[v] = static_cast<float>(s * 1000 + v);
    subjects.push_back(std::move(x));
  }
  return std::make_shared<voxtrain::testing::MemorySubjectSource>(std::move(subjects));
}

voxtrain::TrainingBatchSpec spec_for(const Setting& s, std::int64_t start_position) {
  voxtrain::TrainingBatchSpec spec;
  spec.sampler = voxtrain::SamplerKind::Uniform;
  spec.window = {4, 4, 4};
  spec.stream = {.n_subjects = s.subjects, .sample_per_volume = s.slots, .seed = kSeed,
                 .ranks = voxtrain::test::world_size(), .rank = voxtrain::test::world_rank(),
                 .batch_size = s.batch, .start_position = start_position};
  spec.num_threads = 1;
  spec.queue_length = 2;
  return spec;
}

// Steps every rank takes so that the ranks together cover `epochs` whole epochs.
std::int64_t steps_for(const Setting& s, int epochs) {
  const std::int64_t per_step = voxtrain::test::world_size() * s.batch;
  return (epochs * s.subjects * s.slots + per_step - 1) / per_step;
}

std::vector<voxtrain::PatchBatch> take(TrainingBatches& batches, std::int64_t steps) {
  std::vector<voxtrain::PatchBatch> out;
  for (std::int64_t t = 0; t < steps; ++t) out.push_back(batches.next());
  return out;
}

std::vector<StreamItem> items_of(const std::vector<voxtrain::PatchBatch>& batches) {
  std::vector<StreamItem> items;
  for (const auto& b : batches) items.insert(items.end(), b.items.begin(), b.items.end());
  return items;
}

// ---- gathering items on rank 0 ----------------------------------------------------------------
constexpr int kFields = 5;

std::vector<std::int64_t> pack(const std::vector<StreamItem>& items) {
  std::vector<std::int64_t> out;
  for (const auto& i : items)
    out.insert(out.end(), {i.epoch, i.subject, i.slot, i.position, static_cast<std::int64_t>(i.key)});
  return out;
}

std::vector<StreamItem> unpack(const std::int64_t* v, std::size_t count) {
  std::vector<StreamItem> out;
  for (std::size_t n = 0; n < count; ++n, v += kFields)
    out.push_back({.epoch = v[0], .subject = v[1], .slot = v[2], .position = v[3], .key = static_cast<std::uint64_t>(v[4])});
  return out;
}

// Every rank's items, indexed by rank, on rank 0 (empty elsewhere): counts first, then items.
std::vector<std::vector<StreamItem>> gather_to_root(const std::vector<StreamItem>& mine) {
  const int size = voxtrain::test::world_size();
  const bool root = voxtrain::test::world_rank() == 0;
  const std::vector<std::int64_t> packed = pack(mine);
  const int count = static_cast<int>(packed.size());
  std::vector<int> counts(static_cast<std::size_t>(size)), offsets(static_cast<std::size_t>(size));
  VOX_CHECK_MPI(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD));
  int total = 0;
  for (int r = 0; r < size; ++r) offsets[static_cast<std::size_t>(r)] = std::exchange(total, total + counts[static_cast<std::size_t>(r)]);
  std::vector<std::int64_t> all(root ? static_cast<std::size_t>(total) : 0);
  VOX_CHECK_MPI(MPI_Gatherv(packed.data(), count, MPI_INT64_T, all.data(), counts.data(), offsets.data(),
                            MPI_INT64_T, 0, MPI_COMM_WORLD));
  std::vector<std::vector<StreamItem>> by_rank;
  if (!root) return by_rank;
  for (int r = 0; r < size; ++r)
    by_rank.push_back(unpack(all.data() + offsets[static_cast<std::size_t>(r)],
                             static_cast<std::size_t>(counts[static_cast<std::size_t>(r)] / kFields)));
  return by_rank;
}

// ---- what rank 0 checks ------------------------------------------------------------------------
// Rank r's k-th item sits at global position (k / B) * R * B + r * B + k % B (the stream's docs).
std::int64_t off_block_items(const std::vector<std::vector<StreamItem>>& by_rank, std::int64_t batch) {
  const auto ranks = static_cast<std::int64_t>(by_rank.size());
  std::int64_t wrong = 0;
  for (std::int64_t r = 0; r < ranks; ++r)
    for (std::int64_t k = 0; k < static_cast<std::int64_t>(by_rank[static_cast<std::size_t>(r)].size()); ++k)
      wrong += by_rank[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)].position !=
               (k / batch) * ranks * batch + r * batch + k % batch;
  return wrong;
}

// How often each (epoch, subject, slot) was taken, over all ranks.
using Taken = std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, int>;
Taken count_taken(const std::vector<std::vector<StreamItem>>& by_rank) {
  Taken taken;
  for (const auto& items : by_rank)
    for (const auto& i : items) ++taken[{i.epoch, i.subject, i.slot}];
  return taken;
}

// (epoch, subject, slot) of the first `epochs` epochs not taken exactly once: a counting check.
std::int64_t not_taken_once(const Taken& taken, const Setting& s, int epochs) {
  std::int64_t wrong = 0;
  for (std::int64_t e = 0; e < epochs; ++e)
    for (std::int64_t subject = 0; subject < s.subjects; ++subject)
      for (std::int64_t slot = 0; slot < s.slots; ++slot) {
        const auto it = taken.find({e, subject, slot});
        wrong += it == taken.end() || it->second != 1;
      }
  return wrong;
}

// Items unlike the one-rank, batch-1 stream's item at the same position (the order a single
// process would sample in).
std::int64_t unlike_single_rank(const std::vector<std::vector<StreamItem>>& by_rank, const Setting& s,
                                std::int64_t positions) {
  voxtrain::SampleStream single({.n_subjects = s.subjects, .sample_per_volume = s.slots, .seed = kSeed});
  std::vector<StreamItem> expected;
  for (std::int64_t p = 0; p < positions; ++p) expected.push_back(single.next());
  std::int64_t wrong = 0;
  for (const auto& items : by_rank)
    for (const auto& i : items)
      wrong += i.position < 0 || i.position >= positions || !(i == expected[static_cast<std::size_t>(i.position)]);
  return wrong;
}

bool same_bytes(const voxtrain::Tensor& a, const voxtrain::Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// The first step at or after `from` that ends in the middle of an epoch (-1 if none before `steps`).
std::int64_t mid_epoch_step(const Setting& s, std::int64_t from, std::int64_t steps) {
  const std::int64_t per_step = voxtrain::test::world_size() * s.batch;
  for (std::int64_t k = from; k < steps; ++k)
    if ((k * per_step) % (s.subjects * s.slots) != 0) return k;
  return -1;
}

// The number over all ranks (every rank gets it, so every rank's CHECK agrees).
std::int64_t sum_over_ranks(std::int64_t mine) {
  std::int64_t total = 0;
  VOX_CHECK_MPI(MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
  return total;
}

}  // namespace

TEST_CASE("sharding: over three epochs the ranks' items are disjoint, complete and in their blocks", "[mpi][data]") {
  const int ranks = voxtrain::test::world_size();
  for (const Setting& s : kSettings) {
    INFO(ranks << " ranks, " << s.subjects << " subjects x " << s.slots << " slots, batch " << s.batch);
    auto source = numbered_subjects(s.subjects);
    TrainingBatches batches(source, spec_for(s, 0));
    const std::int64_t steps = steps_for(s, kEpochs);
    const auto by_rank = gather_to_root(items_of(take(batches, steps)));
    if (voxtrain::test::world_rank() != 0) continue;

    CHECK(by_rank.size() == static_cast<std::size_t>(ranks));
    if (by_rank.size() != static_cast<std::size_t>(ranks)) continue;  // no REQUIRE: the others go on
    for (const auto& items : by_rank) CHECK(static_cast<std::int64_t>(items.size()) == steps * s.batch);
    CHECK(off_block_items(by_rank, s.batch) == 0);
    const Taken taken = count_taken(by_rank);
    CHECK(not_taken_once(taken, s, kEpochs) == 0);
    // Disjoint: no (epoch, subject, slot) twice, also among the items past the third epoch.
    CHECK(static_cast<std::int64_t>(taken.size()) == steps * ranks * s.batch);
    CHECK(unlike_single_rank(by_rank, s, steps * ranks * s.batch) == 0);
  }
}

TEST_CASE("sharding: resuming from the global position of a mid-epoch step continues every rank exactly", "[mpi][data]") {
  const int ranks = voxtrain::test::world_size();
  for (const Setting& s : kSettings) {
    INFO(ranks << " ranks, " << s.subjects << " subjects x " << s.slots << " slots, batch " << s.batch);
    auto source = numbered_subjects(s.subjects);
    const std::int64_t steps = steps_for(s, kEpochs);
    TrainingBatches whole_run(source, spec_for(s, 0));
    const auto uninterrupted = take(whole_run, steps);

    const std::int64_t stop = mid_epoch_step(s, steps / 2, steps);
    CHECK(stop > 0);
    if (stop <= 0) continue;  // the same on every rank: it depends on the rank count only
    TrainingBatches first_part(source, spec_for(s, 0));
    take(first_part, stop);
    // A checkpoint holds rank 0's position; every rank must have reached the same one.
    std::int64_t position = first_part.resume_position();
    std::vector<std::int64_t> positions(static_cast<std::size_t>(ranks));
    VOX_CHECK_MPI(MPI_Allgather(&position, 1, MPI_INT64_T, positions.data(), 1, MPI_INT64_T, MPI_COMM_WORLD));
    for (const std::int64_t p : positions) CHECK(p == stop * ranks * s.batch);
    VOX_CHECK_MPI(MPI_Bcast(&position, 1, MPI_INT64_T, 0, MPI_COMM_WORLD));

    TrainingBatches resumed(source, spec_for(s, position));
    const auto continued = take(resumed, steps - stop);
    std::int64_t wrong = 0;
    for (std::size_t t = 0; t < continued.size(); ++t) {
      const auto& expected = uninterrupted[static_cast<std::size_t>(stop) + t];
      wrong += !(continued[t].items == expected.items) || !(continued[t].locations == expected.locations) ||
               !same_bytes(continued[t].image, expected.image);
    }
    CHECK(sum_over_ranks(wrong) == 0);
    CHECK(sum_over_ranks(static_cast<std::int64_t>(continued.size())) == ranks * (steps - stop));
  }
}
