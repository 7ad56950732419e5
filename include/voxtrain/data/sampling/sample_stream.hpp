// sample_stream.hpp — which (subject, patch slot) each rank samples at each step: a global stream
// of shuffled epochs cut into per-rank batches, the same items and keys for any rank count.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace voxtrain {

// One sample of the stream: subject `subject`'s patch slot `slot` in epoch `epoch`.
struct StreamItem {
  std::int64_t epoch = 0;
  std::int64_t subject = 0;   // index in the data set
  std::int64_t slot = 0;      // 0 .. sample_per_volume - 1
  std::int64_t position = 0;  // global stream position (validation: index in the pass)
  std::uint64_t key = 0;      // random_key({seed, purpose, epoch, subject, slot})

  // A key for one use of this item (e.g. "location", "augmentation"): random_key({key, hash}).
  std::uint64_t key_for(std::string_view purpose) const;
  friend bool operator==(const StreamItem&, const StreamItem&) = default;
};

// A global position split into its epoch and its index within the epoch.
struct EpochIndex {
  std::int64_t epoch = 0;
  std::int64_t index = 0;  // 0 .. items_per_epoch - 1
  friend bool operator==(const EpochIndex&, const EpochIndex&) = default;
};

// Subjects 0..n-1 in epoch `epoch`'s order: a Fisher-Yates shuffle keyed by (seed, epoch).
std::vector<std::int64_t> epoch_subject_order(std::int64_t n_subjects, std::uint64_t seed,
                                              std::int64_t epoch);

// The key of a training item, whoever draws it: random_key({seed, "training item", epoch,
// subject, slot}).
std::uint64_t training_item_key(std::uint64_t seed, std::int64_t epoch, std::int64_t subject,
                                std::int64_t slot);

struct StreamSpec {
  std::int64_t n_subjects = 0;         // training subjects
  std::int64_t sample_per_volume = 1;  // [TRAINING] sample_per_volume: slots per subject and epoch
  std::uint64_t seed = 0;
  int ranks = 1;
  int rank = 0;
  std::int64_t batch_size = 1;         // per rank ([NETWORK] batch_size)
  std::int64_t start_position = 0;     // global position to start (resume) from
};

// The training stream of one rank. Epoch e lists the subjects in epoch_subject_order(seed, e),
// each followed by its slots 0..S-1; the global stream is epoch 0, epoch 1, ... Global step t
// (counted from start_position P) covers positions [P + t*R*B, P + (t+1)*R*B), and rank r takes
// [P + t*R*B + r*B, P + t*R*B + (r+1)*B): every rank takes B items a step, every item of every
// epoch is taken exactly once over the ranks, and a step may straddle two epochs. Lookups are
// const and thread-safe; next() and next_batch() advance this object and are not.
class SampleStream {
 public:
  // Throws Error naming the setting when a count is < 1, rank is outside [0, ranks) or
  // start_position < 0.
  explicit SampleStream(StreamSpec spec);

  // This rank's next item / next batch of batch_size items.
  StreamItem next();
  std::vector<StreamItem> next_batch();

  // This rank's batch at step `step` (counted from start_position), without advancing.
  std::vector<StreamItem> batch(std::int64_t step) const;
  // This rank's k-th item (k counted from start_position) and its global position.
  StreamItem rank_item(std::int64_t k) const;
  std::int64_t rank_position(std::int64_t k) const;
  // The item at a global position.
  StreamItem item_at(std::int64_t position) const;

  std::int64_t items_per_epoch() const { return spec_.n_subjects * spec_.sample_per_volume; }
  std::int64_t items_per_step() const { return spec_.ranks * spec_.batch_size; }
  EpochIndex split(std::int64_t position) const;
  std::int64_t position_of(EpochIndex at) const;

  // Items this object has handed out, complete steps among them, and the global position where
  // a stream restarted after those steps (by every rank, on any rank count) continues.
  std::int64_t items_taken() const { return taken_; }
  std::int64_t steps_taken() const { return taken_ / spec_.batch_size; }
  std::int64_t resume_position() const;
  const StreamSpec& spec() const { return spec_; }

 private:
  std::shared_ptr<const std::vector<std::int64_t>> order(std::int64_t epoch) const;

  struct OrderCache {  // the last epochs' subject orders, shared by lookups on any thread
    std::mutex mutex;
    std::map<std::int64_t, std::shared_ptr<const std::vector<std::int64_t>>> orders;
  };

  StreamSpec spec_;
  std::int64_t taken_ = 0;
  std::unique_ptr<OrderCache> cache_ = std::make_unique<OrderCache>();
};

// Whole subjects for inference: rank r's contiguous block of 0..n-1, block sizes differing by
// at most one (the first n % ranks ranks take one more); each subject on exactly one rank.
std::vector<std::int64_t> inference_subjects_for_rank(std::int64_t n_subjects, int ranks, int rank);

struct ValidationSpec {
  std::int64_t n_subjects = 0;         // validation subjects
  std::int64_t sample_per_volume = 1;
  std::uint64_t seed = 0;
  int ranks = 1;
  int rank = 0;
  std::int64_t batch_size = 1;
};

// One validation pass on one rank: the rank's subjects from inference_subjects_for_rank, in
// order, each with slots 0..S-1; finite, not shuffled. Keys are random_key({seed, "validation
// item", 0, subject, slot}): every pass draws the same windows, so validation losses compare.
class ValidationStream {
 public:
  explicit ValidationStream(ValidationSpec spec);  // throws Error like SampleStream

  std::int64_t size() const { return static_cast<std::int64_t>(subjects_.size()) * spec_.sample_per_volume; }
  StreamItem item(std::int64_t k) const;  // k in [0, size())
  // Batches of batch_size items; the last may be short, and steps beyond steps() are empty.
  std::int64_t steps() const;
  // The most steps any rank has (ranks can run that many, with empty batches, to stay in step).
  std::int64_t max_steps() const;
  std::vector<StreamItem> batch(std::int64_t step) const;
  // The next item of the pass, or nothing once it is over.
  std::optional<StreamItem> next();
  const std::vector<std::int64_t>& subjects() const { return subjects_; }

 private:
  ValidationSpec spec_;
  std::vector<std::int64_t> subjects_;
  std::int64_t taken_ = 0;
};

}  // namespace voxtrain
