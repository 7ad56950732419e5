// evaluation_config.cpp — `voxtrain evaluate -c`: the settings from [SEGMENTATION] and [EVALUATION],
// the inference outputs in save_seg_dir, the data set's label files, and the two paired by subject id.
#include "voxtrain/apps/evaluation_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/inputs/dataset_config.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/io/config/run_config.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kOutputPrefix = "window_seg_";

// One inference output: its subject and file.
struct InferenceOutput {
  std::string id;
  std::string path;
};

bool is_nifti_name(std::string_view name) { return name.ends_with(".nii") || name.ends_with(".nii.gz"); }

// "config.ini:9: [INFERENCE] save_seg_dir", "command line --save_seg_dir", or for a key left at its
// default "config.ini: [INFERENCE] save_seg_dir (default)".
std::string key_where(const RunConfig& c, std::string_view section, std::string_view key) {
  const std::string where = c.where(section, key);
  return c.is_set(section, key) ? where : fmt::format("{}: {}", c.path(), where);
}

std::string output_name_pattern(const std::string& postfix) {
  return fmt::format("{}<subject>_{}.nii.gz", kOutputPrefix, postfix);
}

int checked_num_classes(const RunConfig& c) {
  const std::int64_t k = c.get_int("SEGMENTATION", "num_classes");
  if (k == -1)  // NiftyNet's "not set"
    throw error("{}: evaluate needs the number of labels including background: set num_classes = 2 (or more) in "
                "[SEGMENTATION], or give --num_classes 2",
                c.is_set("SEGMENTATION", "num_classes") ? c.where("SEGMENTATION", "num_classes") + " = -1"
                                                        : c.path() + ": [SEGMENTATION] num_classes is not set");
  if (k < 1)
    throw error("{} = {}: give the number of labels including background, 1 or more (e.g. num_classes = 2)",
                c.where("SEGMENTATION", "num_classes"), k);
  return static_cast<int>(k);
}

void check_label_maps_written(const RunConfig& c) {
  if (c.get_bool("SEGMENTATION", "output_prob"))
    throw error("{} = True: inference then writes class probabilities, and evaluate compares label maps: infer "
                "with output_prob = False (e.g. voxtrain infer -c {} --output_prob False) and evaluate those",
                c.where("SEGMENTATION", "output_prob"), c.path());
}

std::string checked_label_section(const RunConfig& c, const InputGrouping& grouping) {
  if (grouping.label.empty())
    throw error("{}: [SEGMENTATION] label is not set: evaluate compares each segmentation with its subject's file of "
                "the label input section: name it, e.g. label = label",
                c.path());
  return grouping.label;
}

std::string checked_seg_dir(const RunConfig& c) {
  const std::string dir = path_in_model_dir(c.ini(), c.get_string("INFERENCE", "save_seg_dir"));
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw error("{}: '{}' {}: run 'voxtrain infer -c {}' first, it writes the segmentations there",
                key_where(c, "INFERENCE", "save_seg_dir"), dir,
                fs::exists(dir, ec) ? "is not a directory" : "does not exist", c.path());
  return dir;
}

// The inference outputs in dir, sorted by subject id; other NIfTI files go to `others`.
std::vector<InferenceOutput> inference_outputs(const std::string& dir, const std::string& postfix,
                                               std::vector<std::string>& others) {
  std::vector<InferenceOutput> outputs;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code file_ec;
    if (name.empty() || name[0] == '.' || !is_nifti_name(name) || !it->is_regular_file(file_ec)) continue;
    if (const auto id = inference_output_subject_id(name, postfix))
      outputs.push_back(InferenceOutput{.id = *id, .path = it->path().string()});
    else
      others.push_back(it->path().string());
  }
  if (ec) throw error("cannot list the segmentations' directory '{}': {}", dir, ec.message());
  std::sort(outputs.begin(), outputs.end(), [](const InferenceOutput& a, const InferenceOutput& b) {
    return std::tie(a.id, a.path) < std::tie(b.id, b.path);
  });
  std::sort(others.begin(), others.end());
  for (std::size_t i = 1; i < outputs.size(); ++i)
    if (outputs[i].id == outputs[i - 1].id)
      throw error("'{}' and '{}' are both segmentations of subject '{}': keep one of them", outputs[i - 1].path,
                  outputs[i].path, outputs[i].id);
  return outputs;
}

std::vector<std::string> ids_of(const std::vector<SubjectFiles>& subjects) {
  std::vector<std::string> ids;
  for (const SubjectFiles& s : subjects) ids.push_back(s.id);
  return ids;
}

// Each output with its subject's label file; subjects without an output are listed unmatched.
FileMatching pair_by_subject(const std::vector<InferenceOutput>& outputs, const std::vector<SubjectFiles>& subjects,
                             const RunConfig& c) {
  std::map<std::string, const SubjectFiles*> by_id;
  for (const SubjectFiles& s : subjects) by_id.emplace(s.id, &s);
  FileMatching m;
  for (const InferenceOutput& o : outputs) {
    const auto it = by_id.find(o.id);
    if (it == by_id.end())
      throw error("segmentation '{}' is of subject '{}', which is not in the data set of {} (subjects {}): remove the "
                  "file, or evaluate with the config that inferred it",
                  o.path, o.id, c.path(), list_some(ids_of(subjects), 5));
    m.pairs.push_back(EvaluationPair{.subject_id = o.id, .seg_path = o.path, .ref_path = it->second->label});
    by_id.erase(it);
  }
  for (const auto& [id, s] : by_id) m.unmatched_ref.push_back(s->label);
  return m;
}

}  // namespace

std::optional<std::string> inference_output_subject_id(std::string_view name, std::string_view postfix) {
  std::string_view stem;
  if (name.ends_with(".nii.gz")) stem = name.substr(0, name.size() - 7);
  else if (name.ends_with(".nii")) stem = name.substr(0, name.size() - 4);
  else return std::nullopt;
  const std::string tail = fmt::format("_{}", postfix);
  if (!stem.starts_with(kOutputPrefix) || stem.size() <= kOutputPrefix.size() + tail.size() || !stem.ends_with(tail))
    return std::nullopt;
  return std::string(stem.substr(kOutputPrefix.size(), stem.size() - kOutputPrefix.size() - tail.size()));
}

EvaluationSettings evaluation_settings(const RunConfig& c) {
  EvaluationSettings s;
  s.num_classes = checked_num_classes(c);
  const std::vector<std::string> names = c.get_strings("EVALUATION", "evaluations");
  if (!names.empty()) s.metrics = canonical_metric_names(names, c.where("EVALUATION", "evaluations"));
  s.skip_background = c.get_string("SEGMENTATION", "evaluation_units") == "foreground";
  if (s.skip_background && s.num_classes < 2)
    throw error("{} = {} with evaluation_units = foreground leaves no label to evaluate: set num_classes = 2 or more, "
                "or evaluation_units = label",
                c.where("SEGMENTATION", "num_classes"), s.num_classes);
  return s;
}

ConfigEvaluation evaluation_from_config(const RunConfig& c) {
  ConfigEvaluation e;
  e.settings = evaluation_settings(c);
  check_label_maps_written(c);
  const std::vector<InputSection> sections = input_sections(c.ini());
  const InputGrouping grouping = input_grouping(c.ini(), sections);
  e.label_section = checked_label_section(c, grouping);
  e.seg_dir = checked_seg_dir(c);
  const std::string postfix = c.get_string("INFERENCE", "output_postfix");
  e.output_pattern = output_name_pattern(postfix);
  const std::vector<InferenceOutput> outputs = inference_outputs(e.seg_dir, postfix, e.other_files);
  if (outputs.empty())
    throw error("{}: '{}' holds no segmentation named {}: run 'voxtrain infer -c {}' first, it writes them there",
                key_where(c, "INFERENCE", "save_seg_dir"), e.seg_dir, e.output_pattern, c.path());
  e.matching = pair_by_subject(outputs, discover_subjects(sections, grouping), c);
  e.csv_path = (fs::path(path_in_model_dir(c.ini(), c.get_string("EVALUATION", "save_csv_dir"))) /
                std::string(kEvaluationCsvName))
                   .string();
  return e;
}

}  // namespace voxtrain
