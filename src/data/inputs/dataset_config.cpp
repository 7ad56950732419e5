// dataset_config.cpp — model_dir and the paths under it, the split file's path and the exclude
// fractions from a config.
#include "voxtrain/data/inputs/dataset_config.hpp"

#include <filesystem>

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

std::string from_config_dir(const IniFile& ini, const std::string& path) {
  const fs::path p(path);
  return (p.is_absolute() ? p : fs::path(ini.directory()) / p).lexically_normal().string();
}

double config_fraction(const IniFile& ini, const char* key) {
  const auto v = ini.value("TRAINING", key);
  if (!v) return 0.0;
  const double f = as_float(*v);
  if (f < 0.0 || f > 1.0) v->fail("expected a fraction in [0, 1], e.g. 0.2");
  return f;
}

}  // namespace

std::string model_dir(const IniFile& ini) {
  const auto v = ini.value("SYSTEM", "model_dir");
  if (!v || v->value.empty()) return from_config_dir(ini, "model");
  return from_config_dir(ini, v->value);
}

std::string path_in_model_dir(const IniFile& ini, const std::string& path) {
  const fs::path p(path);
  return (p.is_absolute() ? p : fs::path(model_dir(ini)) / p).lexically_normal().string();
}

std::string dataset_split_path(const IniFile& ini) {
  const auto v = ini.value("SYSTEM", "dataset_split_file");
  return path_in_model_dir(ini, v && !v->value.empty() ? v->value : std::string("./dataset_split.csv"));
}

SplitFractions split_fractions(const IniFile& ini) {
  return SplitFractions{.validation = config_fraction(ini, "exclude_fraction_for_validation"),
                        .inference = config_fraction(ini, "exclude_fraction_for_inference")};
}

}  // namespace voxtrain
