// label_mapping.cpp — NiftyNet's DiscreteLabelNormalisationLayer: the training set's label values
// to 0..K-1 and back, stored as "-from"/"-to" lines of the histogram_ref_file.
#include "voxtrain/data/preprocessing/label_mapping.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/data/preprocessing/histogram_standardisation.hpp"

namespace voxtrain {
namespace {

constexpr std::size_t kValuesShown = 10;

void check_label_tensor(const Tensor& label, std::string_view subject_id) {
  if (!label.defined() || label.dtype() != DType::Int32)
    throw error("subject '{}': a label map must be int32 [1, D, H, W]", subject_id);
}

std::string list_values(const std::set<std::int32_t>& values) {
  std::string text;
  std::size_t shown = 0;
  for (std::int32_t v : values) {
    if (shown == kValuesShown) {
      text.append(fmt::format(", ... ({} in all)", values.size()));
      break;
    }
    if (shown++ > 0) text.append(", ");
    text.append(fmt::format("{}", v));
  }
  return text;
}

// Sorted (key, value) pairs for a binary-search lookup.
std::vector<std::pair<std::int32_t, std::int32_t>> lookup_table(const std::vector<std::int32_t>& keys,
                                                                const std::vector<std::int32_t>& values) {
  std::vector<std::pair<std::int32_t, std::int32_t>> table;
  for (std::size_t n = 0; n < keys.size(); ++n) table.emplace_back(keys[n], values[n]);
  std::sort(table.begin(), table.end());
  return table;
}

void remap(Tensor& label, const std::vector<std::int32_t>& keys, const std::vector<std::int32_t>& values,
           const LabelMapping& mapping, std::string_view subject_id, std::string_view direction) {
  check_label_tensor(label, subject_id);
  const auto table = lookup_table(keys, values);
  std::int32_t* data = label.data<std::int32_t>();
  const std::int64_t n = label.numel();
  std::vector<std::int32_t> out(static_cast<std::size_t>(n));
  std::set<std::int32_t> unknown;
  for (std::int64_t v = 0; v < n; ++v) {
    const std::int32_t x = data[v];
    const auto it = std::lower_bound(table.begin(), table.end(), std::make_pair(x, std::numeric_limits<std::int32_t>::min()));
    if (it == table.end() || it->first != x) unknown.insert(x);
    else out[static_cast<std::size_t>(v)] = it->second;
  }
  if (!unknown.empty())
    throw error("subject '{}': label values {} are not in the label mapping ({} {}); check the label file, "
                "or delete the mapping's lines from the histogram_ref_file and train again so it includes them",
                subject_id, list_values(unknown), direction,
                mapping.source.empty() ? std::string("trained in memory") : mapping.source);
  std::copy(out.begin(), out.end(), data);
}

}  // namespace

std::pair<std::string, std::string> label_mapping_keys(std::string_view label_section) {
  auto clean = [](const std::string& text) {
    std::string kept;
    for (char ch : text)
      if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-') kept.push_back(ch);
    return kept;
  };
  std::string section(label_section);
  return {clean(fmt::format("label_{}-from", section)), clean(fmt::format("label_{}-to", section))};
}

LabelMapping train_label_mapping(const std::vector<LabelSubject>& subjects, int num_classes) {
  std::set<std::int32_t> values;
  for (const LabelSubject& s : subjects) {
    VOX_ASSERT(s.label != nullptr);
    check_label_tensor(*s.label, s.id);
    const std::int32_t* data = s.label->data<std::int32_t>();
    for (std::int64_t v = 0; v < s.label->numel(); ++v) values.insert(data[v]);
  }
  if (num_classes > 0 && values.size() > static_cast<std::size_t>(num_classes))
    throw error("label_normalisation found {} distinct label values in the training set ({}) but "
                "[SEGMENTATION] num_classes = {}; set num_classes to {} or fix the label files",
                values.size(), list_values(values), num_classes, values.size());
  LabelMapping mapping;
  mapping.from.assign(values.begin(), values.end());
  for (std::size_t n = 0; n < mapping.from.size(); ++n) mapping.to.push_back(static_cast<std::int32_t>(n));
  return mapping;
}

void check_label_mapping(const LabelMapping& mapping, int num_classes) {
  const std::string where = mapping.source.empty() ? std::string("label mapping") : mapping.source;
  if (mapping.from.size() != mapping.to.size())
    throw error("{}: the label mapping has {} values to map from but {} to map to; delete its label lines "
                "and train again",
                where, mapping.from.size(), mapping.to.size());
  const std::set<std::int32_t> from(mapping.from.begin(), mapping.from.end());
  const std::set<std::int32_t> to(mapping.to.begin(), mapping.to.end());
  if (from.size() != mapping.from.size() || to.size() != mapping.to.size())
    throw error("{}: the label mapping repeats a value, so it cannot be inverted; delete its label lines "
                "and train again",
                where);
  if (num_classes > 0 && !to.empty() && (*to.begin() < 0 || *to.rbegin() >= num_classes))
    throw error("{}: the label mapping maps to {}..{} but [SEGMENTATION] num_classes = {}; set num_classes "
                "to {} or train the mapping again",
                where, *to.begin(), *to.rbegin(), num_classes, *to.rbegin() + 1);
}

void map_labels_forward(Tensor& label, const LabelMapping& mapping, std::string_view subject_id) {
  check_label_mapping(mapping, 0);
  remap(label, mapping.from, mapping.to, mapping, subject_id, "mapping from");
}

void map_labels_backward(Tensor& label, const LabelMapping& mapping, std::string_view subject_id) {
  check_label_mapping(mapping, 0);
  remap(label, mapping.to, mapping.from, mapping, subject_id, "mapping back to the original values, from");
}

void check_label_values(const Tensor& label, int num_classes, std::string_view subject_id) {
  check_label_tensor(label, subject_id);
  const std::int32_t* data = label.data<std::int32_t>();
  std::set<std::int32_t> outside;
  for (std::int64_t v = 0; v < label.numel(); ++v)
    if (data[v] < 0 || data[v] >= num_classes) outside.insert(data[v]);
  if (!outside.empty())
    throw error("subject '{}': label values {} are outside 0..{} ([SEGMENTATION] num_classes = {}); set "
                "label_normalisation = True to map the label values to 0..K-1, or fix num_classes",
                subject_id, list_values(outside), num_classes - 1, num_classes);
}

LabelMapping read_label_mapping(const std::string& path, std::string_view label_section) {
  const auto [from_key, to_key] = label_mapping_keys(label_section);
  const std::vector<ReferenceLine> lines = read_reference_file(path);
  auto find = [&](const std::string& key) -> const ReferenceLine& {
    auto found = std::find_if(lines.rbegin(), lines.rend(), [&](const ReferenceLine& l) { return l.name == key; });
    if (found == lines.rend())
      throw error("{}: no label mapping '{}' for the label input '{}'; train with label_normalisation = True "
                  "first, or set [NETWORK] histogram_ref_file to the file written then",
                  path, key, label_section);
    return *found;
  };
  auto whole = [&](const ReferenceLine& line) {
    std::vector<std::int32_t> values;
    for (double v : line.values) {
      if (!(std::isfinite(v) && v == std::round(v) && std::abs(v) <= 2147483647.0))
        throw error("{}:{}: '{}' holds {}, which is not a whole number; label values must be integers",
                    path, line.line, line.name, v);
      values.push_back(static_cast<std::int32_t>(v));
    }
    return values;
  };
  LabelMapping mapping{.from = whole(find(from_key)), .to = whole(find(to_key)), .source = path};
  check_label_mapping(mapping, 0);
  return mapping;
}

void write_label_mapping(const std::string& path, const LabelMapping& mapping, std::string_view label_section) {
  check_label_mapping(mapping, 0);
  const auto [from_key, to_key] = label_mapping_keys(label_section);
  auto as_double = [](const std::vector<std::int32_t>& v) { return std::vector<double>(v.begin(), v.end()); };
  update_reference_file(path, {{.name = from_key, .values = as_double(mapping.from), .line = 0},
                               {.name = to_key, .values = as_double(mapping.to), .line = 0}});
}

}  // namespace voxtrain
