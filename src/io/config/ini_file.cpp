// ini_file.cpp — the configparser rules (sections, `=`/`:` keys, full-line comments, indented
// continuation lines, %-interpolation, strict duplicates) and the NiftyNet value parsers.
#include "voxtrain/io/config/ini_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/io/config/config_values.hpp"

namespace voxtrain {
namespace {

constexpr std::string_view kBlanks = " \t\r\n\f\v";  // what an indented continuation line starts with
constexpr int kMaxInterpolationDepth = 10;  // configparser's MAX_INTERPOLATION_DEPTH
// References that fan out (each value naming the next one 40 times, 9 levels deep) would take
// 40^9 expansions: a 2 KB file that never finishes. configparser has no such limit; we stop early.
constexpr std::size_t kMaxInterpolationExpansions = 10000;
constexpr std::size_t kMaxInterpolatedSize = 1 << 20;

std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

bool is_comment(std::string_view stripped) {
  return !stripped.empty() && (stripped.front() == '#' || stripped.front() == ';');
}

// The parser's state while lines are read: the open section and the key a continuation extends.
struct Reader {
  std::string path;
  std::vector<IniSection> sections;
  std::vector<std::vector<std::string>> pieces;  // of the last section's entries: value lines
  IniSection* current = nullptr;
  bool have_key = false;     // a continuation line may extend the current section's last entry
  std::size_t indent = 0;    // indentation of the line that opened the current key or section

  [[noreturn]] void fail_at(int line, std::string_view problem) const {
    throw error("{}:{}: {}", path, line, problem);
  }

  void open_section(std::string_view stripped, int line) {
    const auto close = stripped.rfind(']');
    if (close == std::string_view::npos)
      fail_at(line, fmt::format("section header '{}' has no closing ']': write it as [NAME]", stripped));
    const std::string_view rest = trim_config_blanks(stripped.substr(close + 1));
    if (!rest.empty() && !is_comment(rest))
      fail_at(line, fmt::format("unexpected text '{}' after the section header: put a section header alone on its line", rest));
    const std::string_view raw = stripped.substr(1, close - 1);
    if (raw == "DEFAULT")
      fail_at(line, "[DEFAULT] is not supported: copy its keys into the sections that use them");
    const std::string name = standardise_section_name(raw);
    if (name.empty())
      fail_at(line, fmt::format("section header '{}' has no name: write it as [NAME] with letters, digits, '_', '-' or ' '", stripped));
    for (const IniSection& s : sections)
      if (s.name == name)
        fail_at(line, fmt::format("section [{}] appears twice (lines {} and {}): merge them into one", name, s.line, line));
    sections.push_back(IniSection{.name = name, .line = line, .entries = {}});
    pieces.clear();
    current = &sections.back();
    have_key = false;
  }

  void add_key(std::string_view stripped, int line) {
    const auto delimiter = stripped.find_first_of("=:");
    if (delimiter == std::string_view::npos)
      fail_at(line, fmt::format("[{}] line '{}' is not 'key = value': add '=' and a value, or comment it out with '#'",
                                current->name, stripped));
    const std::string key = to_lower(trim_config_blanks(stripped.substr(0, delimiter)));
    if (key.empty())
      fail_at(line, fmt::format("[{}] line '{}' has no key before '{}'", current->name, stripped, stripped[delimiter]));
    for (const IniEntry& e : current->entries)
      if (e.key == key)
        fail_at(line, fmt::format("[{}] key '{}' appears twice (lines {} and {}): keep one", current->name, key, e.line, line));
    current->entries.push_back(IniEntry{.key = key, .value = {}, .line = line, .origin = {}});
    pieces.push_back({std::string(trim_config_blanks(stripped.substr(delimiter + 1)))});
    have_key = true;
  }

  void read_line(std::string_view line, int number) {
    const std::string_view stripped = trim_config_blanks(line);
    if (stripped.empty()) {
      // configparser keeps blank lines inside a value that continues after them.
      if (current && have_key) pieces.back().push_back({});
      return;
    }
    if (is_comment(stripped)) return;
    const std::size_t indent_now = line.find_first_not_of(kBlanks);
    if (current && have_key && indent_now > indent) {
      pieces.back().emplace_back(stripped);
      return;
    }
    indent = indent_now;
    if (stripped.front() == '[') {
      finish_section();
      open_section(stripped, number);
      return;
    }
    if (!current)
      fail_at(number, fmt::format("'{}' comes before any section header: start the file with a header such as [SYSTEM]", stripped));
    add_key(stripped, number);
  }

  // Joins each entry's lines as configparser does ('\n'-joined, trailing blanks dropped).
  void finish_section() {
    if (!current) return;
    for (std::size_t e = 0; e < current->entries.size(); ++e) {
      std::string joined;
      for (std::size_t p = 0; p < pieces[e].size(); ++p) {
        if (p) joined += '\n';
        joined += pieces[e][p];
      }
      current->entries[e].value = std::string(trim_config_blanks(joined));
    }
    pieces.clear();
  }
};

// configparser's BasicInterpolation: "%%" is '%', "%(key)s" is that key's value in the section.
// `expansions` counts the references expanded for one entry, across the recursion.
std::string interpolate(const std::string& path, const IniSection& section, const IniEntry& entry,
                        const std::string& value, int depth, std::size_t& expansions) {
  const auto fail = [&](std::string_view problem) {
    throw error("{}:{}: [{}] {} = {}: {}", path, entry.line, section.name, entry.key, one_line(entry.value), problem);
  };
  if (depth > kMaxInterpolationDepth)
    fail(fmt::format("%(...)s references nest deeper than {} levels (a reference loop?)", kMaxInterpolationDepth));
  if (++expansions > kMaxInterpolationExpansions)
    fail(fmt::format("%(...)s references expand more than {} times (values that name other values many times "
                     "over); write the value out",
                     kMaxInterpolationExpansions));
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (i + 1 < value.size() && value[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    const auto close = value.find(")s", i);
    if (i + 1 >= value.size() || value[i + 1] != '(' || close == std::string::npos)
      fail("'%' must be followed by '%' or '(key)s' (configparser interpolation): write '%%' for a literal '%'");
    const std::string name = to_lower(value.substr(i + 2, close - i - 2));
    const IniEntry* target = section.find(name);
    if (!target) fail(fmt::format("%({})s names no key of [{}]", name, section.name));
    out += interpolate(path, section, entry, target->value, depth + 1, expansions);
    if (out.size() > kMaxInterpolatedSize)
      fail(fmt::format("%(...)s references expand to more than {} characters; write the value out",
                       kMaxInterpolatedSize));
    i = close + 1;
  }
  return out;
}

[[noreturn]] void fail_value(const IniValue& v, std::string_view expected) { v.fail(expected); }

}  // namespace

const IniEntry* IniSection::find(std::string_view key) const {
  const std::string wanted = to_lower(key);
  for (const IniEntry& e : entries)
    if (e.key == wanted) return &e;
  return nullptr;
}

std::string IniValue::where() const {
  if (!origin.empty()) return fmt::format("{}: [{}] {} = {}", origin, section, key, one_line(value));
  return fmt::format("{}:{}: [{}] {} = {}", file, line, section, key, one_line(value));
}

void IniValue::fail(std::string_view problem) const { throw error("{}: {}", where(), problem); }

std::string standardise_section_name(std::string_view name) {
  std::string out;
  for (const char c : trim_config_blanks(name)) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 128 && std::isalnum(u)) || c == '_' || c == '-' || c == ' ') out += c;
  }
  return out;
}

IniFile IniFile::parse(std::string_view text, const std::string& path) {
  Reader reader{.path = path, .sections = {}, .pieces = {}, .current = nullptr, .have_key = false, .indent = 0};
  int number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    reader.read_line(line, ++number);
    start = end + 1;
  }
  reader.finish_section();
  IniFile file;
  file.path_ = path;
  file.sections_ = std::move(reader.sections);
  for (IniSection& section : file.sections_) {
    const IniSection raw = section;  // interpolate from the values as written
    for (IniEntry& entry : section.entries) {
      std::size_t expansions = 0;
      entry.value = interpolate(path, raw, entry, entry.value, 0, expansions);
    }
  }
  return file;
}

IniFile IniFile::read(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw error("cannot read config file '{}': it is a directory; give the .ini file (-c FILE)", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error("cannot read config file '{}': {}", path, std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw error("cannot read config file '{}': read failed", path);
  return parse(text.str(), path);
}

std::string IniFile::directory() const {
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

const IniSection* IniFile::find_section(std::string_view name) const {
  for (const IniSection& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<IniValue> IniFile::value(std::string_view section, std::string_view key) const {
  const IniSection* s = find_section(section);
  if (!s) return std::nullopt;
  const IniEntry* e = s->find(key);
  if (!e) return std::nullopt;
  return IniValue{
      .file = path_, .section = s->name, .key = e->key, .value = e->value, .line = e->line, .origin = e->origin};
}

std::string IniFile::where(const IniSection& section) const {
  if (section.line == 0) return fmt::format("{}: [{}]", path_, section.name);
  return fmt::format("{}:{}: [{}]", path_, section.line, section.name);
}

void IniFile::set(std::string_view section, std::string_view key, std::string value, std::string origin) {
  const std::string name(section);
  auto s = std::find_if(sections_.begin(), sections_.end(), [&](const IniSection& x) { return x.name == name; });
  if (s == sections_.end()) {
    sections_.push_back(IniSection{.name = name, .line = 0, .entries = {}});
    s = std::prev(sections_.end());
  }
  const std::string lower = to_lower(key);
  for (IniEntry& e : s->entries)
    if (e.key == lower) {
      e.value = std::move(value);
      e.line = 0;
      e.origin = std::move(origin);
      return;
    }
  s->entries.push_back(IniEntry{.key = lower, .value = std::move(value), .line = 0, .origin = std::move(origin)});
}

std::vector<std::string> as_string_list(const IniValue& v) {
  ConfigList list = split_config_list(v.value);
  if (!list.problem.empty()) fail_value(v, list.problem);
  return std::move(list.items);
}

std::vector<std::int64_t> as_int_list(const IniValue& v) {
  std::vector<std::int64_t> out;
  for (const std::string& item : as_string_list(v)) {
    const auto n = parse_config_int(item);
    if (!n) fail_value(v, fmt::format("'{}' is not an integer: expected integers such as (32, 32, 32)", item));
    out.push_back(*n);
  }
  return out;
}

std::vector<double> as_float_list(const IniValue& v) {
  std::vector<double> out;
  for (const std::string& item : as_string_list(v)) {
    const auto x = parse_config_float(item);
    if (!x) fail_value(v, fmt::format("'{}' is not a finite number: expected numbers such as (1.0, 1.0, 1.0)", item));
    out.push_back(*x);
  }
  return out;
}

std::int64_t as_int(const IniValue& v) {
  const auto n = parse_config_int(trim_config_blanks(v.value));
  if (!n) fail_value(v, "expected an integer such as 10");
  return *n;
}

double as_float(const IniValue& v) {
  const auto x = parse_config_float(trim_config_blanks(v.value));
  if (!x) fail_value(v, "expected a finite number such as 0.1");
  return *x;
}

bool as_bool(const IniValue& v) {
  const std::string word = to_lower(trim_config_blanks(v.value));
  for (const char* yes : {"yes", "true", "t", "y", "1"})
    if (word == yes) return true;
  for (const char* no : {"no", "false", "f", "n", "0"})
    if (word == no) return false;
  fail_value(v, "expected a boolean: yes, true, t, y, 1 or no, false, f, n, 0");
}

}  // namespace voxtrain
