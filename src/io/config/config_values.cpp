// config_values.cpp — trimming, numbers and lists in NiftyNet's value syntax.
#include "voxtrain/io/config/config_values.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace voxtrain {
namespace {

constexpr std::string_view kBlanks = " \t\r\n\f\v";

// The text without one leading '+'; empty (refused) when nothing or another '+' follows it.
std::optional<std::string_view> without_plus(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return std::nullopt;
  return text;
}

template <typename T>
std::optional<T> parse_whole(std::string_view text) {
  const auto digits = without_plus(text);
  if (!digits) return std::nullopt;
  T out{};
  const auto [end, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), out);
  if (ec != std::errc{} || end != digits->data() + digits->size()) return std::nullopt;
  return out;
}

}  // namespace

std::string_view trim_config_blanks(std::string_view text) {
  const auto first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kBlanks) - first + 1);
}

std::optional<std::int64_t> parse_config_int(std::string_view text) { return parse_whole<std::int64_t>(text); }

std::optional<double> parse_config_float(std::string_view text) {
  const auto x = parse_whole<double>(text);
  if (!x || !std::isfinite(*x)) return std::nullopt;
  return x;
}

ConfigList split_config_list(std::string_view text) {
  ConfigList out;
  text = trim_config_blanks(text);
  if (!text.empty() && (text.front() == '(' || text.front() == '{')) {
    const char close = text.front() == '(' ? ')' : '}';
    if (text.back() != close) {
      out.problem = fmt::format("'{}' is not closed by '{}': write a list as a, b or ({}a, b{})", text.front(), close,
                                text.front(), close);
      return out;
    }
    text = trim_config_blanks(text.substr(1, text.size() - 2));
  }
  if (text.empty()) return out;
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    const std::string_view item =
        trim_config_blanks(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (item.empty()) {
      out.problem = "the list has an empty element: write it as a, b or (a, b) without doubled or trailing commas";
      return out;
    }
    if (item.find_first_of("()[]{}") != std::string_view::npos) {
      out.problem = fmt::format("list element '{}' holds a bracket: write a list as a, b or (a, b), not nested", item);
      return out;
    }
    out.items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace voxtrain
