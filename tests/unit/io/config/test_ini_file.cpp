// test_ini_file.cpp — the INI reader against values Python's configparser gave for the same text,
// line numbers in every error, and NiftyNet's list, number and boolean value rules.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/io/config/ini_file.hpp"

#include "support/test_files.hpp"

using voxtrain::IniFile;
using voxtrain::IniValue;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

std::string parse_error(const std::string& text) {
  return error_or_none([&] { IniFile::parse(text, "cfg/config.ini"); });
}

IniValue value(const std::string& text) {
  return IniValue{.file = "config.ini", .section = "T1", .key = "k", .value = text, .line = 7, .origin = {}};
}

}  // namespace

// Expected values: python3 -c 'import configparser; c = configparser.ConfigParser();
// c.read_string(TEXT); print(c.items(...))' on this TEXT (section names then standardised by
// NiftyNet's re.sub(r"[^0-9a-zA-Z_\- ]+", "", name.strip())).
TEST_CASE("ini: sections, keys and values as configparser reads them", "[io]") {
  const std::string text =
      "# leading comment\n"                            // 1
      "; another\n"                                    // 2
      "[ T1 image! ]\n"                                // 3
      "Path_To_Search = ./data , ./more\n"             // 4
      "filename_contains: T1\n"                        // 5
      "  # indented comment\n"                         // 6
      "spatial_window_size = (32,\n"                   // 7
      "    32,\n"                                      // 8
      "\n"                                             // 9
      "    32)\n"                                      // 10
      "empty =\n"                                      // 11
      "pct = 50%% of %(filename_contains)s\n"          // 12
      "[SYSTEM]\r\n"                                   // 13
      "model_dir=./models\n"                           // 14
      "  cuda_devices = \"\"\n";                       // 15
  const IniFile ini = IniFile::parse(text, "cfg/config.ini");
  REQUIRE(ini.sections().size() == 2);
  const auto& t1 = ini.sections()[0];
  CHECK(t1.name == "T1 image");
  CHECK(t1.line == 3);
  REQUIRE(t1.entries.size() == 5);
  CHECK(t1.entries[0].key == "path_to_search");
  CHECK(t1.entries[0].value == "./data , ./more");
  CHECK(t1.entries[0].line == 4);
  CHECK(t1.entries[1].key == "filename_contains");
  CHECK(t1.entries[1].value == "T1");
  CHECK(t1.entries[2].value == "(32,\n32,\n\n32)");
  CHECK(t1.entries[2].line == 7);
  CHECK(t1.entries[3].value.empty());
  CHECK(t1.entries[3].line == 11);
  CHECK(t1.entries[4].value == "50% of T1");
  const auto& sys = ini.sections()[1];
  CHECK(sys.name == "SYSTEM");
  REQUIRE(sys.entries.size() == 1);  // the indented line continues model_dir
  CHECK(sys.entries[0].value == "./models\ncuda_devices = \"\"");

  // Keys are case-insensitive, section names are not (configparser's optionxform only).
  CHECK(t1.find("PATH_to_search") == &t1.entries[0]);
  CHECK(ini.find_section("system") == nullptr);
  const auto v = ini.value("T1 image", "Filename_Contains");
  REQUIRE(v);
  CHECK(v->where() == "cfg/config.ini:5: [T1 image] filename_contains = T1");
  CHECK(ini.directory() == "cfg");
  CHECK(IniFile::parse("", "config.ini").directory() == ".");
  CHECK(ini.where(sys) == "cfg/config.ini:13: [SYSTEM]");
  CHECK(voxtrain::as_int_list(*ini.value("T1 image", "spatial_window_size")) == std::vector<std::int64_t>{32, 32, 32});
}

TEST_CASE("ini: structural errors name the file and line, duplicates name both lines", "[io]") {
  CHECK_THAT(parse_error("a = 1\n[S]\n"),
             Equals("cfg/config.ini:1: 'a = 1' comes before any section header: start the file with a header such as "
                    "[SYSTEM]"));
  CHECK_THAT(parse_error("[S]\na = 1\n\n[S]\n"),
             Equals("cfg/config.ini:4: section [S] appears twice (lines 1 and 4): merge them into one"));
  // Names that standardise alike are one section for NiftyNet too.
  CHECK_THAT(parse_error("[T1]\n[T1!]\n"), Contains("cfg/config.ini:2: section [T1] appears twice (lines 1 and 2)"));
  CHECK_THAT(parse_error("[S]\nkey = 1\n# x\nKEY: 2\n"),
             Equals("cfg/config.ini:4: [S] key 'key' appears twice (lines 2 and 4): keep one"));
  CHECK_THAT(parse_error("[S]\njust words\n"), Contains("cfg/config.ini:2: [S] line 'just words' is not 'key = value'"));
  CHECK_THAT(parse_error("[S]\n = 3\n"), Contains("cfg/config.ini:2: [S] line '= 3' has no key before '='"));
  CHECK_THAT(parse_error("[S]\n[T\n"), Contains("cfg/config.ini:2: section header '[T' has no closing ']'"));
  CHECK_THAT(parse_error("[S] trailing\n"), Contains("cfg/config.ini:1: unexpected text 'trailing'"));
  CHECK_THAT(parse_error("[!!]\n"), Contains("cfg/config.ini:1: section header '[!!]' has no name"));
  CHECK_THAT(parse_error("[DEFAULT]\na = 1\n"), Contains("cfg/config.ini:1: [DEFAULT] is not supported"));
  CHECK_THAT(parse_error("[S]\na = 5%\n"),
             Equals("cfg/config.ini:2: [S] a = 5%: '%' must be followed by '%' or '(key)s' (configparser "
                    "interpolation): write '%%' for a literal '%'"));
  CHECK_THAT(parse_error("[S]\na = %(nope)s\n"), Contains("cfg/config.ini:2: [S] a = %(nope)s: %(nope)s names no key of [S]"));
  CHECK_THAT(parse_error("[S]\na = %(b)s\nb = %(a)s\n"), Contains("cfg/config.ini:2: [S] a = %(b)s: %(...)s references nest"));
  // A header followed by a comment is still a header.
  CHECK(IniFile::parse("[S] # note\na=1\n", "c.ini").sections().at(0).name == "S");
}

TEST_CASE("ini: read() opens files and says when it cannot", "[io]") {
  const ScratchDir dir("ini");
  const std::string path = dir.write("config.ini", "[SYSTEM]\nmodel_dir = m\n");
  const IniFile ini = IniFile::read(path);
  CHECK(ini.path() == path);
  CHECK(ini.directory() == dir.path().string());
  CHECK(ini.value("SYSTEM", "model_dir")->value == "m");
  CHECK_THAT(error_or_none([&] { IniFile::read(dir.file("nope.ini")); }),
             Contains("cannot read config file '" + dir.file("nope.ini") + "': No such file"));
  CHECK_THAT(error_or_none([&] { IniFile::read(dir.path().string()); }), Contains("it is a directory"));
}

TEST_CASE("ini: set() replaces or adds a value and remembers who set it", "[io]") {
  IniFile ini = IniFile::parse("[TRAINING]\nlr = 0.1\nmax_iter = 3\n", "c.ini");
  ini.set("TRAINING", "LR", "0.5", "command line --lr");
  REQUIRE(ini.sections().size() == 1);
  REQUIRE(ini.sections()[0].entries.size() == 2);  // replaced in place
  const auto lr = ini.value("TRAINING", "lr");
  REQUIRE(lr);
  CHECK(lr->value == "0.5");
  CHECK(lr->line == 0);
  CHECK(lr->where() == "command line --lr: [TRAINING] lr = 0.5");
  CHECK(ini.value("TRAINING", "max_iter")->where() == "c.ini:3: [TRAINING] max_iter = 3");
  ini.set("NETWORK", "name", "50% unet", "command line --name");  // taken as it is: no interpolation
  REQUIRE(ini.sections().size() == 2);
  CHECK(ini.where(ini.sections()[1]) == "c.ini: [NETWORK]");
  CHECK(ini.value("NETWORK", "name")->value == "50% unet");
}

TEST_CASE("ini: string lists in NiftyNet's three spellings", "[io]") {
  using voxtrain::as_string_list;
  const std::vector<std::string> ab{"a", "b"};
  CHECK(as_string_list(value("a, b")) == ab);
  CHECK(as_string_list(value("(a,b)")) == ab);
  CHECK(as_string_list(value("{ a , b }")) == ab);
  CHECK(as_string_list(value("(A, R, S)")) == std::vector<std::string>{"A", "R", "S"});
  CHECK(as_string_list(value("T1")) == std::vector<std::string>{"T1"});
  CHECK(as_string_list(value("")).empty());
  CHECK(as_string_list(value("()")).empty());
  CHECK(as_string_list(value("{}")).empty());
  CHECK_THAT(error_or_none([] { as_string_list(value("a,,b")); }),
             Equals("config.ini:7: [T1] k = a,,b: the list has an empty element: write it as a, b or (a, b) without "
                    "doubled or trailing commas"));
  CHECK_THAT(error_or_none([] { as_string_list(value("a, b,")); }), Contains("empty element"));
  CHECK_THAT(error_or_none([] { as_string_list(value("(a, b")); }), Contains("k = (a, b: '(' is not closed by ')'"));
  CHECK_THAT(error_or_none([] { as_string_list(value("(a, (b))")); }), Contains("list element '(b)' holds a bracket"));
}

TEST_CASE("ini: numbers, number lists and booleans", "[io]") {
  using namespace voxtrain;
  CHECK(as_int_list(value("(20, 42, -42)")) == std::vector<std::int64_t>{20, 42, -42});
  CHECK(as_int_list(value("21")) == std::vector<std::int64_t>{21});
  CHECK(as_int_list(value("+3")) == std::vector<std::int64_t>{3});
  CHECK(as_float_list(value("(1.0, .5, -2, 1e-3)")) == std::vector<double>{1.0, 0.5, -2.0, 0.001});
  CHECK(as_int(value(" 10 ")) == 10);
  CHECK(as_float(value("0.25")) == 0.25);
  CHECK_THAT(error_or_none([] { as_int_list(value("(32, 3.5)")); }),
             Equals("config.ini:7: [T1] k = (32, 3.5): '3.5' is not an integer: expected integers such as (32, 32, 32)"));
  CHECK_THAT(error_or_none([] { as_float_list(value("(1, x)")); }), Contains("'x' is not a finite number"));
  CHECK_THAT(error_or_none([] { as_float_list(value("(1, nan)")); }), Contains("'nan' is not a finite number"));
  CHECK_THAT(error_or_none([] { as_int(value("99999999999999999999")); }), Contains("expected an integer"));
  CHECK_THAT(error_or_none([] { as_int(value("1 2")); }), Contains("expected an integer"));
  CHECK_THAT(error_or_none([] { as_float(value("inf")); }), Contains("expected a finite number"));
  CHECK_THAT(error_or_none([] { as_float(value("")); }), Contains("expected a finite number"));
  for (const char* yes : {"yes", "True", "t", "Y", "1"}) CHECK(as_bool(value(yes)));
  for (const char* no : {"no", "FALSE", "f", "n", "0"}) CHECK_FALSE(as_bool(value(no)));
  CHECK_THAT(error_or_none([] { as_bool(value("maybe")); }),
             Equals("config.ini:7: [T1] k = maybe: expected a boolean: yes, true, t, y, 1 or no, false, f, n, 0"));
  CHECK(standardise_section_name("  my-input_1 (T1)  ") == "my-input_1 T1");
}

TEST_CASE("ini: references that fan out are refused instead of expanding forever", "[io]") {
  // y1 names z 40 times, y2 names y1 40 times, ...: y8 would expand 40^8 references (found by the
  // libFuzzer target, docs/FUZZING.md). Legitimate repetition still works.
  std::string text = "[S]\nz = ab\ny0 = %(z)s%(z)s%(z)s\n";
  for (int level = 1; level <= 8; ++level) {
    text += fmt::format("y{} =", level);
    for (int n = 0; n < 40; ++n) text += fmt::format(" %(y{})s", level - 1);
    text += "\n";
  }
  // y1 expands 161 references, y2 6441, y3 (line 6) would expand 257641.
  CHECK_THAT(parse_error(text), Contains("cfg/config.ini:6: [S] y3 = ") &&
                                    Contains(": %(...)s references expand more than 10000 times"));
  const IniFile ok = IniFile::parse("[S]\nz = ab\ny0 = %(z)s%(z)s%(z)s\n", "c.ini");
  CHECK(ok.value("S", "y0")->value == "ababab");
}
