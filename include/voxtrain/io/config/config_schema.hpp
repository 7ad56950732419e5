// config_schema.hpp — every config key voxtrain knows (NiftyNet's and its own): section, type,
// default, one-line doc and whether voxtrain honours it; typed parsing and canonical text of values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace voxtrain {

// The value syntaxes of NiftyNet's user_parameters_helper, plus a fixed set of words.
enum class ConfigType {
  Bool,  // yes/true/t/y/1, no/false/f/n/0 (any case)
  Int,
  Float,    // finite
  String,   // as written; "" and '' read as empty
  Choice,   // one word of a fixed set, any case; read as the schema's spelling
  IntList,  // (a, b), {a, b} or a, b
  FloatList,
  StringList,
  Spatial3,   // NiftyNet's spatialnumarray: 21 -> (21, 21, 21), (8, 2) -> (8, 2, 2), () -> (0, 0, 0)
  AtLeast3d,  // NiftyNet's spatial_atleast3d: (8, 2) -> (8, 2, 1), () -> (0, 1, 1); at most 3 sizes
};

// "bool", "int", "float", "string", "choice", "int list", "float list", "string list",
// "spatial3", "atleast3d".
std::string_view config_type_name(ConfigType type);

// What voxtrain does with a key.
enum class KeySupport {
  Supported,    // read and used
  Ignored,      // accepted; a non-default value gives a warning naming the key and the reason
  Unsupported,  // a non-default value is an Error naming the key and the reason
};

struct ConfigKey {
  std::string section;  // "TRAINING", ...; empty for the keys of input-source sections
  std::string name;     // lower case, as configparser reads keys
  ConfigType type = ConfigType::String;
  std::string default_text;                                        // the default, in canonical form
  std::string doc;                                                 // one line
  std::vector<std::string> choices;                                // Choice: the accepted words, spelt as returned
  std::vector<std::string> unimplemented_choices;                  // Choice: NiftyNet's words voxtrain lacks
  std::optional<std::pair<std::int64_t, std::int64_t>> int_range;  // Int: inclusive bounds
  KeySupport support = KeySupport::Supported;
  std::string reason;          // Ignored / Unsupported: why, and what to do instead
  bool voxtrain_only = false;  // not a NiftyNet key

  bool is_input() const { return section.empty(); }
};

// A parsed value: bool; int64 (Int); double (Float); string (String, Choice); int64 list (IntList,
// Spatial3 and AtLeast3d, always 3 long); double list; string list.
using ConfigValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>,
                                 std::vector<double>, std::vector<std::string>>;

// The sections voxtrain reads besides input sections, in the order they are listed:
// SYSTEM, NETWORK, TRAINING, INFERENCE, EVALUATION, SEGMENTATION.
std::span<const std::string> config_sections();
// True for those and for NiftyNet's other application sections (REGRESSION, CLASSIFICATION,
// AUTOENCODER, GAN, REGISTRATION): every other section is an input source.
bool is_reserved_section(std::string_view name);
// NiftyNet's application sections voxtrain has no application for.
bool is_unsupported_application_section(std::string_view name);

// Every key: the sections' keys in config_sections() order, then the input-section keys.
std::span<const ConfigKey> config_keys();
// The key of that section ("" for input sections), or null. Key names compare case-insensitively.
const ConfigKey* find_config_key(std::string_view section, std::string_view key);
// The non-input sections holding a key of that name (normally one; none when unknown).
std::vector<std::string> sections_with_key(std::string_view key);

// Parses text as the key's type. On failure throws Error "<where>: expected ..." naming the type,
// an example (the default, when it makes one) and, for a choice, the words and the closest one.
ConfigValue parse_config_value(const ConfigKey& key, std::string_view text, std::string_view where);
// The canonical text of a value: True/False, integers in decimal, floats in their shortest exact
// form with a '.' or exponent, lists as (a, b, c) (() when empty), strings as they are.
std::string canonical_config_text(const ConfigKey& key, const ConfigValue& value);
// The key's default, parsed.
ConfigValue default_config_value(const ConfigKey& key);

}  // namespace voxtrain
