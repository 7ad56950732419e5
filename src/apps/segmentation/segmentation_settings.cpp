// segmentation_settings.cpp — the segmentation application's settings read from the run config,
// each default the schema's (docs/CONFIG.md), each error naming the key.
#include "voxtrain/apps/segmentation/segmentation_settings.hpp"

#include <filesystem>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/inputs/dataset_config.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/io/config/run_config.hpp"
#include "voxtrain/metrics/metric_level.hpp"

namespace voxtrain {
namespace {

std::optional<Range> range(const RunConfig& c, const char* key) {
  const std::vector<double> v = c.get_floats("TRAINING", key);
  if (v.empty()) return std::nullopt;
  if (v.size() != 2) throw error("{}: expected two numbers (low, high), e.g. (-10.0, 10.0)", c.where("TRAINING", key));
  return Range{v[0], v[1]};
}

// The training window: every input section's spatial_window_size, which must agree.
WindowSize input_window(const RunConfig& c) {
  std::optional<WindowSize> window;
  std::string first;
  for (const IniSection& section : c.ini().sections()) {
    if (is_reserved_section_name(section.name) || section.find("spatial_window_size") == nullptr) continue;
    const std::array<std::int64_t, 3> w = c.get_spatial3(section.name, "spatial_window_size");
    const WindowSize size{w[0], w[1], w[2]};
    if (window && *window != size)
      throw error("{}: spatial_window_size differs from [{}]'s: every input section must use the same window",
                  c.where(section.name, "spatial_window_size"), first);
    if (!window) first = section.name;
    window = size;
  }
  if (!window || (*window)[0] < 1)
    throw error("{}: no input section sets spatial_window_size: set it, e.g. spatial_window_size = (32, 32, 32)",
                c.ini().path());
  return *window;
}

// [TRAINING] restore_scopes: "SCOPE=CHECKPOINT" items, relative paths from the config's directory.
std::vector<RestorableScope> restore_scopes(const RunConfig& c) {
  std::vector<RestorableScope> scopes;
  for (const std::string& item : c.get_strings("TRAINING", "restore_scopes")) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw error("{}: item '{}' is not SCOPE=CHECKPOINT: write e.g. unet.enc0=pretrained/model.ckpt-500.h5",
                  c.where("TRAINING", "restore_scopes"), item);
    std::filesystem::path file = item.substr(eq + 1);
    if (file.is_relative()) file = std::filesystem::path(c.path()).parent_path() / file;
    scopes.push_back(RestorableScope{.scope = item.substr(0, eq), .checkpoint_path = file.lexically_normal().string()});
  }
  return scopes;
}

}  // namespace

SegmentationSettings segmentation_settings(const RunConfig& c, std::int64_t in_channels) {
  SegmentationSettings s;
  s.num_classes = static_cast<int>(c.get_int("SEGMENTATION", "num_classes"));
  if (s.num_classes < 2)
    throw error("{}: num_classes must be at least 2 (background and one class), e.g. num_classes = 2",
                c.where("SEGMENTATION", "num_classes"));
  s.loss_options.softmax = c.get_bool("SEGMENTATION", "softmax");

  s.network = c.get_string("NETWORK", "name");
  if (s.network.empty()) throw error("{}: [NETWORK] name is not set: e.g. name = unet", c.ini().path());
  NetworkConfig& n = s.network_config;
  n.in_channels = in_channels;
  n.num_classes = s.num_classes;
  n.activation_function = c.get_string("NETWORK", "activation_function");
  n.normalisation = c.get_string("NETWORK", "feature_normalization");
  n.group_size = static_cast<int>(c.get_int("NETWORK", "group_size"));
  n.base_channels = c.get_int("NETWORK", "base_channels");
  n.depth = static_cast<int>(c.get_int("NETWORK", "depth"));
  n.init.kind = parse_init_kind(c.get_string("NETWORK", "weight_initializer"));
  s.batch_size = c.get_int("NETWORK", "batch_size");
  s.sampler = parse_sampler_kind(c.get_string("NETWORK", "window_sampling"), c.where("NETWORK", "window_sampling"));
  s.queue_length = c.get_int("NETWORK", "queue_length");

  s.loss_type = c.get_string("TRAINING", "loss_type");
  OptimizerConfig& o = s.optimizer;
  o.name = c.get_string("TRAINING", "optimiser");
  o.decay = c.get_float("NETWORK", "decay");
  o.reg_type = c.get_string("NETWORK", "reg_type");
  o.momentum = c.get_float("TRAINING", "momentum");
  o.nesterov = c.get_bool("TRAINING", "nesterov");
  o.beta1 = c.get_float("TRAINING", "beta1");
  o.beta2 = c.get_float("TRAINING", "beta2");
  o.epsilon = c.get_float("TRAINING", "epsilon");
  o.weight_decay = c.get_float("TRAINING", "weight_decay");
  o.clip_global_norm = c.get_float("TRAINING", "clip_global_norm");
  LrScheduleConfig& l = s.lr_schedule;
  l.name = c.get_string("TRAINING", "lr_schedule");
  l.lr = c.get_float("TRAINING", "lr");
  l.max_iter = c.get_int("TRAINING", "max_iter");
  l.warmup_iters = c.get_int("TRAINING", "warmup_iters");
  s.sample_per_volume = c.get_int("TRAINING", "sample_per_volume");
  AugmentationSettings& a = s.augmentation;
  a.rotation_angle = range(c, "rotation_angle");
  a.rotation_angle_x = range(c, "rotation_angle_x");
  a.rotation_angle_y = range(c, "rotation_angle_y");
  a.rotation_angle_z = range(c, "rotation_angle_z");
  a.scaling_percentage = range(c, "scaling_percentage");
  a.isotropic_scaling = c.get_bool("TRAINING", "isotropic_scaling");
  for (std::int64_t axis : c.get_ints("TRAINING", "random_flipping_axes")) a.random_flipping_axes.push_back(static_cast<int>(axis));
  a.do_elastic_deformation = c.get_bool("TRAINING", "do_elastic_deformation");
  a.num_ctrl_points = static_cast<int>(c.get_int("TRAINING", "num_ctrl_points"));
  a.deformation_sigma = c.get_float("TRAINING", "deformation_sigma");
  a.proportion_to_deform = c.get_float("TRAINING", "proportion_to_deform");
  a.bias_field_range = range(c, "bias_field_range");
  a.bf_order = static_cast<int>(c.get_int("TRAINING", "bf_order"));
  check_augmentation_settings(a, c.ini().path() + ": [TRAINING]");
  s.seed = static_cast<std::uint64_t>(c.get_int("TRAINING", "seed"));
  n.init.seed = s.seed;
  const std::string nonfinite = c.get_string("TRAINING", "nonfinite");
  s.nonfinite = nonfinite == "skip" ? NonfiniteMode::Skip : NonfiniteMode::Stop;
  s.vars_to_restore = c.get_string("TRAINING", "vars_to_restore");
  s.vars_to_freeze = c.get_string("TRAINING", "vars_to_freeze");
  s.num_threads = static_cast<int>(c.get_int("SYSTEM", "num_threads"));
  s.restore_scopes = restore_scopes(c);
  s.volume_validation_every_n = c.get_int("TRAINING", "volume_validation_every_n");
  s.best_metric = c.get_string("TRAINING", "best_metric");
  if (!s.best_metric.empty() && s.volume_validation_every_n <= 0)
    throw error("{} = {} needs validation by whole volumes: set [TRAINING] volume_validation_every_n "
                "(e.g. to validation_every_n), or remove best_metric",
                c.where("TRAINING", "best_metric"), s.best_metric);
  s.volume_metrics = {"dice"};
  if (const std::string_view base = volume_metric_base(s.best_metric); !base.empty() && base != "dice")
    s.volume_metrics.emplace_back(base);

  s.window = input_window(c);
  s.inference_window = s.window;
  if (c.is_set("INFERENCE", "spatial_window_size")) {
    const auto w = c.get_spatial3("INFERENCE", "spatial_window_size");
    // NiftyNet: a 0 keeps the input window's size along that axis.
    for (int i = 0; i < 3; ++i)
      if (w[static_cast<std::size_t>(i)] > 0) s.inference_window[static_cast<std::size_t>(i)] = w[static_cast<std::size_t>(i)];
  }
  const auto border = c.get_spatial3("INFERENCE", "border");
  s.aggregation.border = {border[0], border[1], border[2]};
  s.aggregation.fill_constant = c.get_float("INFERENCE", "fill_constant");
  s.aggregation.output = c.get_bool("SEGMENTATION", "output_prob") ? AggregatedOutput::Probabilities : AggregatedOutput::Argmax;
  s.save_seg_dir = path_in_model_dir(c.ini(), c.get_string("INFERENCE", "save_seg_dir"));
  s.output_postfix = c.get_string("INFERENCE", "output_postfix");
  s.dataset_to_infer = c.get_string("INFERENCE", "dataset_to_infer");
  return s;
}

}  // namespace voxtrain
