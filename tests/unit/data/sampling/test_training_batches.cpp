// test_training_batches.cpp — one rank's training batches: each patch is its subject's voxels at the
// drawn window, batches are the same at any thread count and rank count, augmentation keyed by item.
#include <catch2/catch.hpp>

#include <cstring>
#include <set>
#include <tuple>

#include "support/doubles/memory_subject_source.hpp"
#include "support/test_files.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/data/nifti/nifti_subject_source.hpp"
#include "voxtrain/data/phantoms/phantom.hpp"
#include "voxtrain/data/sampling/training_batches.hpp"

using voxtrain::PatchBatch;
using voxtrain::Subject;
using voxtrain::Tensor;
using voxtrain::TrainingBatchSpec;

namespace {

using MemorySource = voxtrain::testing::MemorySubjectSource;

std::shared_ptr<MemorySource> phantom_source(int n) {
  voxtrain::PhantomSpec spec;
  spec.size = 20;
  spec.classes = 3;
  spec.modalities = 2;
  spec.seed = 5;
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
  return std::make_shared<MemorySource>(std::move(subjects));
}

TrainingBatchSpec spec_for(std::int64_t n_subjects, int threads, int ranks, int rank) {
  TrainingBatchSpec s;
  s.sampler = voxtrain::SamplerKind::Balanced;
  s.window = {8, 6, 7};
  s.stream.n_subjects = n_subjects;
  s.stream.sample_per_volume = 2;
  s.stream.seed = 11;
  s.stream.ranks = ranks;
  s.stream.rank = rank;
  s.stream.batch_size = 3;
  s.num_threads = threads;
  s.queue_length = 3;
  return s;
}

bool same(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// Voxel (i, j, k) of channel c, or 0 outside: the definition of a patch, independent of crop_patch.
template <class T>
T voxel(const Tensor& v, std::int64_t c, std::int64_t k, std::int64_t j, std::int64_t i) {
  const auto& s = v.shape();
  if (i < 0 || j < 0 || k < 0 || k >= s[1] || j >= s[2] || i >= s[3]) return T{0};
  return v.data<T>()[((c * s[1] + k) * s[2] + j) * s[3] + i];
}

}  // namespace

TEST_CASE("training batch patches hold their subject's voxels at the drawn window", "[data]") {
  auto source = phantom_source(4);
  voxtrain::TrainingBatches batches(source, spec_for(4, 2, 1, 0));
  const auto same_subjects = phantom_source(4);  // read outside the pipeline
  auto reader = same_subjects->open_reader();
  for (int step = 0; step < 4; ++step) {
    const PatchBatch b = batches.next();
    REQUIRE(b.image.shape() == voxtrain::Shape({3, 2, 7, 6, 8}));
    REQUIRE(b.label.shape() == voxtrain::Shape({3, 1, 7, 6, 8}));
    std::int64_t wrong = 0, e = 0, l = 0;
    for (std::size_t n = 0; n < 3; ++n) {
      const auto& at = b.locations[n];
      CHECK(at.subject == b.items[n].subject);
      const Subject s = reader->read_subject(at.subject);
      for (std::int64_t c = 0; c < 2; ++c)
        for (std::int64_t k = 0; k < 7; ++k)
          for (std::int64_t j = 0; j < 6; ++j)
            for (std::int64_t i = 0; i < 8; ++i, ++e)
              wrong += b.image.data<float>()[e] != voxel<float>(s.image, c, k + at.start[2], j + at.start[1], i + at.start[0]);
      for (std::int64_t k = 0; k < 7; ++k)
        for (std::int64_t j = 0; j < 6; ++j)
          for (std::int64_t i = 0; i < 8; ++i, ++l)
            wrong += b.label.data<std::int32_t>()[l] !=
                     voxel<std::int32_t>(s.label, 0, k + at.start[2], j + at.start[1], i + at.start[0]);
    }
    CHECK(wrong == 0);
  }
  // 12 items of 4 subjects, two slots each in a row: with the cache each subject is read once.
  CHECK(source->reads() == 4);
}

TEST_CASE("training batches are the same with 1 and 2 threads and across rank counts", "[data]") {
  auto source = phantom_source(5);
  std::vector<PatchBatch> one, two;
  {
    voxtrain::TrainingBatches a(source, spec_for(5, 1, 1, 0));
    voxtrain::TrainingBatches b(source, spec_for(5, 2, 1, 0));
    for (int step = 0; step < 6; ++step) {
      one.push_back(a.next());
      two.push_back(b.next());
    }
  }
  for (std::size_t n = 0; n < one.size(); ++n) {
    CHECK(same(one[n].image, two[n].image));
    CHECK(same(one[n].label, two[n].label));
    CHECK(one[n].locations == two[n].locations);
  }
  // Two ranks' batches of step t are the single rank's steps 2t and 2t+1 (batch 3 each).
  voxtrain::TrainingBatches r0(source, spec_for(5, 1, 2, 0)), r1(source, spec_for(5, 1, 2, 1));
  for (int step = 0; step < 3; ++step) {
    const PatchBatch a = r0.next(), b = r1.next();
    CHECK(same(a.image, one[static_cast<std::size_t>(2 * step)].image));
    CHECK(same(b.image, one[static_cast<std::size_t>(2 * step + 1)].image));
    CHECK(b.items == one[static_cast<std::size_t>(2 * step + 1)].items);
  }
  CHECK(r0.resume_position() == 3 * 6);
}

TEST_CASE("augmented training batches depend only on the items' keys", "[data]") {
  auto source = phantom_source(3);
  auto spec = spec_for(3, 1, 1, 0);
  spec.augmentation.random_flipping_axes = std::vector<int>{0, 1, 2};
  spec.augmentation.rotation_angle = voxtrain::Range{-20, 20};
  auto spec2 = spec;
  spec2.num_threads = 2;
  voxtrain::TrainingBatches a(source, spec), b(source, spec2);
  voxtrain::TrainingBatches plain(source, spec_for(3, 1, 1, 0));
  int differs_from_plain = 0;
  for (int step = 0; step < 4; ++step) {
    const PatchBatch x = a.next(), y = b.next(), p = plain.next();
    CHECK(same(x.image, y.image));
    CHECK(same(x.label, y.label));
    CHECK(x.locations == p.locations);  // augmentation never moves the window
    differs_from_plain += !same(x.image, p.image);
  }
  CHECK(differs_from_plain >= 3);
}

TEST_CASE("a subject that cannot be read stops the pipeline with its error", "[data]") {
  voxtrain::testing::ScratchDir dir("batches_bad");
  std::vector<voxtrain::SubjectFiles> files{{"sub-x", {dir.file("missing_T1.nii.gz")}, "", "", ""}};
  voxtrain::PreprocessingSettings settings;
  settings.modalities = {"T1"};
  auto source = std::make_shared<voxtrain::NiftiSubjectSource>(files, settings);
  auto spec = spec_for(1, 1, 1, 0);
  spec.sampler = voxtrain::SamplerKind::Uniform;
  voxtrain::TrainingBatches batches(source, spec);
  const std::string m = voxtrain::testing::error_message_of([&] { batches.next(); });
  CHECK_THAT(m, Catch::Matchers::Contains("subject 'sub-x'") && Catch::Matchers::Contains("missing_T1.nii.gz"));
}
