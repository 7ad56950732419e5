// input_discovery.cpp — parsing input sections, listing and naming their files (KeywordsMatching's
// rules, made deterministic), reading csv_file lists, and joining the sections by subject id.
#include "voxtrain/data/inputs/input_discovery.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/io/config/config_schema.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string>& input_keys() {
  static const std::vector<std::string> keys{
      "csv_file",      "csv_data_file", "to_ohe", "path_to_search", "filename_contains", "filename_not_contains",
      "filename_removefromid", "interp_order", "loader", "pixdim", "axcodes", "spatial_window_size"};
  return keys;
}

constexpr std::string_view kSeparators = "_-. ";

std::string_view strip_separators(std::string_view s) {
  const auto first = s.find_first_not_of(kSeparators);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSeparators) - first + 1);
}

std::string_view trim_blanks(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool ends_with_ci(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && to_lower(text.substr(text.size() - suffix.size())) == suffix;
}

// The extension voxtrain reads (".nii.gz" or ".nii", any case), or 0 when the file is not one.
std::size_t image_extension_length(std::string_view name) {
  if (ends_with_ci(name, ".nii.gz")) return 7;
  if (ends_with_ci(name, ".nii")) return 4;
  return 0;
}

std::string expand_home(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0)
    if (const char* home = std::getenv("HOME")) return std::string(home) + path.substr(1);
  return path;
}

// A path from the config: '~' expanded, relative ones taken from the config's directory.
std::string resolve(const IniFile& ini, const std::string& path) {
  const fs::path p(expand_home(path));
  return (p.is_absolute() ? p : fs::path(ini.directory()) / p).lexically_normal().string();
}

IniValue value_of(const IniFile& ini, const IniSection& section, const IniEntry& entry) {
  return IniValue{.file = ini.path(),
                  .section = section.name,
                  .key = entry.key,
                  .value = entry.value,
                  .line = entry.line,
                  .origin = entry.origin};
}

std::vector<std::string> unique_in_order(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const std::string& s : items)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

std::vector<std::string> parse_directories(const IniFile& ini, const IniValue& v) {
  std::vector<std::string> dirs;
  std::set<std::string> seen;
  std::size_t start = 0;
  const std::string& text = v.value;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item(trim_blanks(std::string_view(text).substr(start, comma - start)));
    start = comma + 1;
    if (item.empty()) v.fail("a directory in the list is empty: separate directories with single commas");
    const std::string dir = resolve(ini, item);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      v.fail(fmt::format("directory '{}' {}: fix the path (relative paths start at the config's directory '{}')", dir,
                         fs::exists(dir, ec) ? "is not a directory" : "does not exist", ini.directory()));
    const std::string key = fs::weakly_canonical(dir, ec).string();
    if (seen.insert(ec ? dir : key).second) dirs.push_back(dir);
  }
  return dirs;
}

void check_regex(const IniValue& v) {
  try {
    std::regex re(v.value, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    v.fail(fmt::format("not a valid regular expression ({}): give the text to remove from file names, e.g. _T1", e.what()));
  }
}

// Each file named in csv_file: rows "subject_id,path" (NiftyNet's per-section list).
std::vector<SectionFile> read_csv_file(const InputSection& section) {
  std::ifstream in(section.csv_file);
  if (!in) throw error("{} csv_file '{}' cannot be read: check its permissions", section.where, section.csv_file);
  std::vector<SectionFile> files;
  std::vector<int> lines;
  std::string line;
  const fs::path base = fs::path(section.csv_file).parent_path();
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string_view row = trim_blanks(line);
    if (row.empty()) continue;
    const auto comma = row.find(',');
    if (comma == std::string_view::npos || row.find(',', comma + 1) != std::string_view::npos)
      throw error("{}:{}: row '{}' is not 'subject_id,path' (for input section [{}]): give two comma-separated fields",
                  section.csv_file, number, row, section.name);
    const std::string id(trim_blanks(row.substr(0, comma)));
    const std::string path_text(trim_blanks(row.substr(comma + 1)));
    if (id.empty() || path_text.empty())
      throw error("{}:{}: row '{}' has an empty {} (for input section [{}])", section.csv_file, number, row,
                  id.empty() ? "subject id" : "path", section.name);
    const fs::path p(expand_home(path_text));
    const std::string path = (p.is_absolute() ? p : base / p).lexically_normal().string();
    if (image_extension_length(fs::path(path).filename().string()) == 0)
      throw error("{}:{}: '{}' is not a .nii or .nii.gz file (for input section [{}]): voxtrain reads NIfTI images only",
                  section.csv_file, number, path_text, section.name);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      throw error("{}:{}: file '{}' of subject '{}' does not exist (for input section [{}]): fix the path (relative "
                  "paths start at the csv file's directory)", section.csv_file, number, path, id, section.name);
    for (std::size_t f = 0; f < files.size(); ++f)
      if (files[f].id == id)
        throw error("{}: subject '{}' is listed twice (lines {} and {}) for input section [{}]: keep one row per subject",
                    section.csv_file, id, lines[f], number, section.name);
    files.push_back(SectionFile{.id = id, .path = path});
    lines.push_back(number);
  }
  if (files.empty())
    throw error("{} csv_file '{}' lists no files: add rows 'subject_id,path', or remove csv_file to search path_to_search",
                section.where, section.csv_file);
  return files;
}

std::vector<SectionFile> search_directories(const InputSection& section) {
  std::optional<std::regex> remove;
  if (!section.filename_removefromid.empty()) remove.emplace(section.filename_removefromid, std::regex::ECMAScript);
  std::vector<SectionFile> files;
  for (const std::string& dir : section.path_to_search) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      std::error_code file_ec;  // a dangling link is skipped, not an error of the listing
      if (image_extension_length(name) == 0 || !it->is_regular_file(file_ec)) continue;
      const auto has = [&](const std::string& word) { return name.find(word) != std::string::npos; };
      if (!std::all_of(section.filename_contains.begin(), section.filename_contains.end(), has)) continue;
      if (std::any_of(section.filename_not_contains.begin(), section.filename_not_contains.end(), has)) continue;
      files.push_back(SectionFile{
          .id = subject_id_from_filename(name, section.filename_contains, section.filename_removefromid),
          .path = (fs::path(dir) / name).string()});
      if (files.back().id.empty())
        throw error("{}: file '{}' gives an empty subject id: the name holds nothing but {}; rename it or set "
                    "filename_removefromid", section.where, files.back().path,
                    remove ? "the filename_removefromid match" : "the filename_contains keywords");
    }
    if (ec) throw error("{}: cannot list directory '{}': {}", section.where, dir, ec.message());
  }
  return files;
}

std::string describe_search(const InputSection& section) {
  if (!section.csv_file.empty()) return fmt::format("csv_file '{}'", section.csv_file);
  return fmt::format("no .nii or .nii.gz file in {} has a name containing ({}){}", join(section.path_to_search),
                     join(section.filename_contains),
                     section.filename_not_contains.empty()
                         ? std::string()
                         : fmt::format(" and not ({})", join(section.filename_not_contains)));
}

std::vector<std::string> grouping_list(const IniFile& ini, const IniSection& app, std::string_view key) {
  const IniEntry* e = app.find(key);
  return e ? as_string_list(value_of(ini, app, *e)) : std::vector<std::string>{};
}

std::string single_section(const IniFile& ini, const IniSection& app, std::string_view key) {
  const std::vector<std::string> names = grouping_list(ini, app, key);
  if (names.size() > 1)
    value_of(ini, app, *app.find(key))
        .fail(fmt::format("voxtrain reads one {} section, {} are named: keep one", key, names.size()));
  return names.empty() ? std::string() : names.front();
}

}  // namespace

std::string list_some(const std::vector<std::string>& items, std::size_t shown) {
  if (items.size() <= shown) return join(items);
  const std::vector<std::string> head(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(shown));
  return fmt::format("{} and {} more", join(head), items.size() - shown);
}

bool is_reserved_section_name(std::string_view name) { return is_reserved_section(name); }

InputSection parse_input_section(const IniFile& ini, const IniSection& section) {
  InputSection s;
  s.name = section.name;
  s.where = ini.where(section);
  std::optional<IniValue> paths, csv;
  for (const IniEntry& entry : section.entries) {
    const IniValue v = value_of(ini, section, entry);
    if (entry.key == "path_to_search") {
      if (!entry.value.empty()) paths = v;
    } else if (entry.key == "csv_file") {
      if (!entry.value.empty()) csv = v;
    } else if (entry.key == "filename_contains") {
      s.filename_contains = unique_in_order(as_string_list(v));
    } else if (entry.key == "filename_not_contains") {
      s.filename_not_contains = unique_in_order(as_string_list(v));
    } else if (entry.key == "filename_removefromid") {
      check_regex(v);
      s.filename_removefromid = entry.value;
    } else if (entry.key == "interp_order") {
      const std::int64_t order = as_int(v);
      if (order < 0 || order > 3) v.fail("interp_order must be 0 (nearest, for labels), 1 (linear), 2 or 3 (spline)");
      s.interp_order = static_cast<int>(order);
    } else if (entry.key == "pixdim") {
      s.pixdim = as_float_list(v);
    } else if (entry.key == "axcodes") {
      s.axcodes = as_string_list(v);
    } else if (entry.key == "spatial_window_size") {
      s.spatial_window_size = as_int_list(v);
    } else if (entry.key == "to_ohe") {
      s.to_ohe = as_bool(v);
    } else if (entry.key == "csv_data_file") {
      if (!entry.value.empty())
        v.fail("csv_data_file (patch coordinates or features from a csv) is not supported by voxtrain: remove the key");
    } else if (entry.key != "loader") {  // loader: voxtrain reads NIfTI itself; any value is accepted
      throw error("{}:{}: [{}] unknown key '{}'{} for an input section: use one of {}", ini.path(), entry.line,
                  section.name, entry.key, did_you_mean(entry.key, input_keys()), join(input_keys()));
    }
  }
  if (csv) {
    const std::string path = resolve(ini, csv->value);
    std::error_code ec;
    if (fs::is_regular_file(path, ec))
      s.csv_file = path;  // as in NiftyNet, an existing csv_file replaces the directory search
    else if (!paths)
      csv->fail(fmt::format("file '{}' does not exist and the section has no path_to_search: fix the path or add "
                            "path_to_search", path));
  }
  if (s.csv_file.empty()) {
    if (!paths)
      throw error("{} has neither path_to_search nor csv_file: say where its images are, e.g. path_to_search = ./data",
                  s.where);
    s.path_to_search = parse_directories(ini, *paths);
  }
  return s;
}

std::vector<InputSection> input_sections(const IniFile& ini) {
  for (const IniSection& section : ini.sections()) {
    std::string upper = section.name;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (upper != section.name && is_reserved_section_name(upper))
      throw error("{}: write the section name in capitals, [{}]; otherwise it is read as an input section", ini.where(section),
                  upper);
  }
  std::vector<InputSection> out;
  for (const IniSection& section : ini.sections())
    if (!is_reserved_section_name(section.name)) out.push_back(parse_input_section(ini, section));
  return out;
}

InputGrouping input_grouping(const IniFile& ini, const std::vector<InputSection>& sections) {
  std::vector<std::string> names;
  for (const InputSection& s : sections) names.push_back(s.name);
  InputGrouping g;
  const IniSection* app = ini.find_section("SEGMENTATION");
  const bool grouped = app && (app->find("image") || app->find("label") || app->find("weight") || app->find("sampler"));
  if (!grouped) {
    g.image = names;
    if (g.image.empty())
      throw error("{} has no input sections: add one such as [T1] with path_to_search and filename_contains", ini.path());
    return g;
  }
  g.image = grouping_list(ini, *app, "image");
  g.label = single_section(ini, *app, "label");
  g.weight = single_section(ini, *app, "weight");
  g.sampler = single_section(ini, *app, "sampler");
  if (g.image.empty())
    throw error("{}: image is missing or empty: name the input sections that are the image channels, e.g. image = T1, T2",
                ini.where(*app));
  // One section may serve several roles (an image channel that is also the weight map), as in
  // NiftyNet; within one role each section is named once.
  for (const char* key : {"image", "label", "weight", "sampler"}) {
    if (!app->find(key)) continue;
    const IniValue v = value_of(ini, *app, *app->find(key));
    std::vector<std::string> used;
    for (const std::string& name : as_string_list(v)) {
      if (std::find(names.begin(), names.end(), name) == names.end())
        v.fail(fmt::format("there is no input section [{}]{}: input sections are {}", name, did_you_mean(name, names),
                           names.empty() ? std::string("(none)") : join(names)));
      if (std::find(used.begin(), used.end(), name) != used.end())
        v.fail(fmt::format("section [{}] is named twice: name each section once in {}", name, key));
      used.push_back(name);
    }
  }
  return g;
}

std::string subject_id_from_filename(std::string_view filename, const std::vector<std::string>& filename_contains,
                                     std::string_view filename_removefromid) {
  const std::string name(filename.substr(0, filename.size() - image_extension_length(filename)));
  if (!filename_removefromid.empty()) {
    const std::regex re(std::string(filename_removefromid), std::regex::ECMAScript);
    return std::string(strip_separators(std::regex_replace(name, re, "")));
  }
  // Split at every keyword (the first listed wins where several start at one place, as in a regex
  // alternation); the pieces, stripped of separators, joined with '_'.
  std::vector<std::string> pieces(1);
  for (std::size_t i = 0; i < name.size();) {
    const auto word = std::find_if(filename_contains.begin(), filename_contains.end(), [&](const std::string& w) {
      return !w.empty() && name.compare(i, w.size(), w) == 0;
    });
    if (word == filename_contains.end()) {
      pieces.back() += name[i++];
    } else {
      pieces.emplace_back();
      i += word->size();
    }
  }
  std::string id;
  for (const std::string& piece : pieces) {
    const std::string_view p = strip_separators(piece);
    if (p.empty()) continue;
    if (!id.empty()) id += '_';
    id += p;
  }
  return id;
}

std::vector<SectionFile> discover_section_files(const InputSection& section) {
  std::vector<SectionFile> files = section.csv_file.empty() ? search_directories(section) : read_csv_file(section);
  if (files.empty())
    throw error("{}: found no files: {}; check path_to_search and filename_contains", section.where,
                describe_search(section));
  std::sort(files.begin(), files.end(),
            [](const SectionFile& a, const SectionFile& b) { return std::tie(a.id, a.path) < std::tie(b.id, b.path); });
  for (std::size_t f = 1; f < files.size(); ++f)
    if (files[f].id == files[f - 1].id)
      throw error("{}: files '{}' and '{}' both give subject id '{}': make the ids unique with filename_removefromid, "
                  "or exclude one with filename_not_contains", section.where, files[f - 1].path, files[f].path, files[f].id);
  return files;
}

std::vector<SubjectFiles> match_subjects(const InputGrouping& grouping,
                                         const std::map<std::string, std::vector<SectionFile>>& files_by_section) {
  std::vector<std::string> order = grouping.image;
  for (const std::string* s : {&grouping.label, &grouping.weight, &grouping.sampler})
    if (!s->empty()) order.push_back(*s);
  std::vector<std::map<std::string, std::string>> path_of;  // per section in `order`: id -> path
  std::set<std::string> ids;
  for (const std::string& name : order) {
    const auto it = files_by_section.find(name);
    if (it == files_by_section.end()) throw InternalError(fmt::format("match_subjects: no files for section [{}]", name));
    auto& paths = path_of.emplace_back();
    for (const SectionFile& f : it->second) {
      paths.emplace(f.id, f.path);
      ids.insert(f.id);
    }
  }
  std::vector<std::string> problems;
  for (std::size_t s = 0; s < order.size(); ++s) {
    std::vector<std::string> missing;
    for (const std::string& id : ids)
      if (!path_of[s].count(id)) missing.push_back(id);
    if (!missing.empty())
      problems.push_back(fmt::format("[{}] has no file for {} subject{} ({})", order[s], missing.size(),
                                     missing.size() == 1 ? "" : "s", list_some(missing)));
  }
  if (!problems.empty())
    throw error("input sections do not match by subject id: {}; every subject needs one file in each of {}: add the "
                "missing files, or leave those subjects out with filename_not_contains (ids are printed as derived from "
                "the file names)", join(problems, "; "), join(order));
  std::vector<SubjectFiles> subjects;
  for (const std::string& id : ids) {
    SubjectFiles sf{.id = id, .image = {}, .label = {}, .weight = {}, .sampling_map = {}};
    std::size_t s = 0;
    for (; s < grouping.image.size(); ++s) sf.image.push_back(path_of[s].at(id));
    const std::array<std::pair<const std::string*, std::string*>, 3> optional_inputs{
        {{&grouping.label, &sf.label}, {&grouping.weight, &sf.weight}, {&grouping.sampler, &sf.sampling_map}}};
    for (const auto& [section, field] : optional_inputs)
      if (!section->empty()) *field = path_of[s++].at(id);
    subjects.push_back(std::move(sf));
  }
  return subjects;
}

std::vector<SubjectFiles> discover_subjects(const std::vector<InputSection>& sections, const InputGrouping& grouping) {
  std::map<std::string, std::vector<SectionFile>> files;
  std::vector<std::string> used = grouping.image;
  for (const std::string* s : {&grouping.label, &grouping.weight, &grouping.sampler})
    if (!s->empty()) used.push_back(*s);
  for (const InputSection& section : sections)
    if (std::find(used.begin(), used.end(), section.name) != used.end())
      files.emplace(section.name, discover_section_files(section));
  return match_subjects(grouping, files);
}

std::vector<SubjectFiles> discover_subjects(const IniFile& ini) {
  const std::vector<InputSection> sections = input_sections(ini);
  return discover_subjects(sections, input_grouping(ini, sections));
}

}  // namespace voxtrain
