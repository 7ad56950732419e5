// config_schema.cpp — the table of keys (NiftyNet's user_parameters_default / _custom at 935bf43
// and voxtrain's own), each with its support status, and the typed value parsers.
#include "voxtrain/io/config/config_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/io/config/config_values.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"
#include "voxtrain/nn/layers/activation.hpp"
#include "voxtrain/nn/loss.hpp"
#include "voxtrain/nn/lr_schedule.hpp"
#include "voxtrain/nn/optimizer.hpp"

namespace voxtrain {
namespace {

using T = ConfigType;
constexpr std::int64_t kIntMax = std::numeric_limits<std::int64_t>::max();

// One row of the table; the modifiers read like the table's columns.
struct Row {
  ConfigKey k;
  Row& choices(std::vector<std::string> words, std::vector<std::string> missing = {}) {
    k.choices = std::move(words);
    k.unimplemented_choices = std::move(missing);
    return *this;
  }
  Row& range(std::int64_t lo, std::int64_t hi) {
    k.int_range = std::make_pair(lo, hi);
    return *this;
  }
  Row& ignored(std::string why) {
    k.support = KeySupport::Ignored;
    k.reason = std::move(why);
    return *this;
  }
  Row& unsupported(std::string why) {
    k.support = KeySupport::Unsupported;
    k.reason = std::move(why);
    return *this;
  }
  Row& own() {
    k.voxtrain_only = true;
    return *this;
  }
};

struct Table {
  std::string section;
  std::vector<Row> rows;
  Row& add(std::string name, ConfigType type, std::string default_text, std::string doc) {
    rows.push_back(Row{ConfigKey{.section = section,
                                 .name = std::move(name),
                                 .type = type,
                                 .default_text = std::move(default_text),
                                 .doc = std::move(doc),
                                 .choices = {},
                                 .unimplemented_choices = {},
                                 .int_range = std::nullopt,
                                 .support = KeySupport::Supported,
                                 .reason = {},
                                 .voxtrain_only = false}});
    return rows.back();
  }
};

const std::array<std::string, 6> kSections{"SYSTEM", "NETWORK", "TRAINING", "INFERENCE", "EVALUATION", "SEGMENTATION"};
constexpr std::array<std::string_view, 5> kOtherApplications{"REGRESSION", "CLASSIFICATION", "AUTOENCODER", "GAN",
                                                             "REGISTRATION"};

// Validation metrics over whole volumes that have a better direction (best_metric).
std::vector<std::string> best_metric_choices() {
  std::vector<std::string> out{""};
  for (const char* m : {"dice", "jaccard", "sensitivity", "specificity", "accuracy", "precision", "average_distance",
                        "hausdorff_distance", "hausdorff95_distance"})
    out.push_back(std::string("volume_") + m);
  return out;
}

void system_keys(Table& t) {
  t.add("cuda_devices", T::String, "", "GPUs to use, e.g. 0,1 (NiftyNet sets CUDA_VISIBLE_DEVICES from it)")
      .ignored("each rank uses the GPU of its local rank: choose GPUs with CUDA_VISIBLE_DEVICES or the scheduler");
  t.add("num_threads", T::Int, "2", "sampler threads of each rank").range(1, kIntMax);
  t.add("num_gpus", T::Int, "1", "GPUs to train on").ignored("one rank drives one GPU: start N ranks with mpirun/srun");
  t.add("model_dir", T::String, "",
        "where checkpoints, logs and the split file go; empty: <config dir>/model; relative to the config's directory");
  t.add("dataset_split_file", T::String, "./dataset_split.csv",
        "subject_id,phase rows assigning subjects to training/validation/inference; relative to model_dir");
  t.add("event_handler", T::StringList,
        "(model_saver, model_restorer, sampler_threading, apply_gradients, output_interpreter, console_logger, "
        "tensorboard_logger, performance_logger)",
        "handlers the engine runs: built-in names or /path/libname.so:ClassName");
  t.add("iteration_generator", T::String, "iteration_generator", "the class that yields the iterations")
      .unsupported("voxtrain has one iteration generator, NiftyNet's default");
}

void network_keys(Table& t) {
  t.add("name", T::String, "", "the network: toynet, unet, highres3dnet or one a plugin registers");
  t.add("activation_function", T::Choice, "relu", "activation after each convolution's normalisation")
      .choices(activation_names(), {"softsign", "dropout"});
  t.add("batch_size", T::Int, "2", "windows per batch on each rank (NiftyNet: per GPU)").range(1, kIntMax);
  t.add("smaller_final_batch_mode", T::Choice, "pad", "what to do with a last batch that is not full")
      .choices({"drop", "pad", "dynamic"})
      .ignored(
          "training batches run on across epochs and are always full; the last validation or inference "
          "batch runs short, as NiftyNet's 'dynamic'");
  t.add("decay", T::Float, "0.0", "regularisation strength added to every parameter's gradient");
  t.add("reg_type", T::Choice, "L2", "regularisation added to the gradients: decay * w (L2) or decay * sign(w) (L1)")
      .choices({"L2", "L1"});
  t.add("volume_padding_size", T::Spatial3, "(0, 0, 0)", "voxels padded on each side of every volume")
      .ignored(
          "volume padding is not implemented: windows lie inside the image (pad the images beforehand to "
          "sample or infer up to their edges)");
  t.add("volume_padding_mode", T::String, "minimum", "numpy.pad mode of volume padding")
      .ignored("volume padding is not implemented");
  t.add("volume_padding_to_size", T::Spatial3, "(0, 0, 0)", "pad volumes up to this size; 0: off")
      .ignored("volume padding is not implemented");
  t.add("window_sampling", T::Choice, "uniform", "how training windows are placed (docs/SAMPLING.md)")
      .choices({"uniform", "weighted", "balanced"}, {"resize", "patch"});
  t.add("force_output_identity_resizing", T::Bool, "False", "skip resizing outputs back (resize sampler)")
      .ignored("applies to window_sampling = resize only, which voxtrain does not have");
  t.add("queue_length", T::Int, "5", "batches each rank prepares ahead").range(1, kIntMax);
  t.add("multimod_foreground_type", T::Choice, "and", "how the channels' foreground masks combine")
      .choices({"and", "or", "multi"});
  t.add("histogram_ref_file", T::String, "./histogram_ref_file.txt",
        "histogram standardisation landmarks (trained when missing); relative to model_dir");
  t.add("norm_type", T::Choice, "percentile", "landmarks of histogram standardisation")
      .choices({"percentile", "quartile", "median"});
  t.add("cutoff", T::FloatList, "(0.01, 0.99)", "intensity fractions histogram standardisation maps");
  t.add("foreground_type", T::Choice, "otsu_plus", "foreground mask for normalise_foreground_only")
      .choices({"otsu_plus", "otsu_minus", "threshold_plus", "threshold_minus", "mean_plus"});
  t.add("normalisation", T::Bool, "False", "histogram standardisation of the image channels");
  t.add("rgb_normalisation", T::Bool, "False", "histogram normalisation of RGB images")
      .unsupported("it is for 2-D colour images; voxtrain reads NIfTI volumes");
  t.add("whitening", T::Bool, "False", "scale each channel to zero mean and unit variance");
  t.add("normalise_foreground_only", T::Bool, "False", "normalisation statistics over the foreground mask only");
  t.add("weight_initializer", T::Choice, "he_normal", "initial weights (seeded by [TRAINING] seed)")
      .choices({"he_normal", "glorot_uniform", "zeros"});
  t.add("bias_initializer", T::String, "zeros", "initial biases").unsupported("biases always start at zero");
  t.add("keep_prob", T::Float, "1.0", "dropout keep probability").unsupported("voxtrain's networks have no dropout");
  t.add("weight_initializer_args", T::StringList, "()", "YAML arguments of the weight initialiser")
      .unsupported("the initialisers take no arguments");
  t.add("bias_initializer_args", T::StringList, "()", "YAML arguments of the bias initialiser")
      .unsupported("the initialisers take no arguments");
  // voxtrain's own.
  t.add("feature_normalization", T::Choice, "batch",
        "normalisation layer after each convolution (NiftyNet's ConvolutionalLayer argument)")
      .choices({"batch", "instance", "group"})
      .own();
  t.add("group_size", T::Int, "32", "group norm: the number of groups, capped at a layer's channels")
      .range(1, kIntMax)
      .own();
  t.add("base_channels", T::Int, "16", "unet: channels of the first level, doubling per level").range(1, kIntMax).own();
  t.add("depth", T::Int, "4", "unet: levels (depth - 1 poolings)").range(1, kIntMax).own();
  t.add("percentile_clipping", T::Bool, "False", "clip each channel to clipping_percentiles before normalising").own();
  t.add("clipping_percentiles", T::FloatList, "(0.5, 99.5)", "the two clipping percentiles, in percent").own();
  t.add("clipping_rescale", T::Choice, "none",
        "what clipped intensities are rescaled to: as they are, [0, 1] or [-1, 1]")
      .choices({"none", "zero_one", "minus_one_one"})
      .own();
}

void training_keys(Table& t) {
  t.add("optimiser", T::Choice, "adam", "the optimiser (docs/OPTIMIZERS.md)").choices(optimizer_names());
  t.add("sample_per_volume", T::Int, "1", "windows drawn from a volume each time it is visited").range(1, kIntMax);
  t.add("rotation_angle", T::FloatList, "()", "rotation range in degrees about each axis, e.g. (-10, 10)");
  t.add("rotation_angle_x", T::FloatList, "()", "rotation range about the x (i) axis, without rotation_angle");
  t.add("rotation_angle_y", T::FloatList, "()", "rotation range about the y (j) axis");
  t.add("rotation_angle_z", T::FloatList, "()", "rotation range about the z (k) axis");
  t.add("scaling_percentage", T::FloatList, "()", "zoom range in percent, e.g. (-10, 10)");
  t.add("isotropic_scaling", T::Bool, "False", "one zoom for all axes");
  t.add("antialiasing", T::Bool, "True", "Gaussian smoothing before a zoom shrinks the image")
      .ignored("scaling resamples without pre-smoothing, whatever this says");
  t.add("bias_field_range", T::FloatList, "()", "range of the random bias field's polynomial coefficients");
  t.add("bf_order", T::Int, "3", "order of the bias field polynomial");
  t.add("random_flipping_axes", T::IntList, "(-1)", "axes flipped at random (0, 1, 2); -1: none");
  t.add("do_elastic_deformation", T::Bool, "False", "random B-spline elastic deformation");
  t.add("num_ctrl_points", T::Int, "4", "elastic deformation: control points per axis");
  t.add("deformation_sigma", T::Float, "15.0", "elastic deformation: displacement standard deviation (voxels)");
  t.add("proportion_to_deform", T::Float, "0.5", "elastic deformation: fraction of windows deformed");
  t.add("lr", T::Float, "0.01", "the learning rate (the base rate of lr_schedule)");
  t.add("loss_type", T::Choice, "Dice", "the segmentation loss (docs/LOSSES.md)").choices(loss_names());
  t.add("starting_iter", T::Int, "0", "iteration to resume from; -1: the latest checkpoint");
  t.add("save_every_n", T::Int, "500", "checkpoint every n iterations");
  t.add("tensorboard_every_n", T::Int, "20", "TensorBoard summaries every n iterations");
  t.add("max_iter", T::Int, "10000", "the last training iteration");
  t.add("max_checkpoints", T::Int, "100", "checkpoints kept (older ones are deleted)");
  t.add("validation_every_n", T::Int, "-1", "validate every n iterations; <= 0: never");
  t.add("validation_max_iter", T::Int, "1", "validation iterations per validation round");
  t.add("exclude_fraction_for_validation", T::Float, "0.0", "fraction of subjects a new split puts in validation");
  t.add("exclude_fraction_for_inference", T::Float, "0.0", "fraction of subjects a new split puts in inference");
  t.add("vars_to_restore", T::String, "",
        "regex (searched in each name) of the variables restored from the starting checkpoint; '' = all");
  t.add("vars_to_freeze", T::String, "",
        "regex of the parameters the optimizer leaves fixed; '' = those of vars_to_restore, as NiftyNet");
  t.add("patience", T::Int, "100", "early stopping: validation rounds to wait");
  t.add("early_stopping_mode", T::Choice, "mean", "early stopping: how the validation losses are judged")
      .choices({"mean", "robust_mean", "median", "generalisation_loss", "median_smoothing", "validation_up"});
  // voxtrain's own: the optimisers' and schedules' settings (nn/optimizer.hpp, nn/lr_schedule.hpp).
  t.add("momentum", T::Float, "0.9", "sgd, momentum, nesterov: the momentum coefficient").own();
  t.add("nesterov", T::Bool, "False", "sgd, momentum: Nesterov's look-ahead").own();
  t.add("beta1", T::Float, "0.9", "adam, adamw: first-moment decay").own();
  t.add("beta2", T::Float, "0.999", "adam, adamw: second-moment decay").own();
  t.add("epsilon", T::Float, "1e-08", "adam, adamw: added to sqrt(v)").own();
  t.add("rho", T::Float, "0.9", "rmsprop: decay of the mean square").own();
  t.add("rmsprop_momentum", T::Float, "0.0", "rmsprop: its momentum term").own();
  t.add("rmsprop_epsilon", T::Float, "1e-10", "rmsprop: added inside the square root").own();
  t.add("initial_accumulator", T::Float, "0.1", "adagrad: the accumulator's start value").own();
  t.add("weight_decay", T::Float, "0.0", "adamw: decoupled weight decay").own();
  t.add("clip_global_norm", T::Float, "0.0", "clip gradients to this global L2 norm; 0: off").own();
  t.add("lr_schedule", T::Choice, "constant", "the learning-rate schedule (docs/OPTIMIZERS.md)")
      .choices(lr_schedule_names())
      .own();
  t.add("lr_step_size", T::Int, "1000", "step schedule: iterations per step").own();
  t.add("lr_gamma", T::Float, "0.1", "step schedule: factor per step").own();
  t.add("end_lr", T::Float, "0.0", "polynomial schedule: the final rate").own();
  t.add("lr_power", T::Float, "1.0", "polynomial schedule: the exponent").own();
  t.add("warmup_iters", T::Int, "0", "cosine schedule: linear warm-up iterations").own();
  t.add("warmup_start_lr", T::Float, "0.0", "cosine schedule: the rate of the first iteration").own();
  t.add("min_lr", T::Float, "0.0", "cosine schedule: the final rate").own();
  t.add("nonfinite", T::Choice, "stop",
        "a non-finite loss or gradient: stop (end the run with an error) or skip (drop that update)")
      .choices({"stop", "skip"})
      .own();
  t.add("seed", T::Int, "0", "seed of every random draw (windows, augmentation, initial weights)").own();
  t.add("restore_scopes", T::StringList, "()",
        "training from scratch: SCOPE=CHECKPOINT items (e.g. unet.enc0=pre/model.ckpt-500.h5) seeding the "
        "variables under SCOPE from that file (NiftyNet's restorable scopes)")
      .own();
  t.add("volume_validation_every_n", T::Int, "-1",
        "segment the validation subjects whole every n iterations and log volume-level metrics (volume_dice, "
        "...); <= 0: never")
      .own();
  t.add("best_metric", T::Choice, "",
        "volume-level validation metric whose best value keeps models/best/; needs volume_validation_every_n")
      .choices(best_metric_choices())
      .own();
}

void inference_keys(Table& t) {
  t.add("spatial_window_size", T::AtLeast3d, "(0, 1, 1)", "inference window; (0, 1, 1), i.e. (): the input sections'");
  t.add("inference_iter", T::Int, "-1", "checkpoint to infer with; -1: the latest");
  t.add("use_best_checkpoint", T::Bool, "False",
        "infer with the best checkpoint ([TRAINING] best_metric) instead of inference_iter")
      .own();
  t.add("dataset_to_infer", T::Choice, "", "subjects to infer; empty: the inference subset (all without a split)")
      .choices({"", "training", "validation", "inference", "all"});
  t.add("save_seg_dir", T::String, "./output", "where outputs go; relative to model_dir");
  t.add("output_postfix", T::String, "_niftynet_out", "end of each output file name");
  t.add("output_interp_order", T::Int, "0", "interpolation of outputs back onto the input's grid").range(0, 3);
  t.add("border", T::Spatial3, "(0, 0, 0)", "voxels cropped off each face of every output window");
  t.add("fill_constant", T::Float, "0.0", "value of the voxels no cropped window covers");
}

void evaluation_keys(Table& t) {
  t.add("evaluations", T::StringList, "()", "metrics to compute, e.g. dice, jaccard (docs/EVALUATION.md)");
  t.add("save_csv_dir", T::String, "./evaluation", "where the metrics CSV goes; relative to model_dir");
}

void segmentation_keys(Table& t) {
  const std::string selective = "NiftyNet's segmentation application does not use it either (selective sampler only)";
  t.add("num_classes", T::Int, "-1", "segmentation classes, background included");
  t.add("output_prob", T::Bool, "False", "inference writes class probabilities instead of labels");
  t.add("label_normalisation", T::Bool, "False", "map the label values found in the data to 0 .. num_classes-1");
  t.add("softmax", T::Bool, "True", "the loss applies softmax to the network output");
  t.add("min_sampling_ratio", T::Float, "0.0", "selective sampler: minimum label ratio").ignored(selective);
  t.add("compulsory_labels", T::IntList, "(0, 1)", "selective sampler: labels each window holds").ignored(selective);
  t.add("rand_samples", T::Int, "0", "selective sampler: windows drawn at random").ignored(selective);
  t.add("min_numb_labels", T::Int, "1", "selective sampler: labels each window holds at least").ignored(selective);
  t.add("proba_connect", T::Bool, "True", "selective sampler: connected-component probabilities").ignored(selective);
  t.add("evaluation_units", T::Choice, "foreground", "evaluate the foreground (labels > 0) or each label")
      .choices({"foreground", "label"}, {"cc"});
  t.add("do_mixup", T::Bool, "False", "mixup augmentation").unsupported("mixup is not implemented");
  t.add("mixup_alpha", T::Float, "0.2", "mixup: Beta distribution parameter").ignored("used only with do_mixup");
  t.add("mix_match", T::Bool, "False", "mixup: mix matching windows").ignored("used only with do_mixup");
  t.add("image", T::StringList, "()", "input sections stacked as the image channels, e.g. T1, T2");
  t.add("label", T::StringList, "()", "the input section of the labels");
  t.add("weight", T::StringList, "()", "the input section of the loss weight map");
  t.add("sampler", T::StringList, "()", "the input section of the sampling map (weighted, balanced)");
  t.add("inferred", T::StringList, "()", "the input section of segmentations to evaluate")
      .ignored("voxtrain evaluate takes the segmentations with --seg");
  t.add("value", T::StringList, "()", "an input section of values")
      .ignored("the segmentation application has no such input");
}

void input_keys(Table& t) {
  t.add("csv_file", T::String, "", "csv of subject_id,path rows; replaces path_to_search when the file exists");
  t.add("csv_data_file", T::String, "", "csv of patch coordinates or features")
      .unsupported("voxtrain does not read csv data files");
  t.add("to_ohe", T::Bool, "False", "one-hot encode csv_data_file values").ignored("applies to csv_data_file only");
  t.add("path_to_search", T::String, "", "directories to search, comma-separated; relative to the config's directory");
  t.add("filename_contains", T::StringList, "()", "keywords every file name holds");
  t.add("filename_not_contains", T::StringList, "()", "keywords no file name holds");
  t.add("filename_removefromid", T::String, "", "regex removed from file names to form subject ids");
  t.add("interp_order", T::Int, "1", "resampling: 0 nearest (labels), 1 linear, 2 or 3 (run as linear)").range(0, 3);
  t.add("loader", T::Choice, "", "image reader library; empty: try each")
      .choices({"", "nibabel", "opencv", "skimage", "pillow", "simpleitk", "dummy"})
      .ignored("voxtrain reads NIfTI files with nifticlib");
  t.add("pixdim", T::FloatList, "()", "voxel spacing to resample to, in mm; (): as read");
  t.add("axcodes", T::StringList, "()", "orientation to reorient to, e.g. (R, A, S); (): as read");
  t.add("spatial_window_size", T::AtLeast3d, "(0, 1, 1)", "training window of this input; (): unset");
}

std::vector<ConfigKey> build_keys() {
  std::vector<ConfigKey> keys;
  const auto take = [&](const std::string& section, void (*fill)(Table&)) {
    Table t{.section = section, .rows = {}};
    fill(t);
    for (Row& r : t.rows) keys.push_back(std::move(r.k));
  };
  take("SYSTEM", system_keys);
  take("NETWORK", network_keys);
  take("TRAINING", training_keys);
  take("INFERENCE", inference_keys);
  take("EVALUATION", evaluation_keys);
  take("SEGMENTATION", segmentation_keys);
  take("", input_keys);
  // Every default must parse as its type and already be canonical.
  for (const ConfigKey& k : keys) {
    const std::string where = fmt::format("config schema [{}] {}", k.section, k.name);
    const std::string canonical = canonical_config_text(k, parse_config_value(k, k.default_text, where));
    if (canonical != k.default_text)
      throw InternalError(fmt::format("{}: default '{}' is not canonical ('{}')", where, k.default_text, canonical));
  }
  return keys;
}

// ---- value parsing --------------------------------------------------------------------------

std::string format_float(double x) {
  std::string s = fmt::format("{}", x);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // n: inf/nan never reach here
  return s;
}

std::string example_of(const ConfigKey& k) {
  switch (k.type) {
    case T::IntList:
      return k.default_text != "()" ? k.default_text : "(0, 1)";
    case T::FloatList:
      return k.default_text != "()" ? k.default_text : "(-10.0, 10.0)";
    case T::StringList:
      return k.default_text != "()" ? k.default_text : "(a, b)";
    case T::Spatial3:
      return "21 or (32, 32, 32)";
    case T::AtLeast3d:
      return "(32, 32, 32)";
    default:
      return k.default_text;
  }
}

std::string quoted_choices(const std::vector<std::string>& words) {
  std::vector<std::string> shown;
  for (const std::string& w : words) shown.push_back(w.empty() ? std::string("'' (empty)") : w);
  return join(shown);
}

[[noreturn]] void fail(std::string_view where, std::string_view expected) { throw error("{}: {}", where, expected); }

// A list's items, or nullopt when it is malformed (the caller says what a value should look like).
std::optional<std::vector<std::string>> split_list(std::string_view text) {
  ConfigList list = split_config_list(text);
  if (!list.problem.empty()) return std::nullopt;
  return std::move(list.items);
}

std::vector<std::int64_t> int_items(std::string_view text, std::string_view where, std::string_view expected) {
  const auto items = split_list(text);
  if (!items) fail(where, expected);
  std::vector<std::int64_t> out;
  for (const std::string& item : *items) {
    const auto n = parse_config_int(item);
    if (!n) fail(where, expected);
    out.push_back(*n);
  }
  return out;
}

}  // namespace

std::string_view config_type_name(ConfigType type) {
  switch (type) {
    case T::Bool:
      return "bool";
    case T::Int:
      return "int";
    case T::Float:
      return "float";
    case T::String:
      return "string";
    case T::Choice:
      return "choice";
    case T::IntList:
      return "int list";
    case T::FloatList:
      return "float list";
    case T::StringList:
      return "string list";
    case T::Spatial3:
      return "spatial3";
    case T::AtLeast3d:
      return "atleast3d";
  }
  return "?";
}

std::span<const std::string> config_sections() { return kSections; }

bool is_reserved_section(std::string_view name) {
  return std::find(kSections.begin(), kSections.end(), name) != kSections.end() ||
         is_unsupported_application_section(name);
}

bool is_unsupported_application_section(std::string_view name) {
  return std::find(kOtherApplications.begin(), kOtherApplications.end(), name) != kOtherApplications.end();
}

std::span<const ConfigKey> config_keys() {
  static const std::vector<ConfigKey> keys = build_keys();
  return keys;
}

const ConfigKey* find_config_key(std::string_view section, std::string_view key) {
  const std::string lower = to_lower(key);
  for (const ConfigKey& k : config_keys())
    if (k.section == section && k.name == lower) return &k;
  return nullptr;
}

std::vector<std::string> sections_with_key(std::string_view key) {
  std::vector<std::string> out;
  for (const std::string& s : kSections)
    if (find_config_key(s, key)) out.push_back(s);
  return out;
}

ConfigValue parse_config_value(const ConfigKey& k, std::string_view raw, std::string_view where) {
  const std::string_view text = trim_config_blanks(raw);
  switch (k.type) {
    case T::Bool: {
      const std::string word = to_lower(text);
      for (const char* yes : {"yes", "true", "t", "y", "1"})
        if (word == yes) return true;
      for (const char* no : {"no", "false", "f", "n", "0"})
        if (word == no) return false;
      fail(where, "expected a boolean (yes, true, t, y, 1 or no, false, f, n, 0)");
    }
    case T::Int: {
      const auto n = parse_config_int(text);
      if (k.int_range && (!n || *n < k.int_range->first || *n > k.int_range->second)) {
        if (k.int_range->second == kIntMax)
          fail(where, fmt::format("expected an integer of at least {} (e.g. {})", k.int_range->first, k.default_text));
        fail(where, fmt::format("expected an integer from {} to {} (e.g. {})", k.int_range->first, k.int_range->second,
                                k.default_text));
      }
      if (!n) fail(where, fmt::format("expected an integer (e.g. {})", k.default_text));
      return *n;
    }
    case T::Float: {
      const auto x = parse_config_float(text);
      if (!x) fail(where, fmt::format("expected a number (e.g. {})", k.default_text));
      return *x;
    }
    case T::String: {
      if (text == "\"\"" || text == "''") return std::string();
      return std::string(text);
    }
    case T::Choice: {
      const std::string word = (text == "\"\"" || text == "''") ? std::string() : to_lower(text);
      for (const std::string& c : k.choices)
        if (to_lower(c) == word) return c;
      for (const std::string& c : k.unimplemented_choices)
        if (to_lower(c) == word)
          fail(where, fmt::format("NiftyNet's '{}' is not implemented in voxtrain: use one of {}", c,
                                  quoted_choices(k.choices)));
      fail(where, fmt::format("expected one of {}{}", quoted_choices(k.choices),
                              word.empty() ? std::string() : did_you_mean(text, k.choices)));
    }
    case T::IntList:
      return int_items(text, where, fmt::format("expected a list of integers such as {}", example_of(k)));
    case T::FloatList: {
      const std::string expected = fmt::format("expected a list of numbers such as {}", example_of(k));
      const auto items = split_list(text);
      if (!items) fail(where, expected);
      std::vector<double> out;
      for (const std::string& item : *items) {
        const auto x = parse_config_float(item);
        if (!x) fail(where, expected);
        out.push_back(*x);
      }
      return out;
    }
    case T::StringList: {
      const auto items = split_list(text);
      if (!items)
        fail(where, fmt::format("expected a list such as {}: no empty elements, no nested brackets", example_of(k)));
      return *items;
    }
    case T::Spatial3: {
      std::vector<std::int64_t> v =
          int_items(text, where, fmt::format("expected 1 to 3 integers such as {}", example_of(k)));
      if (v.empty()) v.push_back(0);
      while (v.size() < 3) v.push_back(v.back());
      v.resize(3);  // NiftyNet keeps the first three
      return v;
    }
    case T::AtLeast3d: {
      const std::string expected = fmt::format("expected 1 to 3 integers such as {}", example_of(k));
      std::vector<std::int64_t> v = int_items(text, where, expected);
      if (v.size() > 3) fail(where, expected + " (voxtrain's windows are 3-D)");
      if (v.empty()) v.push_back(0);
      while (v.size() < 3) v.push_back(1);
      return v;
    }
  }
  throw InternalError("parse_config_value: unknown type");
}

std::string canonical_config_text(const ConfigKey& k, const ConfigValue& value) {
  const auto list = [](const auto& items, auto format) {
    std::string out = "(";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      out += format(items[i]);
    }
    return out + ")";
  };
  switch (k.type) {
    case T::Bool:
      return std::get<bool>(value) ? "True" : "False";
    case T::Int:
      return std::to_string(std::get<std::int64_t>(value));
    case T::Float:
      return format_float(std::get<double>(value));
    case T::String:
    case T::Choice:
      return std::get<std::string>(value);
    case T::IntList:
    case T::Spatial3:
    case T::AtLeast3d:
      return list(std::get<std::vector<std::int64_t>>(value), [](std::int64_t n) { return std::to_string(n); });
    case T::FloatList:
      return list(std::get<std::vector<double>>(value), format_float);
    case T::StringList:
      return list(std::get<std::vector<std::string>>(value), [](const std::string& s) { return s; });
  }
  throw InternalError("canonical_config_text: unknown type");
}

ConfigValue default_config_value(const ConfigKey& k) {
  return parse_config_value(k, k.default_text, fmt::format("config schema [{}] {}", k.section, k.name));
}

}  // namespace voxtrain
