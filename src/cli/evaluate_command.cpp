// evaluate_command.cpp — `voxtrain evaluate`: its two forms (flags, or -c config.ini), usage, the
// files matched, a progress bar, the summary and the CSV; the work is in apps/evaluation(_config).
#include "cli/evaluate_command.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <filesystem>

#include "cli/config_arguments.hpp"
#include "voxtrain/apps/evaluation.hpp"
#include "voxtrain/apps/evaluation_config.hpp"
#include "voxtrain/core/command_line.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/core/progress_bar.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/io/config/run_config.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

struct EvaluateOptions {
  std::string seg, ref, out;
  std::string seg_postfix = "niftynet_out";
  std::vector<std::string> ref_contains;
  EvaluationSettings settings;
  bool num_classes_given = false;
};

const CommandFlags& evaluate_flags() {
  static const CommandFlags command{"voxtrain",
                                    "evaluate",
                                    {{"--seg", "DIR"},
                                     {"--ref", "DIR"},
                                     {"--num-classes", "K"},
                                     {"--metrics", "M"},
                                     {"--skip-background"},
                                     {"--out", "FILE"},
                                     {"--seg-postfix", "P"},
                                     {"--ref-contains", "K"}}};
  return command;
}

int parse_num_classes(const std::string& text) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 1)
    throw error("evaluate: --num-classes '{}' is not a whole number >= 1: give the number of labels including "
                "background, e.g. --num-classes 2",
                text);
  return value;
}

CommandArgs<EvaluateOptions> parse_evaluate_args(const std::vector<std::string>& args) {
  const ParsedArgs parsed = parse_flags(evaluate_flags(), args);
  CommandArgs<EvaluateOptions> result{.help = parsed.help};
  if (result.help) return result;
  EvaluateOptions& o = result.options;
  for (const auto& [flag, value] : parsed.flags) {
    if (flag == "--skip-background") {
      o.settings.skip_background = true;
      continue;
    }
    if (value.empty()) throw error("evaluate: {} is empty; {}", flag, options_hint(evaluate_flags()));
    if (flag == "--seg") o.seg = value;
    else if (flag == "--ref") o.ref = value;
    else if (flag == "--out") o.out = value;
    else if (flag == "--seg-postfix") o.seg_postfix = value;
    else if (flag == "--ref-contains") o.ref_contains = comma_separated("evaluate", flag, value);
    else if (flag == "--metrics") o.settings.metrics = parse_metric_names(value);
    else {
      o.settings.num_classes = parse_num_classes(value);
      o.num_classes_given = true;
    }
  }
  if (o.seg.empty())
    throw error("evaluate: --seg is missing: give the segmentation file or the directory of inference outputs, "
                "or the run's config: voxtrain evaluate -c config.ini");
  if (o.ref.empty()) throw error("evaluate: --ref is missing: give the reference label file or directory");
  if (!o.num_classes_given)
    throw error("evaluate: --num-classes is missing: give the number of labels including background, e.g. "
                "--num-classes 2");
  if (o.settings.skip_background && o.settings.num_classes < 2)
    throw error("evaluate: --skip-background with --num-classes {} leaves no label to evaluate: give 2 or more",
                o.settings.num_classes);
  return result;
}

bool is_regular_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

FileMatching pairs_from(const EvaluateOptions& o) {
  const std::vector<std::string> segs = evaluation_files(o.seg, "--seg");
  const std::vector<std::string> refs = evaluation_files(o.ref, "--ref", o.ref_contains);
  if (is_regular_file(o.seg) && is_regular_file(o.ref)) {
    // Two files: the user paired them; the id is the segmentation's (else the reference's).
    std::string id = segmentation_subject_id(fs::path(o.seg).filename().string(), o.seg_postfix);
    if (id.empty()) id = reference_subject_id(fs::path(o.ref).filename().string());
    return FileMatching{.pairs = {EvaluationPair{.subject_id = id, .seg_path = o.seg, .ref_path = o.ref}},
                        .unmatched_seg = {},
                        .unmatched_ref = {}};
  }
  return match_evaluation_files(segs, refs, o.seg_postfix);
}

void print_files(const std::vector<std::string>& files) {
  for (const std::string& f : files) std::printf("  %s\n", f.c_str());
}

void print_unmatched(const std::vector<std::string>& files, const char* what, const char* without) {
  if (files.empty()) return;
  std::printf("evaluate: %zu %s file%s without %s:\n", files.size(), what, files.size() == 1 ? "" : "s", without);
  print_files(files);
}

// What both forms print and write once the pairs are known: the matching, a progress bar on
// stderr, the summary, and the CSV when out is set.
void evaluate_and_report(const FileMatching& matching, const EvaluationSettings& settings, const std::string& out) {
  std::printf("evaluate: %zu subject%s matched\n", matching.pairs.size(), matching.pairs.size() == 1 ? "" : "s");
  print_unmatched(matching.unmatched_seg, "segmentation", "a reference");
  print_unmatched(matching.unmatched_ref, "reference", "a segmentation");
  std::fflush(stdout);
  EvaluationResult result;
  {
    ProgressBar bar("evaluate", static_cast<std::int64_t>(matching.pairs.size()));
    result = evaluate_subjects(matching.pairs, settings, [&](const EvaluationPair& p) { bar.advance(p.subject_id); });
  }
  std::fputs(evaluation_summary(result).c_str(), stdout);
  if (!out.empty()) {
    write_evaluation_csv(out, result);
    std::printf("evaluate: wrote %s (%zu rows)\n", out.c_str(), result.rows.size());
  }
}

// ---- the config form ----

// The flag form's options that -c replaces, each with what does the same from a config.
struct FlagInConfig {
  std::string_view flag;
  std::string_view instead;
};

constexpr FlagInConfig kFlagsInConfig[] = {
    {"--seg", "the segmentations are in [INFERENCE] save_seg_dir: give --save_seg_dir DIR"},
    {"--ref", "the references are the files of the label input section ([SEGMENTATION] label): edit its path_to_search"},
    {"--metrics", "the metrics are [EVALUATION] evaluations: give --evaluations M[,M...]"},
    {"--skip-background", "label 0 is left out by [SEGMENTATION] evaluation_units = foreground (the default): give "
                          "--evaluation_units foreground or label"},
    {"--out", "the CSV is eval_subject_id_label.csv in [EVALUATION] save_csv_dir: give --save_csv_dir DIR"},
    {"--seg-postfix", "the postfix is [INFERENCE] output_postfix: give --output_postfix P"},
    {"--ref-contains", "the references are the files of the label input section: edit its filename_contains"},
};

void refuse_flag_options(const std::vector<std::string>& overrides) {
  for (const std::string& a : overrides) {
    const std::string_view flag = std::string_view(a).substr(0, a.find('='));
    for (const FlagInConfig& f : kFlagsInConfig)
      if (flag == f.flag) throw error("evaluate: {} does not go with -c: {}", f.flag, f.instead);
  }
}

void print_config_evaluation(const ConfigEvaluation& e) {
  std::printf("evaluate: segmentations in %s, references from input section [%s]\n", e.seg_dir.c_str(),
              e.label_section.c_str());
  if (e.other_files.empty()) return;
  std::printf("evaluate: %zu file%s not named %s, left out:\n", e.other_files.size(),
              e.other_files.size() == 1 ? "" : "s", e.output_pattern.c_str());
  print_files(e.other_files);
}

int run_config_form(const std::vector<std::string>& args) {
  const ConfigArguments a = split_config_arguments("evaluate", args);
  if (a.help) {
    std::fputs(evaluate_usage().c_str(), stdout);
    return 0;
  }
  refuse_flag_options(a.overrides);
  const RunConfig config = RunConfig::load(a.config, config_overrides(a));
  for (const std::string& warning : config.warnings()) log_warning("{}", warning);
  const ConfigEvaluation e = evaluation_from_config(config);
  print_config_evaluation(e);
  evaluate_and_report(e.matching, e.settings, e.csv_path);
  return 0;
}

}  // namespace

std::string evaluate_usage() {
  return "Usage: voxtrain evaluate -c CONFIG [--KEY VALUE ...]\n"
         "       voxtrain evaluate --seg FILE_OR_DIR --ref FILE_OR_DIR --num-classes K [--metrics M[,M...]]\n"
         "                         [--skip-background] [--out FILE.csv] [--seg-postfix P] [--ref-contains K[,K...]]\n"
         "\n"
         "Compares segmentations with reference label maps, subject by subject and label by label (NiftyNet's\n"
         "evaluation action). The metrics are volume-level: whole segmented volumes on their original grid, not the\n"
         "patches of training (whose Dice is patch_dice). Distances are in mm, from the reference's voxel size.\n"
         "\n"
         "With -c, a run's config says what to compare (docs/EVALUATION.md): the segmentations 'voxtrain infer -c'\n"
         "wrote to [INFERENCE] save_seg_dir (under model_dir; window_seg_<subject>_<output_postfix>.nii.gz), each\n"
         "with its subject's file of the label input section ([SEGMENTATION] label); num_classes and\n"
         "evaluation_units (foreground: label 0 left out) from [SEGMENTATION], the metrics from [EVALUATION]\n"
         "evaluations (default dice,jaccard,average_distance); the CSV is eval_subject_id_label.csv in [EVALUATION]\n"
         "save_csv_dir (under model_dir). --KEY VALUE overrides a key as for train and infer (e.g. --save_seg_dir\n"
         "DIR, --evaluations dice,hausdorff95_distance); the flags below other than --num-classes do not go with -c.\n"
         "\n"
         "Without -c, files are matched by subject id: a segmentation's id is its name without .nii/.nii.gz, a\n"
         "leading 'window_seg_' and a trailing '_<postfix>'; it matches the reference whose id equals it or holds it\n"
         "as separator-bounded parts ('sub-001' matches 'sub-001_Label.nii.gz'). Files left unmatched are listed.\n"
         "\n"
         "Options:\n"
         "  -c, --config CONFIG      a run's config (.ini), as for voxtrain train and infer\n"
         "  --KEY VALUE              with -c: override a non-input key, e.g. --save_seg_dir DIR or --evaluations M\n"
         "  --seg FILE_OR_DIR        a segmentation, or a directory of them (e.g. NiftyNet's inference output)\n"
         "  --ref FILE_OR_DIR        a reference label map, or a directory of them\n"
         "  --num-classes K          labels are 0 .. K-1 (0: background); another value is an error\n"
         "  --metrics M[,M...]       default dice,jaccard,average_distance; any of dice, jaccard, sensitivity,\n"
         "                           specificity, accuracy, precision, npv, fpr, informedness, markedness, tp, fp,\n"
         "                           tn, fn, n_pos_ref, n_neg_ref, n_pos_seg, n_neg_seg, n_intersection, n_union,\n"
         "                           vol_diff, average_distance, hausdorff_distance, hausdorff95_distance\n"
         "  --skip-background        leave out label 0\n"
         "  --out FILE.csv           write subject_id,label,<metrics> rows (one per subject and label, and a\n"
         "                           'mean' row per subject); directories are created\n"
         "  --seg-postfix P          NiftyNet's [INFERENCE] output_postfix (default niftynet_out)\n"
         "  --ref-contains K[,K...]  only references whose file name contains every keyword (e.g. Label)\n"
         "  -h, --help               show this help\n";
}

int run_evaluate_command(const std::vector<std::string>& args) {
  if (names_config(args)) return run_config_form(args);
  const auto [help, o] = parse_evaluate_args(args);
  if (help) {
    std::fputs(evaluate_usage().c_str(), stdout);
    return 0;
  }
  evaluate_and_report(pairs_from(o), o.settings, o.out);
  return 0;
}

}  // namespace voxtrain
