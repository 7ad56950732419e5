// test_text.cpp — edit distance against hand-counted values; suggestions for typos only.
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
