// test_progress_bar.cpp — the progress line's content (bar, counts, time left) and the number of
// lines written to a file: one per 5 % step at most, always the last.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "voxtrain/core/progress_bar.hpp"

using voxtrain::ProgressBar;

TEST_CASE("a progress line shows the bar, the counts, the note and the time left", "[core]") {
  CHECK(ProgressBar::line("convert", 5, 10, "sub-005", 2.0) ==
        "convert [##########..........] 5/10 sub-005 2.0 s, 2.0 s left");
  CHECK(ProgressBar::line("convert", 10, 10, "", 4.25) == "convert [####################] 10/10 4.2 s");
  CHECK(ProgressBar::line("x", 1, 3, "a", 3.0) == "x [######..............] 1/3 a 3.0 s, 6.0 s left");
}

TEST_CASE("written to a file, progress prints at most one line per 5 % and always the last", "[core]") {
  auto count_lines = [](std::int64_t total) {
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    {
      ProgressBar bar("work", total, f);
      for (std::int64_t n = 0; n < total; ++n) bar.advance();
    }
    std::rewind(f);
    int lines = 0, c = 0;
    std::string last, current;
    while ((c = std::fgetc(f)) != EOF) {
      if (c == '\n') {
        ++lines;
        last = current;
        current.clear();
      } else {
        current += static_cast<char>(c);
      }
    }
    std::fclose(f);
    CHECK(last.find(std::to_string(total) + "/" + std::to_string(total)) != std::string::npos);
    return lines;
  };
  CHECK(count_lines(3) == 3);
  CHECK(count_lines(20) == 20);
  CHECK(count_lines(1000) == 21);  // 0 % (the first step), 5 %, ..., 100 %
}
