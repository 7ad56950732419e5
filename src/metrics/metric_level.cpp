// metric_level.cpp — the patch_ and volume_ prefixes of metric names.
#include "voxtrain/metrics/metric_level.hpp"

namespace voxtrain {
namespace {
constexpr std::string_view kPatch = "patch_";
constexpr std::string_view kVolume = "volume_";
}  // namespace

std::string patch_metric_name(std::string_view metric) { return std::string(kPatch) + std::string(metric); }

std::string volume_metric_name(std::string_view metric) { return std::string(kVolume) + std::string(metric); }

std::string_view volume_metric_base(std::string_view name) {
  if (name.size() <= kVolume.size() || !name.starts_with(kVolume)) return {};
  return name.substr(kVolume.size());
}

}  // namespace voxtrain
