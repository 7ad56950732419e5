// config_values.hpp — NiftyNet's value syntax shared by the INI reader and the typed schema:
// blanks trimmed, integers and floats (a leading '+' allowed), lists written a, b / (a, b) / {a, b}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voxtrain {

// The text without leading and trailing blanks (space, tab, CR, LF, FF, VT).
std::string_view trim_config_blanks(std::string_view text);

// A whole decimal integer or finite float ("+3", "1e-4"); nullopt for anything else.
std::optional<std::int64_t> parse_config_int(std::string_view text);
std::optional<double> parse_config_float(std::string_view text);

// "a, b", "(a, b)" or "{a, b}" as its trimmed items; "" and "()" are empty. problem is empty on
// success, else what is wrong and how to write it (an unclosed bracket, an empty or bracketed item).
struct ConfigList {
  std::vector<std::string> items;
  std::string problem;
};
ConfigList split_config_list(std::string_view text);

}  // namespace voxtrain
