// split_command.cpp — `voxdata split`: arguments, usage, and the counts per phase it prints.
#include "data_tools/split_command.hpp"

#include <charconv>
#include <cstdio>

#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

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

CommandArgs<SplitOptions> parse_split_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_flags(split_flags(), args);
  CommandArgs<SplitOptions> result{.help = parsed.help};
  if (result.help) return result;
  SplitOptions& o = result.options;
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
  return result;
}

int run_split_command(const std::vector<std::string>& args) {
  const auto [help, o] = parse_split_args(args);
  if (help) {
    std::fputs(split_usage().c_str(), stdout);
    return 0;
  }
  const SplitOutcome r = run_split(o);
  const bool settings_given = o.validation_fraction || o.inference_fraction || o.seed != 0;
  print_counts(r, settings_given);
  return 0;
}

}  // namespace voxtrain
