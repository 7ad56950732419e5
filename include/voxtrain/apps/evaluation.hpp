// evaluation.hpp — the work of `voxtrain evaluate` (NiftyNet's evaluation action): segmentation files
// matched to reference label maps by subject id, per-subject per-label metrics, the CSV and the summary.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace voxtrain {

// One subject: its segmentation (e.g. NiftyNet's window_seg_<id>__niftynet_out.nii.gz) and reference.
struct EvaluationPair {
  std::string subject_id;
  std::string seg_path;
  std::string ref_path;
};

// Segmentation files paired with reference files, and the files of each side left without a partner.
struct FileMatching {
  std::vector<EvaluationPair> pairs;  // sorted by subject id
  std::vector<std::string> unmatched_seg;
  std::vector<std::string> unmatched_ref;
};

// The subject id of a segmentation file: the name without .nii/.nii.gz, without a leading
// "window_seg_" and a trailing "_<postfix>" (NiftyNet's output_postfix, default niftynet_out), then
// without leading and trailing separators (_ - . space):
// "window_seg_sub-001__niftynet_out.nii.gz" -> "sub-001".
std::string segmentation_subject_id(std::string_view file_name, std::string_view postfix = "niftynet_out");
// The subject id of a reference file: the name without .nii/.nii.gz and outer separators.
std::string reference_subject_id(std::string_view file_name);

// Pairs segmentations with references by subject id (docs/EVALUATION.md): a pair matches when the
// ids are equal, or when the shorter id appears in the longer with '_', '.', ' ' or an end on each
// side ("sub-001" in "sub-001_Label", not in "sub-001-2_Label"); an equal id wins over such a
// match. The pair's subject id is the shorter id. Throws Error listing both sides' files and ids
// when nothing matches, and naming the files when a segmentation matches two references (and no
// equal id decides) or a reference is the match of two segmentations.
FileMatching match_evaluation_files(const std::vector<std::string>& seg_files,
                                    const std::vector<std::string>& ref_files,
                                    std::string_view seg_postfix = "niftynet_out");

// A .nii/.nii.gz file, or every such file directly inside a directory (names starting with '.'
// left out) whose name contains each of contains, sorted. flag ("--seg") names the source in
// errors: a missing path, a file of another type, a directory without such files.
std::vector<std::string> evaluation_files(const std::string& file_or_dir, std::string_view flag,
                                          const std::vector<std::string>& contains = {});

// Metric names (catalogue names or NiftyNet aliases, comma separated) as catalogue names, in the
// order given, duplicates dropped; an unknown or empty name throws Error naming it.
std::vector<std::string> parse_metric_names(const std::string& text);
// The same for names already split; `where` starts the message of an unknown name
// ("evaluate", "config.ini:12: [EVALUATION] evaluations").
std::vector<std::string> canonical_metric_names(const std::vector<std::string>& names, std::string_view where);

struct EvaluationSettings {
  int num_classes = 0;  // labels 0 .. num_classes-1
  std::vector<std::string> metrics{"dice", "jaccard", "average_distance"};  // NiftyNet's defaults
  bool skip_background = false;  // leave out label 0 (NiftyNet's evaluation_units = foreground)
};

// One CSV row: a subject's values for one label ("1"), or their mean over the labels ("mean",
// NaN values left out).
struct EvaluationRow {
  std::string subject_id;
  std::string label;
  std::vector<double> values;  // in the order of EvaluationResult::metrics
};

struct EvaluationResult {
  std::vector<std::string> metrics;
  std::vector<int> labels;
  std::vector<EvaluationRow> rows;  // per subject: one row per label, then its mean row
};

// Reads each pair as label maps and computes every metric for every label, distances in mm with
// the reference's voxel size (its affine's column lengths). Throws Error naming the files when a
// map has several volumes, the two differ in shape or affine, or a label lies outside
// [0, num_classes). on_subject, when set, is called after each subject.
EvaluationResult evaluate_subjects(const std::vector<EvaluationPair>& pairs, const EvaluationSettings& settings,
                                   const std::function<void(const EvaluationPair&)>& on_subject = {});

// A value as the CSV holds it: the shortest text that reads back to the same double; NaN as "nan".
std::string format_metric_value(double value);
// Writes subject_id,label,<metrics...> with one line per row (atomic, parents created).
void write_evaluation_csv(const std::string& path, const EvaluationResult& result);
// The table printed after a run, headed "volume-level metrics, ...": per label and for the mean
// rows, each metric's mean (standard deviation) over the subjects, NaN values left out.
std::string evaluation_summary(const EvaluationResult& result);

}  // namespace voxtrain
