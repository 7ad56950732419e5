// test_csv_writer.cpp — RFC 4180 quoting against hand-written lines; the table written with its
// parent directories, an old file replaced whole, no temporary left, and the errors.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_files.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/io/csv_writer.hpp"

using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

}  // namespace

TEST_CASE("csv fields are quoted only when they must be", "[io]") {
  CHECK(voxtrain::csv_field("sub-001") == "sub-001");
  CHECK(voxtrain::csv_field("") == "");
  CHECK(voxtrain::csv_field("0.25") == "0.25");
  CHECK(voxtrain::csv_field("a,b") == "\"a,b\"");
  CHECK(voxtrain::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(voxtrain::csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(voxtrain::csv_field("cr\r") == "\"cr\r\"");
  CHECK(voxtrain::csv_field(" padded") == "\" padded\"");
  CHECK(voxtrain::csv_field("inner space") == "inner space");
  const std::vector<std::string> fields{"id", "x,y", "", "q\""};
  CHECK(voxtrain::csv_line(fields) == "id,\"x,y\",,\"q\"\"\"\n");
}

TEST_CASE("write_csv creates parents, replaces an old file whole and leaves no temporary", "[io]") {
  const voxtrain::testing::ScratchDir t("csv_writer");
  const fs::path path = t.path() / "deep" / "er" / "metrics.csv";
  voxtrain::write_csv(path.string(), {"subject_id", "label", "dice"},
                      {{"sub-001", "1", "0.5"}, {"sub, 2", "mean", "nan"}});
  CHECK(voxtrain::testing::read_text(path.string()) == "subject_id,label,dice\nsub-001,1,0.5\n\"sub, 2\",mean,nan\n");
  voxtrain::write_csv(path.string(), {"a"}, {{"1"}});
  CHECK(voxtrain::testing::read_text(path.string()) == "a\n1\n");
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(path.parent_path())) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("write_csv errors name the file", "[io]") {
  const voxtrain::testing::ScratchDir t("csv_writer_bad");
  CHECK_THROWS_WITH(voxtrain::write_csv(t.path().string(), {"a"}, {}),
                    Contains(t.path().string()) && Contains("is a directory"));
  const fs::path blocker = t.path() / "file";
  std::ofstream(blocker) << "x";
  CHECK_THROWS_WITH(voxtrain::write_csv((blocker / "m.csv").string(), {"a"}, {}),
                    Contains("cannot create the directory of CSV file") && Contains("m.csv"));
  CHECK(voxtrain::testing::read_text(blocker.string()) == "x");
}
