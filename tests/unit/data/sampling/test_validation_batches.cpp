// test_validation_batches.cpp — one rank's prefetched validation batches: equal to BatchMaker's for
// the same items, the same every pass, a ring for next_cycling, restarts mid-pass, empty ranks.
#include <catch2/catch.hpp>

#include <cstring>
#include <optional>
#include <vector>

#include "support/doubles/memory_subject_source.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/data/phantoms/phantom.hpp"
#include "voxtrain/data/sampling/validation_batches.hpp"

using voxtrain::PatchBatch;
using voxtrain::Subject;
using voxtrain::Tensor;
using voxtrain::ValidationBatches;
using voxtrain::ValidationBatchSpec;

namespace {

std::shared_ptr<voxtrain::testing::MemorySubjectSource> phantom_source(int n) {
  voxtrain::PhantomSpec spec;
  spec.size = 20;
  spec.classes = 3;
  spec.modalities = 2;
  spec.seed = 9;
  std::vector<Subject> subjects;
  for (int s = 1; s <= n; ++s) {
    const auto p = voxtrain::make_phantom(spec, s);
    Subject x;
    x.id = voxtrain::phantom_subject_id(s);
    x.image = p.image;
    x.label = p.label;
    x.affine = p.affine;
    subjects.push_back(x);
  }
  return std::make_shared<voxtrain::testing::MemorySubjectSource>(std::move(subjects));
}

// 3 subjects x 2 slots = 6 items in batches of 4: a pass is a batch of 4 and a batch of 2.
ValidationBatchSpec spec_for(std::int64_t n_subjects, int threads, int ranks = 1, int rank = 0) {
  ValidationBatchSpec s;
  s.sampler = voxtrain::SamplerKind::Uniform;
  s.window = {8, 6, 7};
  s.stream.n_subjects = n_subjects;
  s.stream.sample_per_volume = 2;
  s.stream.seed = 23;
  s.stream.ranks = ranks;
  s.stream.rank = rank;
  s.stream.batch_size = 4;
  s.num_threads = threads;
  s.queue_length = 3;
  return s;
}

bool same_tensor(const Tensor& a, const Tensor& b) {
  if (a.defined() != b.defined()) return false;
  return !a.defined() || (a.shape() == b.shape() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0);
}

bool same_batch(const PatchBatch& a, const PatchBatch& b) {
  return same_tensor(a.image, b.image) && same_tensor(a.label, b.label) && same_tensor(a.weight, b.weight) &&
         a.items == b.items && a.locations == b.locations;
}

// The pass made synchronously, batch by batch, by a BatchMaker of its own (no augmentation).
std::vector<PatchBatch> synchronous_pass(const std::shared_ptr<const voxtrain::SubjectSource>& source,
                                         const ValidationBatchSpec& spec) {
  voxtrain::TrainingBatchSpec t;
  t.sampler = spec.sampler;
  t.window = spec.window;
  const voxtrain::BatchMaker maker(source, t);
  const voxtrain::ValidationStream stream(spec.stream);
  std::vector<PatchBatch> pass;
  for (std::int64_t step = 0; step < stream.steps(); ++step) pass.push_back(maker.make(stream.batch(step)));
  return pass;
}

}  // namespace

TEST_CASE("validation batches are BatchMaker's for the pass's items, and every pass is the same", "[data]") {
  auto source = phantom_source(3);
  const auto spec = spec_for(3, 2);
  const auto expected = synchronous_pass(source, spec);
  REQUIRE(expected.size() == 2);
  REQUIRE(expected[0].items.size() == 4);
  REQUIRE(expected[1].items.size() == 2);

  ValidationBatches batches(source, spec);
  CHECK(batches.steps() == 2);
  for (int pass = 0; pass < 3; ++pass) {
    INFO("pass " << pass);
    for (const PatchBatch& want : expected) {
      const std::optional<PatchBatch> got = batches.next();
      REQUIRE(got);
      CHECK(same_batch(*got, want));
    }
    CHECK_FALSE(batches.next());
    CHECK_FALSE(batches.next());  // stays over until restart
    batches.restart();
  }
  // Each item's window is its own: the two slots of a subject lie in different places somewhere.
  int differing = 0;
  for (const auto& b : expected)
    for (std::size_t n = 0; n + 1 < b.items.size(); n += 2) differing += !(b.locations[n] == b.locations[n + 1]);
  CHECK(differing > 0);
}

TEST_CASE("validation batches do not depend on the thread count", "[data]") {
  auto source = phantom_source(3);
  ValidationBatches one(source, spec_for(3, 1)), two(source, spec_for(3, 2));
  for (int k = 0; k < 2; ++k) CHECK(same_batch(*one.next(), *two.next()));
}

TEST_CASE("next_cycling wraps around the pass; restart mid-pass begins it again", "[data]") {
  auto source = phantom_source(3);
  const auto spec = spec_for(3, 2);
  const auto expected = synchronous_pass(source, spec);
  ValidationBatches batches(source, spec);
  for (int k = 0; k < 5; ++k) {
    INFO("draw " << k);
    CHECK(same_batch(batches.next_cycling(), expected[static_cast<std::size_t>(k % 2)]));
  }
  CHECK(batches.position() == 1);
  // In the middle of a pass (batch 1 is next, and the workers are ahead of it): back to batch 0.
  batches.restart();
  CHECK(batches.position() == 0);
  CHECK(same_batch(*batches.next(), expected[0]));
  CHECK(same_batch(*batches.next(), expected[1]));
  CHECK_FALSE(batches.next());
  batches.restart();
  CHECK(same_batch(*batches.next(), expected[0]));
}

TEST_CASE("a rank without validation subjects has empty passes and cannot cycle; a size mismatch is an Error",
          "[data]") {
  auto source = phantom_source(1);
  ValidationBatches rank1(source, spec_for(1, 1, 2, 1));
  CHECK(rank1.steps() == 0);
  CHECK_FALSE(rank1.next());
  CHECK_THROWS_WITH(rank1.next_cycling(), Catch::Contains("no validation subjects fall to this rank (1 subjects over 2 ranks)"));
  rank1.restart();
  CHECK(rank1.workers() == 0);
  // Rank 0 holds the one subject: one batch of its two slots.
  ValidationBatches rank0(source, spec_for(1, 1, 2, 0));
  CHECK(rank0.steps() == 1);
  const auto b = rank0.next();
  REQUIRE(b);
  CHECK(b->items.size() == 2);
  CHECK(b->items[0].subject == 0);

  CHECK_THROWS_WITH(ValidationBatches(source, spec_for(2, 1)), Catch::Contains("validation data has 1"));
}

TEST_CASE("validation batches made from the training spec take its sampling settings, not its augmentation",
          "[data]") {
  auto validation_source = phantom_source(3);
  voxtrain::TrainingBatchSpec training;
  training.sampler = voxtrain::SamplerKind::Uniform;
  training.window = {8, 6, 7};
  training.augmentation.random_flipping_axes = std::vector<int>{0, 1, 2};
  training.stream.n_subjects = 5;
  training.stream.sample_per_volume = 2;
  training.stream.seed = 23;
  training.stream.batch_size = 4;
  training.stream.start_position = 40;  // a resumed run: validation passes still start at their beginning
  training.num_threads = 2;
  training.queue_length = 3;
  ValidationBatches from_training(validation_source, training);
  const auto expected = synchronous_pass(validation_source, spec_for(3, 2));  // no augmentation
  REQUIRE(from_training.steps() == 2);
  for (const auto& want : expected) CHECK(same_batch(*from_training.next(), want));
}
