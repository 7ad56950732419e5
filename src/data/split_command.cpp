// split_command.cpp — `voxdata split`: arguments, the config lookups (model_dir, split file,
// exclude fractions), discovery and the split, and the counts it prints.
#include "voxtrain/data/split_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "voxtrain/core/command_line.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/data/input_discovery.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

const CommandFlags& split_flags() {
  static const CommandFlags command{"voxdata",
                                    "split",
                                    {{"--config", "CONFIG", "-c"},
                                     {"--out", "FILE"},
                                     {"--seed", "S"},
                                     {"--validation-fraction", "F"},
                                     {"--inference-fraction", "F"},
                                     {"--force"},
                                     {"--images", "DIR"},
                                     {"--image-contains", "K"},
                                     {"--label-contains", "K"}}};
  return command;
}

std::string flag_hint() { return options_hint(split_flags()); }

std::string from_config_dir(const IniFile& ini, const std::string& path) {
  const fs::path p(path);
  return (p.is_absolute() ? p : fs::path(ini.directory()) / p).lexically_normal().string();
}

double config_fraction(const IniFile& ini, const char* key) {
  const auto v = ini.value("TRAINING", key);
  if (!v) return 0.0;
  const double f = as_float(*v);
  if (f < 0.0 || f > 1.0) v->fail("expected a fraction in [0, 1], e.g. 0.2");
  return f;
}

std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    throw error("split: --seed '{}' is not a whole number >= 0: give e.g. --seed 42", text);
  return value;
}

double parse_fraction(const std::string& flag, const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !(value >= 0.0 && value <= 1.0))
    throw error("split: {} '{}' is not a fraction in [0, 1]: give e.g. {} 0.2", flag, text, flag);
  return value;
}

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

void print_counts(const SplitOutcome& r, bool reused_with_settings) {
  const DatasetSplit& split = r.loaded.split;
  std::printf("split: %s %s (%zu subjects)%s\n", r.loaded.created ? "wrote" : "kept existing", r.path.c_str(),
              split.entries.size(),
              r.loaded.created ? ""
              : reused_with_settings ? "; fractions and seed not applied: --force makes a new split"
                                     : "; --force makes a new split");
  for (const Phase p : {Phase::Training, Phase::Validation, Phase::Inference})
    std::printf("  %-11s %zu\n", std::string(phase_name(p)).c_str(), split.count(p));
}

}  // namespace

std::string model_dir(const IniFile& ini) {
  const auto v = ini.value("SYSTEM", "model_dir");
  if (!v || v->value.empty()) return from_config_dir(ini, "model");
  return from_config_dir(ini, v->value);
}

std::string dataset_split_path(const IniFile& ini) {
  const auto v = ini.value("SYSTEM", "dataset_split_file");
  const std::string file = v && !v->value.empty() ? v->value : std::string("./dataset_split.csv");
  const fs::path p(file);
  return (p.is_absolute() ? p : fs::path(model_dir(ini)) / p).lexically_normal().string();
}

SplitFractions split_fractions(const IniFile& ini) {
  return SplitFractions{.validation = config_fraction(ini, "exclude_fraction_for_validation"),
                        .inference = config_fraction(ini, "exclude_fraction_for_inference")};
}

std::string split_usage() {
  return "Usage: voxdata split -c CONFIG [--out FILE] [--seed S] [--validation-fraction F]\n"
         "                     [--inference-fraction F] [--force]\n"
         "       voxdata split --images DIR[,DIR...] --image-contains T1[,T2...] [--label-contains Label]\n"
         "                     --out FILE [--seed S] [--validation-fraction F] [--inference-fraction F] [--force]\n"
         "\n"
         "Finds the subjects of a NiftyNet-style config (its input sections, grouped by the [SEGMENTATION]\n"
         "image/label/weight/sampler keys), checks that every subject has a file in every section, and\n"
         "writes the dataset split file: rows 'subject_id,phase' with phase training, validation or\n"
         "inference. n_valid = ceil(n * validation fraction), n_infer = ceil(n * inference fraction), the\n"
         "rest training; which subject goes where depends only on the seed and its id. An existing split\n"
         "file is read and checked against the subjects instead, unless --force is given (docs/INPUTS.md).\n"
         "\n"
         "Options:\n"
         "  -c, --config FILE          the config (.ini); relative paths in it start at its directory\n"
         "  --out FILE                 split file to write (default: [SYSTEM] dataset_split_file, itself\n"
         "                             relative to model_dir; NiftyNet's default <config dir>/model/dataset_split.csv)\n"
         "  --seed S                   seed of the assignment (default 0)\n"
         "  --validation-fraction F    fraction held out for validation (default: [TRAINING]\n"
         "                             exclude_fraction_for_validation, else 0)\n"
         "  --inference-fraction F     fraction held out for inference (default: [TRAINING]\n"
         "                             exclude_fraction_for_inference, else 0)\n"
         "  --force                    make a new split even if the file exists\n"
         "  --images DIR[,DIR...]      without a config: directories to search for .nii/.nii.gz files\n"
         "  --image-contains K[,K...]  without a config: one image channel per keyword in the file names\n"
         "  --label-contains K         without a config: the keyword of the label files\n"
         "  -h, --help                 show this help\n";
}

SplitOptions parse_split_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_flags(split_flags(), args);
  SplitOptions o;
  o.help = parsed.help;
  if (o.help) return o;
  for (const auto& [flag, value] : parsed.flags) {
    if (flag == "--force") {
      o.force = true;
      continue;
    }
    if (value.empty()) throw error("split: {} is empty; {}", flag, flag_hint());
    if (flag == "--config") o.config = value;
    else if (flag == "--out") o.out = value;
    else if (flag == "--seed") o.seed = parse_seed(value);
    else if (flag == "--validation-fraction") o.validation_fraction = parse_fraction(flag, value);
    else if (flag == "--inference-fraction") o.inference_fraction = parse_fraction(flag, value);
    else if (flag == "--images") o.images = comma_separated("split", flag, value);
    else if (flag == "--image-contains") o.image_contains = comma_separated("split", flag, value);
    else o.label_contains = value;
  }
  const bool explicit_form = !o.images.empty() || !o.image_contains.empty() || !o.label_contains.empty();
  if (!o.config.empty() && explicit_form)
    throw error("split: give either -c CONFIG or --images/--image-contains/--label-contains, not both; {}", flag_hint());
  if (o.config.empty() && !explicit_form)
    throw error("split: -c CONFIG is missing: say which config's subjects to split, e.g. voxdata split -c config.ini");
  if (explicit_form) {
    if (o.images.empty()) throw error("split: --images DIR is missing: say where the image files are");
    if (o.image_contains.empty())
      throw error("split: --image-contains is missing: give the keyword of each image channel, e.g. --image-contains T1,T2");
    if (o.out.empty()) throw error("split: --out FILE is missing: without a config, say where to write the split");
  }
  return o;
}

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

int run_split_command(const std::vector<std::string>& args) {
  const SplitOptions o = parse_split_args(args);
  if (o.help) {
    std::fputs(split_usage().c_str(), stdout);
    return 0;
  }
  const SplitOutcome r = run_split(o);
  const bool settings_given = o.validation_fraction || o.inference_fraction || o.seed != 0;
  print_counts(r, settings_given);
  return 0;
}

}  // namespace voxtrain
