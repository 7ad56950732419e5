// aux_ops.cpp — make_aux_op: each of Clara's aux op names with the parameters it takes, parsed from
// strings; unknown names and parameters get the valid list and the closest match.
#include "voxtrain/metrics/aux_ops.hpp"

#include <charconv>
#include <cmath>
#include <functional>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// Trimmed, without one pair of matching surrounding quotes.
std::string unquote(std::string_view text) {
  std::string t = trim(text);
  if (t.size() >= 2 && (t.front() == '"' || t.front() == '\'') && t.back() == t.front())
    t = trim(std::string_view(t).substr(1, t.size() - 2));
  return t;
}

bool is_unset(std::string_view text) {
  const std::string t = to_lower(unquote(text));
  return t.empty() || t == "none" || t == "null";
}

// An op's parameters, checked against the names it takes; typed reads with one-line errors.
class Parameters {
 public:
  Parameters(std::string op, const AuxOpParameters& values, std::vector<std::string> allowed, std::string_view where)
      : op_(std::move(op)), values_(values), where_(where) {
    for (const auto& [key, value] : values_) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      throw error("{}: {} has no parameter '{}'{}: it takes {}", where_, op_, key, did_you_mean(key, allowed),
                  join(allowed));
    }
  }

  std::optional<std::string> optional_text(const std::string& key) const {
    const auto found = values_.find(key);
    if (found == values_.end() || is_unset(found->second)) return std::nullopt;
    return unquote(found->second);
  }
  std::string text(const std::string& key, std::string fallback) const {
    return optional_text(key).value_or(std::move(fallback));
  }
  std::string required(const std::string& key, std::string_view what) const {
    if (auto value = optional_text(key)) return *value;
    missing(key, what);
  }
  [[noreturn]] void missing(const std::string& key, std::string_view what) const {
    throw error("{}: {} needs the parameter '{}' ({})", where_, op_, key, what);
  }

  bool boolean(const std::string& key, bool fallback) const {
    const auto value = optional_text(key);
    if (!value) return fallback;
    const std::string v = to_lower(*value);
    if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "0" || v == "no" || v == "off") return false;
    throw error("{}: {} parameter {} = '{}' is not a boolean: use true or false", where_, op_, key, *value);
  }

  double number(const std::string& key, double fallback) const {
    const auto value = optional_text(key);
    if (!value) return fallback;
    double out = 0.0;
    const char* end = value->data() + value->size();
    const auto [ptr, ec] = std::from_chars(value->data(), end, out);
    if (ec != std::errc() || ptr != end || !std::isfinite(out))
      throw error("{}: {} parameter {} = '{}' is not a number", where_, op_, key, *value);
    return out;
  }

  std::optional<int> optional_integer(const std::string& key) const {
    const auto value = optional_text(key);
    if (!value) return std::nullopt;
    return to_integer(key, *value);
  }

  // "a, b", '["a", "b"]' or "(1, 3)": the items, each trimmed and unquoted.
  std::vector<std::string> list(const std::string& key) const {
    std::string text = optional_text(key).value_or("");
    if (text.size() >= 2 &&
        ((text.front() == '[' && text.back() == ']') || (text.front() == '(' && text.back() == ')')))
      text = text.substr(1, text.size() - 2);
    std::vector<std::string> items;
    std::size_t begin = 0;
    while (begin <= text.size() && !trim(text).empty()) {
      const std::size_t comma = std::min(text.find(',', begin), text.size());
      std::string item = unquote(std::string_view(text).substr(begin, comma - begin));
      if (item.empty())
        throw error("{}: {} parameter {} = '{}' has an empty item: separate names with single commas", where_, op_, key,
                    text);
      items.push_back(std::move(item));
      begin = comma + 1;
    }
    return items;
  }

  std::vector<int> integers(const std::string& key) const {
    std::vector<int> out;
    for (const std::string& item : list(key)) out.push_back(to_integer(key, item));
    return out;
  }

  DataFormat data_format() const {
    const std::string value = text("data_format", "channels_first");
    const std::string v = to_lower(value);
    if (v == "channels_first") return DataFormat::ChannelsFirst;
    if (v == "channels_last") return DataFormat::ChannelsLast;
    const std::vector<std::string> valid = {"channels_first", "channels_last"};
    throw error("{}: {} parameter data_format = '{}' is not known{}: use channels_first or channels_last", where_, op_,
                value, did_you_mean(value, valid));
  }

  AuxFlags flags() const { return {.do_summary = boolean("do_summary", true), .do_print = boolean("do_print", true)}; }

 private:
  int to_integer(const std::string& key, const std::string& value) const {
    int out = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, out);
    if (ec != std::errc() || ptr != end)
      throw error("{}: {} parameter {} = '{}' is not an integer", where_, op_, key, value);
    return out;
  }

  std::string op_;
  const AuxOpParameters& values_;
  std::string where_;
};

DiceOptions dice_options(const Parameters& p) {
  return {.mask_tag = p.text("mask_tag", ""),
          .data_format = p.data_format(),
          .skip_background = p.boolean("skip_background", false),
          .is_onehot_targets = p.boolean("is_onehot_targets", false),
          .is_independent_predictions = p.boolean("is_independent_predictions", false),
          .jaccard = p.boolean("jaccard", false),
          .threshold = p.number("threshold", 0.5)};
}

MulticlassOptions multiclass_options(const Parameters& p) {
  return {.use_sigmoid_for_binary = p.boolean("use_sigmoid_for_binary", true),
          .use_softmax_for_multiclass = p.boolean("use_softmax_for_multiclass", true),
          .label_format = p.integers("label_format")};
}

struct Entry {
  const char* name;
  std::vector<std::string> parameters;  // without do_summary / do_print
  std::function<std::unique_ptr<AuxOp>(const Parameters&)> make;
};

constexpr const char* kTagWhat = "the name its value is reported under";

const std::vector<Entry>& registry() {
  static const std::vector<std::string> dice_parameters = {
      "data_format", "skip_background", "is_onehot_targets", "is_independent_predictions",
      "jaccard",     "threshold",       "mask_tag"};
  auto with = [](std::vector<std::string> head, const std::vector<std::string>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  static const std::vector<Entry> entries = {
      {"ComputeAccuracy",
       {"tag", "use_sigmoid"},
       [](const Parameters& p) {
         return std::make_unique<ComputeAccuracy>(p.required("tag", kTagWhat), p.boolean("use_sigmoid", false),
                                                  p.flags());
       }},
      {"ComputeBinaryPreds",
       {"binary_preds_name", "binary_labels_name"},
       [](const Parameters& p) {
         return std::make_unique<ComputeBinaryPreds>(p.text("binary_preds_name", "binary_preds"),
                                                     p.text("binary_labels_name", "binary_labels"), p.flags());
       }},
      {"ComputeMulticlassAccuracy",
       {"tag", "use_sigmoid_for_binary", "use_softmax_for_multiclass", "use_sigmoid_for_accuracy", "label_format"},
       [](const Parameters& p) {
         return std::make_unique<ComputeMulticlassAccuracy>(p.required("tag", kTagWhat), multiclass_options(p),
                                                            p.boolean("use_sigmoid_for_accuracy", false), p.flags());
       }},
      {"ComputeMulticlassPreds",
       {"preds_name", "labels_name", "use_sigmoid_for_binary", "use_softmax_for_multiclass", "label_format"},
       [](const Parameters& p) {
         return std::make_unique<ComputeMulticlassPreds>(p.text("preds_name", "preds"), p.text("labels_name", "labels"),
                                                         multiclass_options(p), p.flags());
       }},
      {"ComputeDice", with({"tag"}, dice_parameters),
       [](const Parameters& p) {
         return std::make_unique<ComputeDice>(p.required("tag", kTagWhat), dice_options(p), p.flags());
       }},
      {"DiceMaskedOutput", with({"tags"}, dice_parameters),
       [](const Parameters& p) {
         std::vector<std::string> tags = p.list("tags");
         if (tags.empty()) p.missing("tags", "the name of the mean, then optionally one name per class");
         return std::make_unique<DiceMaskedOutput>(std::move(tags), dice_options(p), p.flags());
       }},
      {"NegLoss",
       {"tag"},
       [](const Parameters& p) { return std::make_unique<NegLoss>(p.required("tag", kTagWhat), p.flags()); }},
      {"ReduceMeanMasked",
       {"tag", "mask_tag", "axis"},
       [](const Parameters& p) {
         return std::make_unique<ReduceMeanMasked>(p.required("tag", kTagWhat), p.text("mask_tag", ""),
                                                   p.optional_integer("axis"), p.flags());
       }},
  };
  return entries;
}

const Entry* find_entry(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot != std::string_view::npos) name = name.substr(dot + 1);
  for (const Entry& e : registry())
    if (name == e.name) return &e;
  return nullptr;
}

std::vector<std::string> all_parameters(const Entry& e) {
  std::vector<std::string> names = e.parameters;
  names.emplace_back("do_summary");
  names.emplace_back("do_print");
  return names;
}

}  // namespace

std::vector<std::string> aux_op_names() {
  std::vector<std::string> names;
  for (const Entry& e : registry()) names.emplace_back(e.name);
  return names;
}

std::vector<std::string> aux_op_parameter_names(std::string_view name) {
  const Entry* e = find_entry(name);
  return e ? all_parameters(*e) : std::vector<std::string>{};
}

std::unique_ptr<AuxOp> make_aux_op(std::string_view name, const AuxOpParameters& parameters, std::string_view where) {
  const Entry* e = find_entry(name);
  if (!e) {
    const std::vector<std::string> names = aux_op_names();
    throw error("{}: unknown aux op '{}'{}: use one of {}", where, name, did_you_mean(name, names), join(names));
  }
  const Parameters p(e->name, parameters, all_parameters(*e), where);
  return e->make(p);
}

}  // namespace voxtrain
