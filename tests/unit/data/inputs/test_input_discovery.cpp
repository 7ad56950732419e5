// test_input_discovery.cpp — input sections on temporary trees of empty, named files: ids worked
// out by hand, contains / not_contains / removefromid / csv_file / several directories, and errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/io/config/ini_file.hpp"

#include "support/test_files.hpp"

using voxtrain::IniFile;
using voxtrain::SectionFile;
using voxtrain::SubjectFiles;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

// An empty file at `relative` in the tree (its folders made first); returns its path.
std::string touch(const ScratchDir& t, const std::string& relative) { return t.write(relative, ""); }

// A path in the tree as discovery reports it: lexically normal.
std::string normal_path(const ScratchDir& t, const std::string& relative) {
  return (t.path() / relative).lexically_normal().string();
}

std::vector<std::string> ids_of(const std::vector<SectionFile>& files) {
  std::vector<std::string> ids;
  for (const auto& f : files) ids.push_back(f.id);
  return ids;
}

}  // namespace

TEST_CASE("discovery: subject ids from file names, worked out by hand", "[data]") {
  using voxtrain::subject_id_from_filename;
  using V = std::vector<std::string>;
  CHECK(subject_id_from_filename("sub-001_T1.nii.gz", V{"T1"}, "") == "sub-001");
  CHECK(subject_id_from_filename("sub-001_Label.nii", V{"Label"}, "") == "sub-001");
  CHECK(subject_id_from_filename("T1_sub-002.nii.gz", V{"T1"}, "") == "sub-002");
  CHECK(subject_id_from_filename("foo_subject42_bar.nii.gz", V{"foo", "bar"}, "") == "subject42");
  CHECK(subject_id_from_filename("sub-001_T1_brain.nii.gz", V{"T1"}, "") == "sub-001_brain");
  CHECK(subject_id_from_filename("sub-1_T1.NII.GZ", V{"T1"}, "") == "sub-1");
  CHECK(subject_id_from_filename("case7.nii.gz", V{}, "") == "case7");
  // Where two keywords start at one place the first listed wins, as in NiftyNet's regex split.
  CHECK(subject_id_from_filename("sub-1_T1w.nii.gz", V{"T1", "T1w"}, "") == "sub-1_w");
  CHECK(subject_id_from_filename("sub-1_T1w.nii.gz", V{"T1w", "T1"}, "") == "sub-1");
  // filename_removefromid replaces the keyword rule: only the regex match goes.
  CHECK(subject_id_from_filename("sub-001_T1.nii.gz", V{"T1"}, "_T1$") == "sub-001");
  CHECK(subject_id_from_filename("sub-001_T1w.nii.gz", V{"T1"}, "_T1") == "sub-001w");
  CHECK(subject_id_from_filename("IXI012-HH-1211-T1.nii.gz", V{"T1"}, "-HH-[0-9]+-T1") == "IXI012");
  CHECK(subject_id_from_filename("T1.nii.gz", V{"T1"}, "").empty());
}

TEST_CASE("discovery: a section searches its directories with contains and not_contains", "[data]") {
  const ScratchDir t("discovery_search");
  const std::string a1 = touch(t, "a/sub-001_T1.nii.gz");
  const std::string a2 = touch(t, "a/sub-002_T1.nii.gz");
  touch(t, "a/sub-002_T1_mask.nii.gz");  // excluded by filename_not_contains
  touch(t, "a/sub-001_T2.nii.gz");       // lacks T1
  touch(t, "a/notes_T1.txt");            // not an image
  touch(t, "a/sub-009_T1.nii.gz/inner");  // a directory, not a file
  const std::string b3 = touch(t, "b/sub-003_T1.nii");
  t.write("config.ini",
          "[T1]\n"
          "path_to_search = ./a, b, a/\n"  // relative to the config; the repeat of a is searched once
          "filename_contains = T1\n"
          "filename_not_contains = (mask, seg)\n"
          "interp_order = 3\n"
          "pixdim = (1.0, 1.0, 2.5)\n"
          "axcodes = (A, R, S)\n"
          "spatial_window_size = (20, 42, 42)\n"
          "loader = nibabel\n");
  const IniFile ini = IniFile::read(normal_path(t, "config.ini"));
  const auto sections = voxtrain::input_sections(ini);
  REQUIRE(sections.size() == 1);
  const auto& s = sections[0];
  CHECK(s.name == "T1");
  CHECK(s.path_to_search == std::vector<std::string>{normal_path(t, "a"), normal_path(t, "b")});
  CHECK(s.filename_not_contains == std::vector<std::string>{"mask", "seg"});
  CHECK(s.interp_order == 3);
  CHECK(s.pixdim == std::vector<double>{1.0, 1.0, 2.5});
  CHECK(s.axcodes == std::vector<std::string>{"A", "R", "S"});
  CHECK(s.spatial_window_size == std::vector<std::int64_t>{20, 42, 42});
  const auto files = voxtrain::discover_section_files(s);
  REQUIRE(files.size() == 3);
  CHECK(ids_of(files) == std::vector<std::string>{"sub-001", "sub-002", "sub-003"});
  CHECK(files[0].path == a1);
  CHECK(files[1].path == a2);
  CHECK(files[2].path == b3);
}

TEST_CASE("discovery: subjects matched across sections by the [SEGMENTATION] grouping", "[data]") {
  const ScratchDir t("discovery_match");
  for (const char* id : {"sub-002", "sub-001"})
    for (const char* kind : {"T1", "T2", "Label", "Weight"}) touch(t, std::string("data/") + id + "_" + kind + ".nii.gz");
  t.write("config.ini",
          "[T2]\npath_to_search = data\nfilename_contains = T2\n"
          "[T1]\npath_to_search = data\nfilename_contains = T1\n"
          "[lab]\npath_to_search = data\nfilename_contains = Label\ninterp_order = 0\n"
          "[w]\npath_to_search = data\nfilename_contains = Weight\n"
          "[SYSTEM]\nmodel_dir = m\n"
          "[SEGMENTATION]\nimage = T1, T2\nlabel = lab\nweight = w\nnum_classes = 4\n");
  const IniFile ini = IniFile::read(normal_path(t, "config.ini"));
  const std::vector<SubjectFiles> subjects = voxtrain::discover_subjects(ini);
  REQUIRE(subjects.size() == 2);
  for (int s = 0; s < 2; ++s) {
    const std::string id = s == 0 ? "sub-001" : "sub-002";
    CHECK(subjects[s].id == id);
    CHECK(subjects[s].image == std::vector<std::string>{normal_path(t, "data/" + id + "_T1.nii.gz"),
                                                        normal_path(t, "data/" + id + "_T2.nii.gz")});
    CHECK(subjects[s].label == normal_path(t, "data/" + id + "_Label.nii.gz"));
    CHECK(subjects[s].weight == normal_path(t, "data/" + id + "_Weight.nii.gz"));
    CHECK(subjects[s].sampling_map.empty());
  }

  SECTION("without [SEGMENTATION] every input section is an image channel, in file order") {
    const IniFile plain = IniFile::parse(
        "[T2]\npath_to_search = data\nfilename_contains = T2\n[T1]\npath_to_search = data\nfilename_contains = T1\n",
        normal_path(t, "config.ini"));
    const auto g = voxtrain::input_grouping(plain, voxtrain::input_sections(plain));
    CHECK(g.image == std::vector<std::string>{"T2", "T1"});
    CHECK(g.label.empty());
    const auto all = voxtrain::discover_subjects(plain);
    REQUIRE(all.size() == 2);
    CHECK(all[1].image == std::vector<std::string>{normal_path(t, "data/sub-002_T2.nii.gz"), normal_path(t, "data/sub-002_T1.nii.gz")});
  }

  SECTION("one section in two roles: the T2 files are an image channel and the weight maps") {
    const IniFile both = IniFile::parse(
        "[T2]\npath_to_search = data\nfilename_contains = T2\n[T1]\npath_to_search = data\nfilename_contains = T1\n"
        "[SEGMENTATION]\nimage = T1, T2\nweight = T2\nsampler = T1\n",
        normal_path(t, "config.ini"));
    const auto all = voxtrain::discover_subjects(both);
    REQUIRE(all.size() == 2);
    CHECK(all[0].image == std::vector<std::string>{normal_path(t, "data/sub-001_T1.nii.gz"),
                                                   normal_path(t, "data/sub-001_T2.nii.gz")});
    CHECK(all[0].weight == normal_path(t, "data/sub-001_T2.nii.gz"));
    CHECK(all[0].sampling_map == normal_path(t, "data/sub-001_T1.nii.gz"));
  }
}

TEST_CASE("discovery: csv_file lists subject_id,path rows and replaces the search", "[data]") {
  const ScratchDir t("discovery_csv");
  const std::string f1 = touch(t, "img/one.nii.gz");
  const std::string f2 = touch(t, "img/two.nii");
  t.write("lists/t1.csv", "s2, ../img/two.nii\n\n" + f1 + "-not\n");
  t.write("lists/good.csv", "s2, ../img/two.nii\r\ns1," + f1 + "\n");
  const auto section = [&](const std::string& keys) {
    const IniFile ini = IniFile::parse("[T1]\n" + keys, normal_path(t, "config.ini"));
    return voxtrain::parse_input_section(ini, ini.sections()[0]);
  };
  // An existing csv_file wins over path_to_search (which is then not even checked).
  const auto s = section("csv_file = lists/good.csv\npath_to_search = ./missing\n");
  CHECK(s.csv_file == normal_path(t, "lists/good.csv"));
  const auto files = voxtrain::discover_section_files(s);
  REQUIRE(files.size() == 2);
  CHECK(files[0].id == "s1");
  CHECK(files[0].path == f1);
  CHECK(files[1].id == "s2");
  CHECK(files[1].path == f2);  // relative to the csv file's directory

  // A csv_file that does not exist falls back to path_to_search, as in NiftyNet.
  const auto fallback = section("csv_file = lists/none.csv\npath_to_search = img\n");
  CHECK(fallback.csv_file.empty());
  CHECK(ids_of(voxtrain::discover_section_files(fallback)) == std::vector<std::string>{"one", "two"});

  CHECK_THAT(error_or_none([&] { section("csv_file = lists/none.csv\n"); }),
             Contains(normal_path(t, "config.ini") + ":2: [T1] csv_file = lists/none.csv: file '" + normal_path(t, "lists/none.csv") +
                      "' does not exist and the section has no path_to_search"));
  CHECK_THAT(error_or_none([&] { voxtrain::discover_section_files(section("csv_file = lists/t1.csv\n")); }),
             Equals(normal_path(t, "lists/t1.csv") + ":3: row '" + f1 +
                    "-not' is not 'subject_id,path' (for input section [T1]): give two comma-separated fields"));
  t.write("lists/missing.csv", "s1,../img/three.nii.gz\n");
  CHECK_THAT(error_or_none([&] { voxtrain::discover_section_files(section("csv_file = lists/missing.csv\n")); }),
             Contains(normal_path(t, "lists/missing.csv") + ":1: file '" + normal_path(t, "img/three.nii.gz") +
                      "' of subject 's1' does not exist"));
  t.write("lists/twice.csv", "s1,../img/one.nii.gz\ns1,../img/two.nii\n");
  CHECK_THAT(error_or_none([&] { voxtrain::discover_section_files(section("csv_file = lists/twice.csv\n")); }),
             Contains("subject 's1' is listed twice (lines 1 and 2)"));
  t.write("lists/png.csv", "s1,../img/one.png\n");
  CHECK_THAT(error_or_none([&] { voxtrain::discover_section_files(section("csv_file = lists/png.csv\n")); }),
             Contains("'../img/one.png' is not a .nii or .nii.gz file"));
  t.write("lists/empty.csv", "\n");
  CHECK_THAT(error_or_none([&] { voxtrain::discover_section_files(section("csv_file = lists/empty.csv\n")); }),
             Contains("lists no files"));
}

TEST_CASE("discovery: duplicate ids, empty ids and empty sections name the files and the search", "[data]") {
  const ScratchDir t("discovery_errors");
  const std::string a = touch(t, "d/sub-001_T1.nii.gz");
  const std::string b = touch(t, "d/sub-001_T1.nii");
  touch(t, "e/T1.nii.gz");
  const auto files_of = [&](const std::string& keys) {
    const IniFile ini = IniFile::parse("\n[T1]\n" + keys, normal_path(t, "config.ini"));
    return voxtrain::discover_section_files(voxtrain::parse_input_section(ini, ini.sections()[0]));
  };
  const std::string where = normal_path(t, "config.ini") + ":2: [T1]";
  CHECK_THAT(error_or_none([&] { files_of("path_to_search = d\nfilename_contains = T1\n"); }),
             Equals(where + ": files '" + b + "' and '" + a +
                    "' both give subject id 'sub-001': make the ids unique with filename_removefromid, or exclude one "
                    "with filename_not_contains"));
  CHECK_THAT(error_or_none([&] { files_of("path_to_search = e\nfilename_contains = T1\n"); }),
             Contains(where + ": file '" + normal_path(t, "e/T1.nii.gz") + "' gives an empty subject id"));
  CHECK_THAT(error_or_none([&] { files_of("path_to_search = d, e\nfilename_contains = Label\nfilename_not_contains = x\n"); }),
             Equals(where + ": found no files: no .nii or .nii.gz file in " + normal_path(t, "d") + ", " + normal_path(t, "e") +
                    " has a name containing (Label) and not (x); check path_to_search and filename_contains"));
  // Bad keys and values name the line.
  CHECK_THAT(error_or_none([&] { files_of("path_to_search = nowhere\n"); }),
             Contains(normal_path(t, "config.ini") + ":3: [T1] path_to_search = nowhere: directory '" + normal_path(t, "nowhere") +
                      "' does not exist"));
  CHECK_THAT(error_or_none([&] { files_of("path_to_search = d,,e\n"); }), Contains(":3: [T1] path_to_search = d,,e: a directory"));
  CHECK_THAT(error_or_none([&] { files_of("path_to_search = d\nfilename_contain = T1\n"); }),
             Contains(":4: [T1] unknown key 'filename_contain' (did you mean 'filename_contains'?) for an input section"));
  CHECK_THAT(error_or_none([&] { files_of("path_to_search = d\ninterp_order = 5\n"); }),
             Contains(":4: [T1] interp_order = 5: interp_order must be 0"));
  CHECK_THAT(error_or_none([&] { files_of("path_to_search = d\nfilename_removefromid = ([a\n"); }),
             Contains(":4: [T1] filename_removefromid = ([a: not a valid regular expression"));
  CHECK_THAT(error_or_none([&] { files_of("filename_contains = T1\n"); }),
             Equals(where + " has neither path_to_search nor csv_file: say where its images are, e.g. path_to_search = ./data"));
  CHECK_THAT(error_or_none([&] { files_of("path_to_search = d\ncsv_data_file = x.csv\n"); }),
             Contains("csv_data_file (patch coordinates or features from a csv) is not supported"));
}

TEST_CASE("discovery: grouping names are checked", "[data]") {
  const ScratchDir t("discovery_grouping");
  touch(t, "d/s1_T1.nii.gz");
  const std::string sections = "[T1]\npath_to_search = d\nfilename_contains = T1\n"
                               "[T2]\npath_to_search = d\nfilename_contains = T1\n";
  const auto grouping_error = [&](const std::string& segmentation) {
    return error_or_none([&] {
      const IniFile ini = IniFile::parse(sections + "[SEGMENTATION]\n" + segmentation, normal_path(t, "c.ini"));
      voxtrain::input_grouping(ini, voxtrain::input_sections(ini));
    });
  };
  CHECK_THAT(grouping_error("image = T1, T3\n"),
             Equals(normal_path(t, "c.ini") + ":8: [SEGMENTATION] image = T1, T3: there is no input section [T3] (did you mean "
                    "'T1'?): input sections are T1, T2"));
  CHECK_THAT(grouping_error("image = T1\nlabel = T1, T2\n"), Contains(":9: [SEGMENTATION] label = T1, T2: voxtrain reads one label section"));
  CHECK_THAT(grouping_error("image = T1, T2, T1\n"),
             Equals(normal_path(t, "c.ini") + ":8: [SEGMENTATION] image = T1, T2, T1: section [T1] is named twice: name "
                    "each section once in image"));
  // One section in two roles is NiftyNet's and voxtrain's: the weight map is the T1 file.
  CHECK(grouping_error("image = T1\nweight = T1\nsampler = T1\n") == "(no error)");
  CHECK_THAT(grouping_error("label = T2\n"), Contains("image is missing or empty"));
  CHECK_THAT(error_or_none([&] { voxtrain::input_sections(IniFile::parse(sections + "[training]\nlr = 1\n", "c.ini")); }),
             Equals("c.ini:7: [training]: write the section name in capitals, [TRAINING]; otherwise it is read as an input section"));
  CHECK_THAT(error_or_none([&] { voxtrain::discover_subjects(IniFile::parse("[SYSTEM]\n", "c.ini")); }),
             Contains("c.ini has no input sections"));
}

TEST_CASE("discovery: unmatched subjects are listed per section in one line, in id order", "[data]") {
  std::map<std::string, std::vector<SectionFile>> files;
  for (int s = 15; s >= 1; --s) {  // reverse order: the result must not depend on it
    const std::string id = fmt::format("s{:02d}", s);
    files["T1"].push_back({id, "t1/" + id});
    if (s != 3 && s != 7) files["T2"].push_back({id, "t2/" + id});
    if (s > 12) files["Label"].push_back({id, "lab/" + id});
  }
  files["Label"].push_back({"x99", "lab/x99"});
  const voxtrain::InputGrouping g{.image = {"T1", "T2"}, .label = "Label", .weight = {}, .sampler = {}};
  CHECK_THAT(error_or_none([&] { voxtrain::match_subjects(g, files); }),
             Equals("input sections do not match by subject id: [T1] has no file for 1 subject (x99); [T2] has no file "
                    "for 3 subjects (s03, s07, x99); [Label] has no file for 12 subjects (s01, s02, s03, s04, s05, s06, "
                    "s07, s08, s09, s10 and 2 more); every subject needs one file in each of T1, T2, Label: add the "
                    "missing files, or leave those subjects out with filename_not_contains (ids are printed as derived "
                    "from the file names)"));

  // Matched: sorted by id whatever the order of the lists.
  std::map<std::string, std::vector<SectionFile>> ok{{"T1", {{"b", "t1/b"}, {"a", "t1/a"}}},
                                                     {"L", {{"a", "l/a"}, {"b", "l/b"}}}};
  const auto subjects = voxtrain::match_subjects({.image = {"T1"}, .label = "L", .weight = {}, .sampler = {}}, ok);
  REQUIRE(subjects.size() == 2);
  CHECK(subjects[0].id == "a");
  CHECK(subjects[0].image == std::vector<std::string>{"t1/a"});
  CHECK(subjects[0].label == "l/a");
  CHECK(subjects[1].label == "l/b");
  CHECK(voxtrain::list_some({"a", "b", "c"}, 2) == "a, b and 1 more");
}
