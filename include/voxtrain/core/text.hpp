// text.hpp — small string helpers for messages: edit distance, "did you mean" suggestions and
// escaping of text read from files before it reaches a terminal.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace voxtrain {

// Levenshtein distance (insertions, deletions, substitutions), case-sensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to word (case-insensitive), if it is close enough to be a likely typo.
std::optional<std::string> closest_match(std::string_view word, std::span<const std::string> candidates);

// " (did you mean 'x'?)" for the closest candidate, or "" when none is close: for messages.
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

// "a, b, c"
std::string join(std::span<const std::string> items, std::string_view separator = ", ");

// ASCII lower case.
std::string to_lower(std::string_view text);

// Text from a file, safe to print on one terminal line: well-formed UTF-8 stays as it is; control
// characters (C0, DEL, C1) and bytes that are not well-formed UTF-8 become \xNN, one per byte
// (a C1 control's two bytes give \xC2\xNN), and a backslash becomes \\, so the output is
// unambiguous. "caf\xC3\xA9" stays "café"; "a\nb" becomes "a\x0Ab".
std::string escape_for_display(std::string_view text);

}  // namespace voxtrain
