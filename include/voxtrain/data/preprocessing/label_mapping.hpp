// label_mapping.hpp — NiftyNet's label_normalisation: the sorted label values of the training set
// mapped to 0..K-1 and back, kept in the histogram_ref_file; and a range check without it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

// from[n] in a label map becomes to[n] (training); to[n] becomes from[n] again (inference output).
// Trained mappings have from sorted ascending and to = 0, 1, ..., K-1.
struct LabelMapping {
  std::vector<std::int32_t> from;
  std::vector<std::int32_t> to;
  std::string source;  // the file it was read from, or "" (for messages)
  std::size_t size() const { return from.size(); }
};

// The histogram_ref_file keys NiftyNet uses for the label input named label_section (the
// [SEGMENTATION] label = <section>): "label_<section>-from" and "label_<section>-to", with
// characters other than [0-9a-zA-Z_-] removed (NiftyNet also keeps
// spaces, which its own whitespace-separated file cannot hold).
std::pair<std::string, std::string> label_mapping_keys(std::string_view label_section);

// One subject's label map [1, D, H, W] int32.
struct LabelSubject {
  std::string id;
  const Tensor* label = nullptr;
};
// The sorted set of values over every subject, to 0..K-1. Throws Error listing the values when
// there are more than num_classes of them (num_classes <= 0: no limit).
LabelMapping train_label_mapping(const std::vector<LabelSubject>& subjects, int num_classes);

// Throws Error (naming the source) when from or to repeat a value or their lengths differ, or
// (num_classes > 0) a `to` value lies outside 0..num_classes-1.
void check_label_mapping(const LabelMapping& mapping, int num_classes);

// In place, every voxel. A value with no entry throws Error naming the subject and the first few
// such values (nothing is changed then).
void map_labels_forward(Tensor& label, const LabelMapping& mapping, std::string_view subject_id);
void map_labels_backward(Tensor& label, const LabelMapping& mapping, std::string_view subject_id);

// Without label_normalisation: throws Error naming the subject and the first few values outside
// 0..num_classes-1, suggesting label_normalisation = True.
void check_label_values(const Tensor& label, int num_classes, std::string_view subject_id);

// The mapping of label_section from a histogram_ref_file (Error: missing file, missing keys,
// values that are not whole numbers, an inconsistent mapping), and writing it into one (other
// lines kept; values written as NiftyNet does, e.g. "label_label-from 0 1 4").
LabelMapping read_label_mapping(const std::string& path, std::string_view label_section);
void write_label_mapping(const std::string& path, const LabelMapping& mapping, std::string_view label_section);

}  // namespace voxtrain
