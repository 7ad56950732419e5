// ini_fuzzer.cpp — libFuzzer target for the config parser: IniFile::parse on arbitrary bytes, then the
// value helpers on every entry. Aborts on anything but success or a one-line voxtrain::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "voxtrain/core/error.hpp"
#include "voxtrain/io/config/ini_file.hpp"

namespace {

// Errors reach the terminal as one line: a message with a line break is a finding.
void require_one_line(const voxtrain::Error& e) {
  if (std::string_view(e.what()).find('\n') != std::string_view::npos) std::abort();
}

template <class F>
void expect_value_or_error(F&& f) {
  try {
    (void)f();
  } catch (const voxtrain::Error& e) {
    require_one_line(e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const voxtrain::IniFile file = voxtrain::IniFile::parse(text, "fuzz.ini");
    for (const voxtrain::IniSection& section : file.sections()) {
      (void)file.where(section);
      for (const voxtrain::IniEntry& entry : section.entries) {
        const std::optional<voxtrain::IniValue> v = file.value(section.name, entry.key);
        if (!v || v->value != entry.value) std::abort();  // every parsed key must be found again
        expect_value_or_error([&] { return voxtrain::as_string_list(*v); });
        expect_value_or_error([&] { return voxtrain::as_int_list(*v); });
        expect_value_or_error([&] { return voxtrain::as_float_list(*v); });
        expect_value_or_error([&] { return voxtrain::as_int(*v); });
        expect_value_or_error([&] { return voxtrain::as_float(*v); });
        expect_value_or_error([&] { return voxtrain::as_bool(*v); });
      }
    }
  } catch (const voxtrain::Error& e) {
    require_one_line(e);
  }
  return 0;
}
