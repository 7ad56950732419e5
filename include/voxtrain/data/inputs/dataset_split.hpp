// dataset_split.hpp — NiftyNet's dataset_split.csv (rows `subject_id,phase`): a deterministic
// seeded split, reading, checking against the data set, atomic writing, and selecting a phase.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/data/inputs/subject_files.hpp"

namespace voxtrain {

enum class Phase { Training, Validation, Inference };

// "training", "validation", "inference": NiftyNet's phase names, as it writes them.
std::string_view phase_name(Phase phase);
// Case-insensitive; nullopt for anything else.
std::optional<Phase> parse_phase(std::string_view text);

struct SplitEntry {
  std::string id;
  Phase phase = Phase::Training;
};

// Entries sorted by subject id, one per subject.
struct DatasetSplit {
  std::vector<SplitEntry> entries;

  std::size_t count(Phase phase) const;
};

// NiftyNet's [TRAINING] exclude_fraction_for_validation / exclude_fraction_for_inference.
struct SplitFractions {
  double validation = 0.0;
  double inference = 0.0;
};

// n_valid = ceil(n * validation), n_infer = ceil(n * inference), the rest training. Which subject
// gets which phase depends only on (seed, subject id): ids are ordered by a counter-based draw
// keyed by the seed and each id; the first n_valid are validation, the next n_infer inference.
// Fractions outside [0, 1], no ids, duplicate ids or no training subject left throw Error.
DatasetSplit make_split(std::span<const std::string> ids, const SplitFractions& fractions, std::uint64_t seed);

// Reads rows `subject_id,phase` (no header; blank lines skipped; spaces around fields ignored;
// phases in any case). A bad row, an unknown phase, a repeated subject or an empty file throws
// Error naming file:line.
DatasetSplit read_split(const std::string& path);
// Writes `subject_id,phase` rows sorted by id, via a temporary file renamed into place; creates
// the parent directory.
void write_split(const std::string& path, const DatasetSplit& split);

// Throws one Error when the split and the data set disagree: subjects in the file but not in the
// data set, or in the data set but not in the file (listed; delete or regenerate the file).
void check_split_matches(const DatasetSplit& split, std::span<const std::string> ids, const std::string& path);

struct LoadedSplit {
  DatasetSplit split;
  bool created = false;  // true: made and written now; false: read from the existing file
};

// Reads and checks `path` when it exists (fractions and seed are then ignored), otherwise makes
// a split and writes it.
LoadedSplit load_or_create_split(const std::string& path, std::span<const std::string> ids,
                                 const SplitFractions& fractions, std::uint64_t seed);

// The ids of one phase, sorted.
std::vector<std::string> ids_in_phase(const DatasetSplit& split, Phase phase);
// The subjects of one phase, in their given order; subjects absent from the split are not kept.
std::vector<SubjectFiles> subjects_in_phase(const std::vector<SubjectFiles>& subjects, const DatasetSplit& split,
                                            Phase phase);

}  // namespace voxtrain
