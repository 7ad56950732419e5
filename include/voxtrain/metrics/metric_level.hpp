// metric_level.hpp — the names that keep patch-level and volume-level values apart everywhere
// (console, TensorBoard, CSV logs, best_metric): "patch_dice" from training windows, "volume_dice"
// from whole volumes after aggregation.
#pragma once

#include <string>
#include <string_view>

namespace voxtrain {

// "dice" -> "patch_dice": a metric over the sampled windows of a batch.
std::string patch_metric_name(std::string_view metric);
// "dice" -> "volume_dice": a metric over whole segmented volumes.
std::string volume_metric_name(std::string_view metric);
// "volume_dice" -> "dice"; empty when name is not a volume-level name.
std::string_view volume_metric_base(std::string_view name);

}  // namespace voxtrain
