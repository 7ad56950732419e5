// split_data_set.cpp — subjects discovered from a config or from keywords, then the split made
// and written, or read and checked.
#include "voxtrain/data/inputs/split_data_set.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/inputs/dataset_config.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/io/config/ini_file.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

InputSection keyword_section(const SplitOptions& o, const std::string& keyword, const char* flag) {
  InputSection s;
  s.name = keyword;
  s.where = fmt::format("{} {}", flag, keyword);
  for (const std::string& dir : o.images) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw error("split: --images '{}' {}: give the directory holding the images", dir,
                  fs::exists(dir, ec) ? "is not a directory" : "does not exist");
    s.path_to_search.push_back(dir);
  }
  s.filename_contains = {keyword};
  return s;
}

// The data set of the explicit form: one section per --image-contains keyword, one label.
std::vector<SubjectFiles> discover_without_config(const SplitOptions& o) {
  std::vector<InputSection> sections;
  InputGrouping grouping;
  for (const std::string& keyword : o.image_contains) {
    sections.push_back(keyword_section(o, keyword, "--image-contains"));
    grouping.image.push_back(keyword);
  }
  if (!o.label_contains.empty()) {
    sections.push_back(keyword_section(o, o.label_contains, "--label-contains"));
    grouping.label = o.label_contains;
  }
  std::vector<std::string> names;
  for (const InputSection& s : sections) {
    if (std::find(names.begin(), names.end(), s.name) != names.end())
      throw error("split: keyword '{}' is given twice: each of --image-contains and --label-contains needs its own", s.name);
    names.push_back(s.name);
  }
  return discover_subjects(sections, grouping);
}

}  // namespace

SplitOutcome run_split(const SplitOptions& o) {
  SplitOutcome r;
  std::vector<SubjectFiles> subjects;
  SplitFractions fractions;
  if (!o.config.empty()) {
    const IniFile ini = IniFile::read(o.config);
    subjects = discover_subjects(ini);
    fractions = split_fractions(ini);
    r.path = o.out.empty() ? dataset_split_path(ini) : o.out;
  } else {
    subjects = discover_without_config(o);
    r.path = o.out;
  }
  if (o.validation_fraction) fractions.validation = *o.validation_fraction;
  if (o.inference_fraction) fractions.inference = *o.inference_fraction;
  std::vector<std::string> ids;
  for (const SubjectFiles& s : subjects) ids.push_back(s.id);
  if (o.force) {
    r.loaded = LoadedSplit{.split = make_split(ids, fractions, o.seed), .created = true};
    write_split(r.path, r.loaded.split);
  } else {
    r.loaded = load_or_create_split(r.path, ids, fractions, o.seed);
  }
  return r;
}

}  // namespace voxtrain
