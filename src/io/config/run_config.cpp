// run_config.cpp — checking a config against the schema (unknown keys, types, unsupported and
// ignored keys), command-line overrides, typed lookups, the effective text and run comparison.
#include "voxtrain/io/config/run_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

std::string to_upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string dotted(std::string_view section, std::string_view key) { return fmt::format("{}.{}", section, key); }

std::vector<std::string> key_names(std::string_view section) {
  std::vector<std::string> out;
  for (const ConfigKey& k : config_keys())
    if (k.section == section) out.push_back(k.name);
  return out;
}

std::vector<std::string> all_section_keys() {
  std::vector<std::string> out;
  for (const ConfigKey& k : config_keys())
    if (!k.is_input() && std::find(out.begin(), out.end(), k.name) == out.end()) out.push_back(k.name);
  return out;
}

std::string sections_text() {
  std::vector<std::string> bracketed;
  for (const std::string& s : config_sections()) bracketed.push_back("[" + s + "]");
  return join(bracketed);
}

// "unknown key 'lrr' in [TRAINING] (config.ini:12); did you mean 'lr'?" and its variants.
[[noreturn]] void unknown_key(const IniFile& ini, const IniSection& section, const IniEntry& entry, bool input) {
  const std::string where = fmt::format("{}:{}", ini.path(), entry.line);
  const std::string head = fmt::format("unknown key '{}' in [{}] ({})", entry.key, section.name, where);
  const std::vector<std::string> own = key_names(input ? std::string_view() : std::string_view(section.name));
  if (const auto close = closest_match(entry.key, own)) throw error("{}; did you mean '{}'?", head, *close);
  const std::vector<std::string> elsewhere = sections_with_key(entry.key);
  if (!elsewhere.empty()) throw error("{}; '{}' is a key of [{}]: move it there", head, entry.key, elsewhere.front());
  if (!input && find_config_key("", entry.key))
    throw error("{}; '{}' is a key of input sections such as [T1]: move it there", head, entry.key);
  throw error("{}: remove it ('voxtrain config --list' lists the keys of every section)", head);
}

bool is_default(const ConfigKey& key, const ConfigValue& value) {
  return canonical_config_text(key, value) == key.default_text;
}

// Writes a value so that IniFile::parse reads it back: '%' doubled, later lines indented.
std::string ini_value_text(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '%')
      out += "%%";
    else if (c == '\n')
      out += "\n    ";
    else
      out += c;
  }
  return out;
}

// SEGMENTATION keys that name input sections: written only when set, since their presence
// switches the data layer from "every input section is an image channel" to the grouping.
bool is_grouping_key(const ConfigKey& k) { return k.section == "SEGMENTATION" && k.type == ConfigType::StringList; }

// Settings that do not change what a run trains (config_differences leaves them out).
bool is_bookkeeping(std::string_view dotted_key) {
  static const std::set<std::string, std::less<>> keys{"SYSTEM.num_threads",          "SYSTEM.model_dir",
                                                       "SYSTEM.event_handler",        "NETWORK.queue_length",
                                                       "TRAINING.max_iter",           "TRAINING.starting_iter",
                                                       "TRAINING.save_every_n",       "TRAINING.tensorboard_every_n",
                                                       "TRAINING.max_checkpoints",    "TRAINING.validation_every_n",
                                                       "TRAINING.validation_max_iter",
                                                       "TRAINING.volume_validation_every_n",
                                                       "TRAINING.best_metric"};
  if (keys.count(dotted_key)) return true;
  const auto dot = dotted_key.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view section = dotted_key.substr(0, dot), name = dotted_key.substr(dot + 1);
  if (section == "INFERENCE" || section == "EVALUATION") return true;
  const ConfigKey* k = find_config_key(is_reserved_section(section) ? section : std::string_view(), name);
  return k && k->support == KeySupport::Ignored;
}

}  // namespace

std::vector<ConfigOverride> parse_config_overrides(const std::vector<std::string>& args) {
  std::vector<ConfigOverride> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
      throw error("'{}' is not a config override: write --key value or --key=value, e.g. --max_iter 100", arg);
    std::string name = arg.substr(2), value;
    std::string flag = arg;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      flag = "--" + name;
    } else {
      if (i + 1 >= args.size() || args[i + 1].compare(0, 2, "--") == 0)
        throw error("{} needs a value: write {} VALUE or {}=VALUE", arg, arg, arg);
      value = args[++i];
    }
    std::string section;
    if (const auto dot = name.find('.'); dot != std::string::npos) {
      section = name.substr(0, dot);
      name = name.substr(dot + 1);
    }
    std::string key = to_lower(name);
    std::replace(key.begin(), key.end(), '-', '_');
    if (!section.empty()) {
      const std::string upper = to_upper(section);
      if (!is_reserved_section(upper))
        throw error(
            "{}: [{}] would be an input section, and input sections cannot be overridden on the command "
            "line: edit the config file",
            flag, section);
      if (!find_config_key(upper, key)) {
        const std::vector<std::string> own = key_names(upper);
        const auto close = closest_match(key, own);
        const std::vector<std::string> elsewhere = sections_with_key(key);
        std::string hint;
        if (close)
          hint = fmt::format(" (did you mean '{}'?)", *close);
        else if (!elsewhere.empty())
          hint = fmt::format("; it is a key of [{}]: --{}.{}", elsewhere.front(), elsewhere.front(), key);
        throw error("{}: [{}] has no key '{}'{}", flag, upper, key, hint);
      }
      out.push_back(ConfigOverride{.section = upper, .key = key, .value = value, .flag = flag});
      continue;
    }
    const std::vector<std::string> sections = sections_with_key(key);
    if (sections.size() > 1)
      throw error("{}: '{}' is a key of {}: say which, e.g. --{}.{}", flag, key, join(sections), sections.front(), key);
    if (sections.empty()) {
      if (find_config_key("", key))
        throw error(
            "{}: '{}' is a key of input sections, which cannot be overridden on the command line: edit the "
            "config file",
            flag, key);
      const auto close = closest_match(key, all_section_keys());
      throw error("unknown option '{}'{}: a config override names a key of {} ('voxtrain config --list' lists them)",
                  flag, close ? fmt::format(" (did you mean '--{}'?)", *close) : std::string(), sections_text());
    }
    out.push_back(ConfigOverride{.section = sections.front(), .key = key, .value = value, .flag = flag});
  }
  return out;
}

RunConfig RunConfig::load(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  RunConfig c;
  c.ini_ = IniFile::read(path);
  c.validate(overrides);
  return c;
}

RunConfig RunConfig::parse(std::string_view text, const std::string& path,
                           const std::vector<ConfigOverride>& overrides) {
  RunConfig c;
  c.ini_ = IniFile::parse(text, path);
  c.validate(overrides);
  return c;
}

void RunConfig::check_entry(const IniSection& section, const IniEntry& entry, const ConfigKey& key) {
  const IniValue v{.file = ini_.path(),
                   .section = section.name,
                   .key = entry.key,
                   .value = entry.value,
                   .line = entry.line,
                   .origin = entry.origin};
  const ConfigValue value = parse_config_value(key, entry.value, v.where());
  if (key.support == KeySupport::Unsupported && !is_default(key, value))
    throw error("{}: voxtrain does not support {} ({}): remove the key or set it to its default {}", v.where(),
                key.name, key.reason, key.default_text.empty() ? std::string("(empty)") : key.default_text);
  if (key.support == KeySupport::Ignored && !is_default(key, value))
    warnings_.push_back(fmt::format("{} is ignored: {}", v.where(), key.reason));
  values_.insert_or_assign(dotted(section.name, key.name), value);
}

void RunConfig::validate(const std::vector<ConfigOverride>& overrides) {
  for (const IniSection& section : ini_.sections()) {
    const std::string upper = to_upper(section.name);
    if (upper != section.name && is_reserved_section(upper))
      throw error("{}: write the section name in capitals, [{}]; otherwise it is read as an input section",
                  ini_.where(section), upper);
    if (is_unsupported_application_section(section.name))
      throw error("{}: voxtrain has no {} application: it trains segmentation networks, configured in [SEGMENTATION]",
                  ini_.where(section), to_lower(section.name));
  }
  for (const ConfigOverride& o : overrides) {
    if (!is_reserved_section(o.section) || is_unsupported_application_section(o.section))
      throw error("override of [{}] {}: only the keys of {} can be overridden", o.section, o.key, sections_text());
    if (!find_config_key(o.section, o.key))
      throw error("override of [{}] {}: [{}] has no such key ('voxtrain config --list' lists them)", o.section, o.key,
                  o.section);
    const std::string flag = o.flag.empty() ? "--" + o.key : o.flag;
    ini_.set(o.section, o.key, o.value, "command line " + flag);
  }
  for (const IniSection& section : ini_.sections()) {
    const bool input = !is_reserved_section(section.name);
    if (input) inputs_.push_back(section.name);
    for (const IniEntry& entry : section.entries) {
      const ConfigKey* key = find_config_key(input ? std::string_view() : std::string_view(section.name), entry.key);
      if (!key) unknown_key(ini_, section, entry, input);
      check_entry(section, entry, *key);
    }
  }
  if (ini_.find_section("SEGMENTATION")) application_ = "SEGMENTATION";
  for (const ConfigKey& k : config_keys()) {
    if (k.is_input()) {
      for (const std::string& s : inputs_) values_.try_emplace(dotted(s, k.name), default_config_value(k));
    } else {
      values_.try_emplace(dotted(k.section, k.name), default_config_value(k));
    }
  }
}

const ConfigValue& RunConfig::get(std::string_view section, std::string_view key) const {
  const auto it = values_.find(dotted(section, to_lower(key)));
  if (it == values_.end())
    throw InternalError(fmt::format("RunConfig: [{}] {} is not a key of the config schema", section, key));
  return it->second;
}

namespace {

template <class V>
const V& typed(const ConfigValue& value, std::string_view section, std::string_view key, const char* getter) {
  const V* v = std::get_if<V>(&value);
  if (!v) throw InternalError(fmt::format("RunConfig::{}: [{}] {} has another type", getter, section, key));
  return *v;
}

}  // namespace

bool RunConfig::get_bool(std::string_view section, std::string_view key) const {
  return typed<bool>(get(section, key), section, key, "get_bool");
}
std::int64_t RunConfig::get_int(std::string_view section, std::string_view key) const {
  return typed<std::int64_t>(get(section, key), section, key, "get_int");
}
double RunConfig::get_float(std::string_view section, std::string_view key) const {
  return typed<double>(get(section, key), section, key, "get_float");
}
std::string RunConfig::get_string(std::string_view section, std::string_view key) const {
  return typed<std::string>(get(section, key), section, key, "get_string");
}
std::vector<std::int64_t> RunConfig::get_ints(std::string_view section, std::string_view key) const {
  return typed<std::vector<std::int64_t>>(get(section, key), section, key, "get_ints");
}
std::vector<double> RunConfig::get_floats(std::string_view section, std::string_view key) const {
  return typed<std::vector<double>>(get(section, key), section, key, "get_floats");
}
std::vector<std::string> RunConfig::get_strings(std::string_view section, std::string_view key) const {
  return typed<std::vector<std::string>>(get(section, key), section, key, "get_strings");
}
std::array<std::int64_t, 3> RunConfig::get_spatial3(std::string_view section, std::string_view key) const {
  const ConfigKey* k = find_config_key(is_reserved_section(section) ? section : std::string_view(), key);
  if (!k || (k->type != ConfigType::Spatial3 && k->type != ConfigType::AtLeast3d))
    throw InternalError(fmt::format("RunConfig::get_spatial3: [{}] {} is not a spatial key", section, key));
  const auto& v = typed<std::vector<std::int64_t>>(get(section, key), section, key, "get_spatial3");
  return {v.at(0), v.at(1), v.at(2)};
}

bool RunConfig::is_set(std::string_view section, std::string_view key) const {
  return ini_.value(section, key).has_value();
}

std::string RunConfig::where(std::string_view section, std::string_view key) const {
  const auto v = ini_.value(section, key);
  if (!v) return fmt::format("[{}] {} (default)", section, to_lower(key));
  if (!v->origin.empty()) return v->origin;
  return fmt::format("{}:{}: [{}] {}", v->file, v->line, v->section, v->key);
}

std::map<std::string, std::string> RunConfig::effective_settings() const {
  std::map<std::string, std::string> out;
  for (const ConfigKey& k : config_keys()) {
    if (k.is_input()) {
      for (const std::string& s : inputs_) out[dotted(s, k.name)] = canonical_config_text(k, get(s, k.name));
    } else {
      out[dotted(k.section, k.name)] = canonical_config_text(k, get(k.section, k.name));
    }
  }
  return out;
}

std::string RunConfig::text() const {
  std::string out = fmt::format("# voxtrain: the effective configuration of {}\n# (relative paths start at {})\n",
                                ini_.path(), ini_.directory());
  for (const std::string& section : config_sections()) {
    out += fmt::format("\n[{}]\n", section);
    for (const ConfigKey& k : config_keys()) {
      if (k.section != section || (is_grouping_key(k) && !is_set(section, k.name))) continue;
      out += fmt::format("{} = {}\n", k.name, ini_value_text(canonical_config_text(k, get(section, k.name))));
    }
  }
  for (const std::string& name : inputs_) {
    out += fmt::format("\n[{}]\n", name);
    for (const IniEntry& e : ini_.find_section(name)->entries) {
      const ConfigKey* k = find_config_key("", e.key);
      out += fmt::format("{} = {}\n", e.key, ini_value_text(canonical_config_text(*k, get(name, e.key))));
    }
  }
  return out;
}

std::vector<std::string> config_differences(const std::map<std::string, std::string>& stored,
                                            const std::map<std::string, std::string>& now) {
  std::set<std::string> keys;
  for (const auto& [k, v] : stored) keys.insert(k);
  for (const auto& [k, v] : now) keys.insert(k);
  std::vector<std::string> out;
  for (const std::string& k : keys) {
    if (is_bookkeeping(k)) continue;
    const auto a = stored.find(k), b = now.find(k);
    const auto shown = [](const auto& it, const auto& map) {
      if (it == map.end()) return std::string("(absent)");
      return it->second.empty() ? std::string("''") : it->second;
    };
    const std::string before = shown(a, stored), after = shown(b, now);
    const bool same = (a == stored.end()) == (b == now.end()) && (a == stored.end() || a->second == b->second);
    if (!same) out.push_back(fmt::format("{}: {} -> {}", k, before, after));
  }
  return out;
}

void check_config_unchanged(const std::map<std::string, std::string>& stored,
                            const std::map<std::string, std::string>& now, std::string_view model_dir) {
  const std::vector<std::string> differences = config_differences(stored, now);
  if (differences.empty()) return;
  throw error(
      "model_dir '{}' holds a run with a different config: {}: run with the config it was trained with to "
      "resume, or give --new-run to start a new run there",
      model_dir, join(differences, "; "));
}

}  // namespace voxtrain
