// run_config.hpp — RunConfig: a NiftyNet config file checked against the schema, with command-line
// overrides applied; its typed values, ignored-key warnings, and comparison of two runs' settings.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/io/config/config_schema.hpp"
#include "voxtrain/io/config/ini_file.hpp"

namespace voxtrain {

// One `--key value` from the command line, its section resolved.
struct ConfigOverride {
  std::string section;  // a non-input section: SYSTEM, NETWORK, TRAINING, INFERENCE, EVALUATION, SEGMENTATION
  std::string key;      // as in the schema (lower case, '_')
  std::string value;
  std::string flag;  // as typed, for messages ("--max-iter"); empty: "--<key>"
};

// NiftyNet-style overrides: "--max_iter 5", "--max-iter 5", "--max_iter=5", "--TRAINING.max_iter 5".
// A key of no non-input section is an Error with a did-you-mean; a key of an input section, or a
// section that is an input section, is an Error saying input sections cannot be overridden; a
// missing value or a word that is not a --flag is an Error. A key given twice: the last one counts.
std::vector<ConfigOverride> parse_config_overrides(const std::vector<std::string>& args);

class RunConfig {
 public:
  // Reads the file, applies the overrides and checks every key against the schema:
  //   unknown key  -> "unknown key 'lrr' in [TRAINING] (config.ini:12); did you mean 'lr'?"
  //   wrong type   -> "config.ini:12: [TRAINING] max_iter = ten: expected an integer (e.g. 10000)"
  //   Unsupported key at a non-default value -> Error naming it and why;
  //   Ignored key at a non-default value     -> a line in warnings().
  // Input sections' keys are checked the same way; paths are not looked at (the data layer does).
  // Section names that are reserved words in other case ([training]) and NiftyNet applications
  // voxtrain lacks ([REGRESSION], ...) are Errors.
  static RunConfig load(const std::string& path, const std::vector<ConfigOverride>& overrides = {});
  // The same for text, read as if from `path` (messages, relative paths).
  static RunConfig parse(std::string_view text, const std::string& path,
                         const std::vector<ConfigOverride>& overrides = {});

  // The file with the overrides applied (what the data layer's functions take).
  const IniFile& ini() const { return ini_; }
  const std::string& path() const { return ini_.path(); }

  // The value of a schema key: from the file or the command line, else its default. `section` is
  // SYSTEM ... SEGMENTATION, or an input section's name for input-section keys. Asking for a key
  // the schema lacks, or with the wrong getter for its type, is an InternalError.
  const ConfigValue& get(std::string_view section, std::string_view key) const;
  bool get_bool(std::string_view section, std::string_view key) const;
  std::int64_t get_int(std::string_view section, std::string_view key) const;
  double get_float(std::string_view section, std::string_view key) const;
  std::string get_string(std::string_view section, std::string_view key) const;  // String and Choice
  std::vector<std::int64_t> get_ints(std::string_view section, std::string_view key) const;
  std::vector<double> get_floats(std::string_view section, std::string_view key) const;
  std::vector<std::string> get_strings(std::string_view section, std::string_view key) const;
  std::array<std::int64_t, 3> get_spatial3(std::string_view section, std::string_view key) const;

  // Whether the file or the command line sets the key.
  bool is_set(std::string_view section, std::string_view key) const;
  // "config.ini:12: [TRAINING] lr", "command line --lr" or "[TRAINING] lr (default)".
  std::string where(std::string_view section, std::string_view key) const;
  // One line per Ignored key set to a value other than its default, naming it and why.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // "SEGMENTATION" when the file (or an override) has that section, else "".
  const std::string& application_section() const { return application_; }
  // The input-source sections, in file order.
  const std::vector<std::string>& input_sections() const { return inputs_; }

  // "SECTION.key" -> canonical value for every schema key of every non-input section (defaults
  // included) and every input-section key of each input section ("T1.pixdim"). Two runs train
  // alike when these agree (see config_differences).
  std::map<std::string, std::string> effective_settings() const;
  // The effective config as INI text that load() reads back to the same effective_settings: every
  // non-input key in canonical form ('%' written as '%%'), then the input sections' keys as set.
  // Relative paths are kept as written: they start at the directory of the original file.
  std::string text() const;

 private:
  RunConfig() = default;
  void validate(const std::vector<ConfigOverride>& overrides);
  void check_entry(const IniSection& section, const IniEntry& entry, const ConfigKey& key);

  IniFile ini_;
  std::map<std::string, ConfigValue, std::less<>> values_;  // "SECTION.key"
  std::vector<std::string> warnings_;
  std::string application_;
  std::vector<std::string> inputs_;
};

// The settings that differ between a stored run and this one, one "KEY: stored -> now" line each
// ("(absent)" for a key only one side has), sorted by key. Keys that do not change what is trained
// are left out: SYSTEM.num_threads, model_dir, event_handler; NETWORK.queue_length; TRAINING.max_iter,
// starting_iter, save_every_n, tensorboard_every_n, max_checkpoints, validation_every_n,
// validation_max_iter, volume_validation_every_n, best_metric; every INFERENCE and EVALUATION key;
// and every Ignored key.
std::vector<std::string> config_differences(const std::map<std::string, std::string>& stored,
                                            const std::map<std::string, std::string>& now);

// Throws Error when config_differences finds any: "model_dir 'm' holds a run with a different
// config: TRAINING.lr: 0.01 -> 0.1; ...: run with the config it was trained with to resume, or give
// --new-run to start a new run there".
void check_config_unchanged(const std::map<std::string, std::string>& stored,
                            const std::map<std::string, std::string>& now, std::string_view model_dir);

}  // namespace voxtrain
