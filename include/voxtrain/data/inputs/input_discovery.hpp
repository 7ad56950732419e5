// input_discovery.hpp — NiftyNet input sections: which image files each section finds (directory
// search or csv list), the subject id of each file, and the subjects matched across sections by id.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/data/inputs/subject_files.hpp"
#include "voxtrain/io/config/ini_file.hpp"

namespace voxtrain {

// One input-source section ([T1], [label], ...) of a config, its keys parsed.
struct InputSection {
  std::string name;
  std::string where;  // "config.ini:3: [T1]" for messages
  std::vector<std::string> path_to_search;  // directories, resolved against the config's directory
  std::vector<std::string> filename_contains;
  std::vector<std::string> filename_not_contains;
  std::string filename_removefromid;  // ECMAScript regex; empty: remove filename_contains instead
  std::string csv_file;  // resolved; set only when the file exists (it then replaces the search)
  // Carried for the reader; NiftyNet's defaults, not padded or checked against the images here.
  int interp_order = 1;                            // 0, 1, 2 or 3
  std::vector<double> pixdim;                      // () = keep the image's spacing
  std::vector<std::string> axcodes;                // () = keep the image's orientation
  std::vector<std::int64_t> spatial_window_size;   // () = unset
  bool to_ohe = false;                             // accepted for compatibility, unused
};

// Which sections feed which input: image channels in order, and at most one section each for
// label, weight and sampler (NiftyNet's [SEGMENTATION] image/label/weight/sampler keys).
struct InputGrouping {
  std::vector<std::string> image;
  std::string label;    // empty when absent
  std::string weight;   // empty when absent
  std::string sampler;  // empty when absent
};

// A file found for a section and the subject id derived from its name (or read from csv_file).
struct SectionFile {
  std::string id;
  std::string path;
};

// True for SYSTEM, NETWORK, TRAINING, INFERENCE, EVALUATION and the application sections
// (SEGMENTATION, REGRESSION, CLASSIFICATION, AUTOENCODER, GAN, REGISTRATION).
bool is_reserved_section_name(std::string_view name);

// Parses an input section; relative paths start at the config's directory. Unknown keys, bad
// values and missing directories throw Error naming file:line, section and key.
InputSection parse_input_section(const IniFile& ini, const IniSection& section);
// Every section that is not reserved, in file order.
std::vector<InputSection> input_sections(const IniFile& ini);

// The grouping from [SEGMENTATION] image/label/weight/sampler when that section names any of
// them, otherwise every input section as an image channel in file order. Checks the names: each
// must be an input section, named once per role; one section may have several roles (image = T1
// and weight = T1: the weight map is the T1 file), as in NiftyNet.
InputGrouping input_grouping(const IniFile& ini, const std::vector<InputSection>& sections);

// The subject id NiftyNet-style: the file name without .nii/.nii.gz; then the removefromid regex
// removed when given, otherwise every filename_contains keyword removed; then leading and
// trailing separators (_ - . space) stripped. "sub-001_T1.nii.gz" with contains T1 -> "sub-001".
std::string subject_id_from_filename(std::string_view filename, const std::vector<std::string>& filename_contains,
                                     std::string_view filename_removefromid);

// The files of one section, sorted by id: from csv_file when set, otherwise every .nii/.nii.gz
// file directly inside the directories whose name holds all filename_contains and none of
// filename_not_contains. No files, an empty id or two files with one id throw Error.
std::vector<SectionFile> discover_section_files(const InputSection& section);

// Joins the sections' files by subject id into SubjectFiles sorted by id. A subject missing from
// any grouped section throws ONE Error listing, per section, the ids it lacks.
std::vector<SubjectFiles> match_subjects(const InputGrouping& grouping,
                                         const std::map<std::string, std::vector<SectionFile>>& files_by_section);

// All of it: the grouped sections of the config, searched and matched.
std::vector<SubjectFiles> discover_subjects(const IniFile& ini);
// The same for sections built without a config (voxdata split --images ...).
std::vector<SubjectFiles> discover_subjects(const std::vector<InputSection>& sections, const InputGrouping& grouping);

// "a, b, c" for at most `shown` items, then " and N more".
std::string list_some(const std::vector<std::string>& items, std::size_t shown = 10);

}  // namespace voxtrain
