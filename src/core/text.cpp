// text.cpp — edit distance, closest-match suggestions, joining, and escaping of file text for
// the terminal (UTF-8 checked by hand: no locale is consulted).
#include "voxtrain/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <vector>

#include <fmt/format.h>

namespace voxtrain {
std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  std::iota(previous.begin(), previous.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> closest_match(std::string_view word, std::span<const std::string> candidates) {
  const std::string needle = to_lower(word);
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    const std::size_t d = edit_distance(needle, to_lower(candidate));
    if (!best || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  // A likely typo: at most a third of the longer word differs, and two edits (a swapped pair
  // of letters, "GSDC" for "GDSC") are always allowed.
  const std::size_t longest = best ? std::max(needle.size(), best->size()) : 0;
  if (best && best_distance <= std::max<std::size_t>(2, longest / 3) && best_distance < longest) return best;
  return std::nullopt;
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
  const auto close = closest_match(word, candidates);
  if (!close) return {};
  std::string text = " (did you mean '";
  text.append(*close).append("'?)");
  return text;
}

std::string join(std::span<const std::string> items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += separator;
    out += items[i];
  }
  return out;
}

namespace {

// The length of the well-formed UTF-8 sequence starting at text[at] (Unicode's table 3-7: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) length = 3, low = lead == 0xE0 ? 0xA0 : 0x80, high = lead == 0xED ? 0x9F : 0xBF;
  else if (lead >= 0xF0 && lead <= 0xF4) length = 4, low = lead == 0xF0 ? 0x90 : 0x80, high = lead == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  return length;
}

void append_escaped_byte(std::string& out, unsigned char c) { out += fmt::format("\\x{:02X}", c); }

}  // namespace

std::string escape_for_display(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    const auto c = static_cast<unsigned char>(text[at]);
    if (c == '\\') {
      out += "\\\\";
      ++at;
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++at;
    } else if (const std::size_t n = c >= 0x80 ? utf8_sequence_length(text, at) : 0; n > 0) {
      const bool c1_control = c == 0xC2 && static_cast<unsigned char>(text[at + 1]) < 0xA0;  // U+0080..U+009F
      if (c1_control) {
        append_escaped_byte(out, c);
        append_escaped_byte(out, static_cast<unsigned char>(text[at + 1]));
      } else {
        out.append(text.substr(at, n));
      }
      at += n;
    } else {
      append_escaped_byte(out, c);  // a C0 control, DEL, or a byte that starts no UTF-8 sequence
      ++at;
    }
  }
  return out;
}

}  // namespace voxtrain
