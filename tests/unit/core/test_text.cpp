// test_text.cpp — edit distance against hand-counted values; suggestions for typos only; escaping
// of file text against hand-written expectations (the UTF-8 cases from Unicode's table 3-7).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "voxtrain/core/text.hpp"

TEST_CASE("edit distance matches hand-counted edits", "[core]") {
  CHECK(voxtrain::edit_distance("kitten", "sitting") == 3);
  CHECK(voxtrain::edit_distance("", "abc") == 3);
  CHECK(voxtrain::edit_distance("abc", "") == 3);
  CHECK(voxtrain::edit_distance("flaw", "lawn") == 2);
  CHECK(voxtrain::edit_distance("same", "same") == 0);
}

TEST_CASE("closest_match suggests near misses and nothing for unrelated words", "[core]") {
  const std::vector<std::string> losses = {"Dice", "Dice_NS", "CrossEntropy", "DicePlusXEnt", "Tversky", "GDSC"};
  CHECK(voxtrain::closest_match("dice_ns", losses) == "Dice_NS");
  CHECK(voxtrain::closest_match("CrossEntropi", losses) == "CrossEntropy");
  CHECK(voxtrain::closest_match("Tverski", losses) == "Tversky");
  CHECK(voxtrain::closest_match("GSDC", losses) == "GDSC");
  CHECK(voxtrain::closest_match("dice", losses) == "Dice");
  CHECK_FALSE(voxtrain::closest_match("wrong answer", losses).has_value());
  CHECK_FALSE(voxtrain::closest_match("hausdorff", losses).has_value());
  CHECK_FALSE(voxtrain::closest_match("x", std::vector<std::string>{}).has_value());
  CHECK(voxtrain::join(losses, "|") == "Dice|Dice_NS|CrossEntropy|DicePlusXEnt|Tversky|GDSC");
}

TEST_CASE("escape_for_display keeps printable UTF-8 and escapes controls and broken bytes", "[core]") {
  using voxtrain::escape_for_display;
  // Unchanged: ASCII, 2-, 3- and 4-byte characters (é, €, 😀), the highest code point U+10FFFF.
  CHECK(escape_for_display("T1 brain, 1 mm") == "T1 brain, 1 mm");
  CHECK(escape_for_display("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  CHECK(escape_for_display("\xF4\x8F\xBF\xBF") == "\xF4\x8F\xBF\xBF");
  CHECK(escape_for_display("") == "");
  // Controls: C0 (newline, tab, escape, NUL), DEL, and the C1 control U+0085 (two bytes).
  CHECK(escape_for_display("a\nb") == "a\\x0Ab");
  CHECK(escape_for_display("\t\x1b[31mred") == "\\x09\\x1B[31mred");
  CHECK(escape_for_display(std::string("x\0y", 3)) == "x\\x00y");
  CHECK(escape_for_display("\x7f") == "\\x7F");
  CHECK(escape_for_display("\xC2\x85") == "\\xC2\\x85");
  CHECK(escape_for_display("\xC2\xA0") == "\xC2\xA0");  // U+00A0, the first character after C1
  // A backslash is doubled, so an escaped text is never mistaken for the bytes it stands for.
  CHECK(escape_for_display("a\\x0Ab") == "a\\\\x0Ab");
  // Not UTF-8: a lone continuation byte, a Latin-1 byte, a cut sequence, overlong forms (C0 80,
  // E0 80 80), a surrogate (ED A0 80), code points above U+10FFFF (F4 90 80 80, F5).
  CHECK(escape_for_display("\x80") == "\\x80");
  CHECK(escape_for_display("caf\xE9!") == "caf\\xE9!");
  CHECK(escape_for_display("\xE2\x82") == "\\xE2\\x82");
  CHECK(escape_for_display("\xC0\x80") == "\\xC0\\x80");
  CHECK(escape_for_display("\xE0\x80\x80") == "\\xE0\\x80\\x80");
  CHECK(escape_for_display("\xED\xA0\x80") == "\\xED\\xA0\\x80");
  CHECK(escape_for_display("\xF4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");
  CHECK(escape_for_display("\xF5") == "\\xF5");
  // A broken sequence does not swallow the valid character after it.
  CHECK(escape_for_display("\xE2\x82\xC3\xA9") == "\\xE2\\x82\xC3\xA9");
}
