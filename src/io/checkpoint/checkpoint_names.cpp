// checkpoint_names.cpp — the name <-> HDF5 path mapping of checkpoints: percent escapes per
// component, dotted names split into components, optimizer keys, and the ".value" leaf for prefixes.
#include "voxtrain/io/checkpoint/checkpoint_names.hpp"

#include <fmt/format.h>

#include <set>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

// The length of the well-formed UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the byte there does not start one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;   // overlong
    if (b0 == 0xED) high = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;   // overlong
    if (b0 == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

bool needs_escape(unsigned char c) { return c == '%' || c == '/' || c == '.' || c < 0x20 || c == 0x7F; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The unescaped parts of a dotted name, each non-empty except for the empty name: split at the
// dots, a dot next to an empty part kept inside the following part (or, at the end, the last one).
std::vector<std::string> dotted_parts(std::string_view name) {
  std::vector<std::string> parts;
  std::string pending;
  std::size_t from = 0;
  while (true) {
    const std::size_t dot = name.find('.', from);
    pending.append(name.substr(from, dot == std::string_view::npos ? std::string_view::npos : dot - from));
    if (dot == std::string_view::npos) break;
    if (pending.empty()) {
      pending.push_back('.');  // a leading or doubled dot: a character of the next part
    } else {
      parts.push_back(std::move(pending));
      pending.clear();
    }
    from = dot + 1;
  }
  if (!pending.empty() || parts.empty()) parts.push_back(std::move(pending));
  else parts.back().push_back('.');  // a trailing dot: a character of the last part
  return parts;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> components;
  std::size_t from = 0;
  while (true) {
    const std::size_t slash = path.find('/', from);
    components.emplace_back(path.substr(from, slash == std::string_view::npos ? std::string_view::npos : slash - from));
    if (slash == std::string_view::npos) return components;
    from = slash + 1;
  }
}

std::string join_path(std::span<const std::string> components) {
  std::string path;
  for (const std::string& c : components) path.append(path.empty() ? "" : "/").append(c);
  return path;
}

std::string decode_dotted(std::span<const std::string> components, std::string_view where) {
  std::string name;
  for (std::size_t i = 0; i < components.size(); ++i) {
    if (i > 0) name.push_back('.');
    name += decode_checkpoint_component(components[i], where);
  }
  return name;
}

}  // namespace

std::string encode_checkpoint_component(std::string_view text) {
  if (text.empty()) return "%";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (needs_escape(c)) out += fmt::format("%{:02X}", c);
      else out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += fmt::format("%{:02X}", c);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string decode_checkpoint_component(std::string_view component, std::string_view where) {
  const auto refuse = [&](std::string_view why) -> Error {
    return error("{}: link name '{}' {}; voxtrain writes names as described in docs/CHECKPOINT_FORMAT.md: the file "
                 "was changed by another tool or is damaged",
                 where, escape_for_display(component), why);
  };
  if (component == "%") return {};
  if (component.empty()) throw refuse("is empty");
  std::string text;
  for (std::size_t i = 0; i < component.size(); ++i) {
    if (component[i] != '%') {
      text.push_back(component[i]);
      continue;
    }
    if (i + 2 >= component.size()) throw refuse("ends in an unfinished %XX escape");
    const int h = hex_value(component[i + 1]), l = hex_value(component[i + 2]);
    if (h < 0 || l < 0) throw refuse("holds a '%' that does not start a %XX escape");
    text.push_back(static_cast<char>(h * 16 + l));
    i += 2;
  }
  if (encode_checkpoint_component(text) != component) throw refuse("is not in voxtrain's escaped form");
  return text;
}

std::vector<std::string> checkpoint_name_components(std::string_view name, CheckpointNameKind kind) {
  std::vector<std::string> components;
  if (kind == CheckpointNameKind::OptimizerKey) {
    const std::size_t slash = name.rfind('/');
    if (slash == std::string_view::npos) {
      components.push_back(encode_checkpoint_component(name));
    } else {
      components = checkpoint_name_components(name.substr(0, slash), CheckpointNameKind::Dotted);
      components.push_back(encode_checkpoint_component(name.substr(slash + 1)));
    }
  } else {
    for (const std::string& part : dotted_parts(name)) components.push_back(encode_checkpoint_component(part));
  }
  if (components.size() > kMaxCheckpointNameDepth)
    throw error("tensor name '{}' has {} parts; a checkpoint holds names of at most {} parts: shorten the module "
                "path",
                escape_for_display(name), components.size(), kMaxCheckpointNameDepth);
  return components;
}

std::map<std::string, std::string> checkpoint_dataset_paths(std::span<const std::string> names,
                                                            CheckpointNameKind kind) {
  std::map<std::string, std::string> paths;
  std::set<std::string> groups;  // every strict prefix of a path: these must be groups
  for (const std::string& name : names) {
    const std::vector<std::string> components = checkpoint_name_components(name, kind);
    std::string prefix;
    for (std::size_t i = 0; i + 1 < components.size(); ++i) {
      prefix.append(prefix.empty() ? "" : "/").append(components[i]);
      groups.insert(prefix);
    }
    paths[name] = join_path(components);
  }
  for (auto& [name, path] : paths)
    if (groups.count(path) != 0) path.append("/").append(kCheckpointSelfLeaf);
  return paths;
}

std::string checkpoint_name_from_path(std::string_view path, CheckpointNameKind kind, std::string_view where) {
  std::vector<std::string> components = split_path(path);
  if (components.size() > 1 && components.back() == kCheckpointSelfLeaf) components.pop_back();
  if (components.size() > kMaxCheckpointNameDepth)
    throw error("{}: path '{}' is {} groups deep; voxtrain writes at most {}: the file was not written by voxtrain",
                where, escape_for_display(path), components.size(), kMaxCheckpointNameDepth);
  std::string name;
  if (kind == CheckpointNameKind::Dotted || components.size() == 1) {
    name = decode_dotted(components, where);
  } else {
    const std::span<const std::string> all(components);
    name = decode_dotted(all.first(all.size() - 1), where) + "/" + decode_checkpoint_component(all.back(), where);
  }
  // Two paths must not stand for one name: only the path voxtrain writes for it is accepted.
  if (join_path(checkpoint_name_components(name, kind)) != join_path(components))
    throw error("{}: path '{}' is not the one voxtrain writes for the name '{}'; the file was changed by another tool "
                "or is damaged",
                where, escape_for_display(path), escape_for_display(name));
  return name;
}

}  // namespace voxtrain
