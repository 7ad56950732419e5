// dataset_split.cpp — the seeded split (ceil of each excluded fraction, counter-based order),
// the csv reader and its checks, and the atomic writer.
#include "voxtrain/data/inputs/dataset_split.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

constexpr std::array<Phase, 3> kPhases{Phase::Training, Phase::Validation, Phase::Inference};

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

void check_fraction(double f, std::string_view name) {
  if (!(f >= 0.0 && f <= 1.0))
    throw error("{} = {} is outside [0, 1]: give the fraction of subjects to hold out, e.g. 0.2", name, f);
}

std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::Training: return "training";
    case Phase::Validation: return "validation";
    case Phase::Inference: return "inference";
  }
  return "training";
}

std::optional<Phase> parse_phase(std::string_view text) {
  const std::string lower = to_lower(text);
  for (const Phase p : kPhases)
    if (lower == phase_name(p)) return p;
  return std::nullopt;
}

std::size_t DatasetSplit::count(Phase phase) const {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [&](const SplitEntry& e) { return e.phase == phase; }));
}

DatasetSplit make_split(std::span<const std::string> ids, const SplitFractions& fractions, std::uint64_t seed) {
  check_fraction(fractions.validation, "exclude_fraction_for_validation");
  check_fraction(fractions.inference, "exclude_fraction_for_inference");
  if (ids.empty()) throw error("cannot split an empty data set: no subjects were found");
  const std::size_t n = ids.size();
  // NiftyNet: int(math.ceil(n_total * fraction)), the same double arithmetic.
  const auto n_valid = static_cast<std::size_t>(std::ceil(static_cast<double>(n) * fractions.validation));
  const auto n_infer = static_cast<std::size_t>(std::ceil(static_cast<double>(n) * fractions.inference));
  if (n_valid + n_infer >= n)
    throw error("exclude_fraction_for_validation = {} and exclude_fraction_for_inference = {} leave no training subject "
                "among {} (ceil gives {} validation and {} inference): lower the fractions",
                fractions.validation, fractions.inference, plural(n, "subject"), n_valid, n_infer);
  // Each subject's place depends only on (seed, id): a counter-based draw indexed by the id's hash.
  const std::uint64_t key = random_key({seed, hash_name("dataset_split")});
  std::vector<std::pair<double, std::string>> order;
  for (const std::string& id : ids) order.emplace_back(uniform01(key, hash_name(id)), id);
  std::sort(order.begin(), order.end());
  for (std::size_t i = 1; i < order.size(); ++i)
    if (order[i].second == order[i - 1].second)
      throw error("cannot split: subject id '{}' appears twice in the data set", order[i].second);
  DatasetSplit split;
  for (std::size_t i = 0; i < n; ++i) {
    const Phase phase = i < n_valid ? Phase::Validation : i < n_valid + n_infer ? Phase::Inference : Phase::Training;
    split.entries.push_back(SplitEntry{.id = order[i].second, .phase = phase});
  }
  std::sort(split.entries.begin(), split.entries.end(),
            [](const SplitEntry& a, const SplitEntry& b) { return a.id < b.id; });
  return split;
}

DatasetSplit read_split(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error("cannot read dataset split file '{}': {}", path, std::strerror(errno));
  DatasetSplit split;
  std::vector<int> lines;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string_view row = trim(line);
    if (row.empty()) continue;
    const auto comma = row.find(',');
    if (comma == std::string_view::npos || row.find(',', comma + 1) != std::string_view::npos)
      throw error("{}:{}: row '{}' is not 'subject_id,phase': fix the row, or delete the file to make a new split", path,
                  number, row);
    const std::string id(trim(row.substr(0, comma)));
    const std::string_view phase_text = trim(row.substr(comma + 1));
    if (id.empty()) throw error("{}:{}: row '{}' has an empty subject id", path, number, row);
    const auto phase = parse_phase(phase_text);
    if (!phase)
      throw error("{}:{}: unknown phase '{}' for subject '{}': use training, validation or inference (any case)", path,
                  number, phase_text, id);
    for (std::size_t e = 0; e < split.entries.size(); ++e)
      if (split.entries[e].id == id)
        throw error("{}: subject '{}' appears twice (lines {} and {}): keep one row per subject", path, id, lines[e], number);
    split.entries.push_back(SplitEntry{.id = id, .phase = *phase});
    lines.push_back(number);
  }
  if (in.bad()) throw error("cannot read dataset split file '{}': read failed", path);
  if (split.entries.empty())
    throw error("dataset split file '{}' has no rows: delete it to make a new split, or add rows 'subject_id,phase'", path);
  std::sort(split.entries.begin(), split.entries.end(),
            [](const SplitEntry& a, const SplitEntry& b) { return a.id < b.id; });
  return split;
}

void write_split(const std::string& path, const DatasetSplit& split) {
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw error("cannot create the directory of dataset split file '{}': {}", path, ec.message());
  }
  std::vector<SplitEntry> rows = split.entries;
  std::sort(rows.begin(), rows.end(), [](const SplitEntry& a, const SplitEntry& b) { return a.id < b.id; });
  const std::string temp = fmt::format("{}.tmp{}", path, static_cast<long>(::getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw error("cannot write dataset split file '{}': {}", temp, std::strerror(errno));
    for (const SplitEntry& e : rows) out << e.id << ',' << phase_name(e.phase) << '\n';
    out.flush();
    if (!out) {
      fs::remove(temp, ec);
      throw error("cannot write dataset split file '{}': write failed (disk full?)", temp);
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    const std::string reason = ec.message();
    fs::remove(temp, ec);
    throw error("cannot move '{}' to dataset split file '{}': {}", temp, path, reason);
  }
}

void check_split_matches(const DatasetSplit& split, std::span<const std::string> ids, const std::string& path) {
  const std::set<std::string> data(ids.begin(), ids.end());
  std::set<std::string> listed;
  for (const SplitEntry& e : split.entries) listed.insert(e.id);
  std::vector<std::string> not_listed, not_in_data;
  for (const std::string& id : data)
    if (!listed.count(id)) not_listed.push_back(id);
  for (const std::string& id : listed)
    if (!data.count(id)) not_in_data.push_back(id);
  if (not_listed.empty() && not_in_data.empty()) return;
  std::vector<std::string> problems;
  if (!not_listed.empty())
    problems.push_back(fmt::format("{} of the data set {} not in it ({})", plural(not_listed.size(), "subject"),
                                   not_listed.size() == 1 ? "is" : "are", list_some(not_listed)));
  if (!not_in_data.empty())
    problems.push_back(fmt::format("{} in it {} not in the data set ({})", plural(not_in_data.size(), "subject"),
                                   not_in_data.size() == 1 ? "is" : "are", list_some(not_in_data)));
  throw error("dataset split file '{}' does not match the data set: {}; delete the file to make a new split "
              "(voxdata split --force), or edit its rows", path, join(problems, "; "));
}

LoadedSplit load_or_create_split(const std::string& path, std::span<const std::string> ids,
                                 const SplitFractions& fractions, std::uint64_t seed) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    LoadedSplit loaded{.split = read_split(path), .created = false};
    check_split_matches(loaded.split, ids, path);
    return loaded;
  }
  LoadedSplit made{.split = make_split(ids, fractions, seed), .created = true};
  write_split(path, made.split);
  return made;
}

std::vector<std::string> ids_in_phase(const DatasetSplit& split, Phase phase) {
  std::vector<std::string> ids;
  for (const SplitEntry& e : split.entries)
    if (e.phase == phase) ids.push_back(e.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<SubjectFiles> subjects_in_phase(const std::vector<SubjectFiles>& subjects, const DatasetSplit& split,
                                            Phase phase) {
  const std::vector<std::string> ids = ids_in_phase(split, phase);
  std::vector<SubjectFiles> out;
  for (const SubjectFiles& s : subjects)
    if (std::binary_search(ids.begin(), ids.end(), s.id)) out.push_back(s);
  return out;
}

}  // namespace voxtrain
