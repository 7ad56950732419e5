// ini_file.hpp — a NiftyNet config file read as Python's configparser reads it, every key keeping
// its file and line, plus the value helpers (lists, tuples, numbers, booleans) the schema builds on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voxtrain {

// One `key = value` of a section, as the user wrote it (key lower-cased, value trimmed).
struct IniEntry {
  std::string key;    // lower case, as configparser's optionxform makes it
  std::string value;  // trimmed; continuation lines joined with '\n'; %% and %(key)s resolved
  int line = 0;       // 1-based line of the key; 0 when set() put it there
  std::string origin{};  // empty: read from the file; else who set it, e.g. "command line --lr"
};

struct IniSection {
  std::string name;  // standardised as NiftyNet does: characters outside [0-9a-zA-Z_- ] removed
  int line = 0;      // line of the [header]; 0 when set() added the section
  std::vector<IniEntry> entries;  // in file order, then those set() added

  const IniEntry* find(std::string_view key) const;  // key compared case-insensitively
};

// A value with everything an error message needs: "config.ini:14: [T1] key = value".
struct IniValue {
  std::string file;  // the path as the file was opened
  std::string section;
  std::string key;
  std::string value;
  int line = 0;
  std::string origin{};  // IniEntry::origin

  // "config.ini:14: [T1] path_to_search = ./data", or for a value set() gave
  // "command line --lr: [TRAINING] lr = 0.1" (the origin in place of file:line)
  std::string where() const;
  // Throws Error("<where()>: <problem>"); problem says what is expected and what to do.
  [[noreturn]] void fail(std::string_view problem) const;
};

class IniFile {
 public:
  // Reads and parses a file; errors name the file and line.
  static IniFile read(const std::string& path);
  // Parses text as if read from `path` (used in messages and for directory()).
  static IniFile parse(std::string_view text, const std::string& path);

  const std::string& path() const { return path_; }
  // The directory holding the file ("." for a bare file name); relative paths in it start here.
  std::string directory() const;
  const std::vector<IniSection>& sections() const { return sections_; }
  // The section of that (standardised) name, case-sensitive as in configparser; null if absent.
  const IniSection* find_section(std::string_view name) const;
  // The value of section/key, if both exist.
  std::optional<IniValue> value(std::string_view section, std::string_view key) const;
  // "config.ini:3: [T1]" for messages about a whole section ("config.ini: [T1]" when set() added it).
  std::string where(const IniSection& section) const;

  // Sets section/key to value as if the file held it (the section is appended when absent), the
  // entry remembering its origin for messages (e.g. "command line --lr"). The value is taken as
  // it is: no %-interpolation.
  void set(std::string_view section, std::string_view key, std::string value, std::string origin);

 private:
  std::string path_;
  std::vector<IniSection> sections_;
};

// NiftyNet's section-name rule: trim, then drop characters outside [0-9a-zA-Z_\- ].
std::string standardise_section_name(std::string_view name);

// ---- value helpers (NiftyNet's str_array, int_array, float_array, str2boolean) ----------------
// "a, b", "(a, b)", "{a, b}" -> {"a", "b"}; "" or "()" -> {}. Elements are trimmed; an empty
// element or a bracket inside one is an error.
std::vector<std::string> as_string_list(const IniValue& v);
std::vector<std::int64_t> as_int_list(const IniValue& v);
std::vector<double> as_float_list(const IniValue& v);  // finite numbers only
std::int64_t as_int(const IniValue& v);
double as_float(const IniValue& v);  // finite numbers only
// yes/true/t/y/1 and no/false/f/n/0, case-insensitive.
bool as_bool(const IniValue& v);

}  // namespace voxtrain
