// segmentation_application.cpp — the segmentation application: data set and split, trained
// preprocessing, samplers, network, loss, optimizer; training and validation steps with patch-level
// Dice; whole-volume inference written as NIfTI; checkpoint contents.
#include "voxtrain/apps/segmentation/segmentation_application.hpp"

#include "voxtrain/apps/segmentation/volume_validation.hpp"
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "voxtrain/backend/backend.hpp"
#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/core/build_info.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/data/inference/grid_inference.hpp"
#include "voxtrain/data/inputs/dataset_config.hpp"
#include "voxtrain/data/inputs/dataset_split.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/data/nifti/nifti_subject_source.hpp"
#include "voxtrain/data/nifti/volume_loader.hpp"
#include "voxtrain/data/preprocessing/label_mapping.hpp"
#include "voxtrain/data/preprocessing/normalisation.hpp"
#include "voxtrain/data/preprocessing/trained_preprocessing.hpp"
#include "voxtrain/data/sampling/training_batches.hpp"
#include "voxtrain/data/sampling/validation_batches.hpp"
#include "voxtrain/engine/collectors/gradients_collector.hpp"
#include "voxtrain/engine/collectors/outputs_collector.hpp"
#include "voxtrain/io/checkpoint/checkpoint.hpp"
#include "voxtrain/io/checkpoint/checkpoint_restore.hpp"
#include "voxtrain/io/config/run_config.hpp"
#include "voxtrain/metrics/metric_level.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"
#include "voxtrain/nn/train_step.hpp"

namespace voxtrain {
namespace fs = std::filesystem;

struct SegmentationApplication::State {
  EngineContext* context = nullptr;
  SegmentationSettings settings;
  PreprocessingSettings preprocessing;
  TrainedParts trained;
  std::vector<SubjectFiles> training, validation, inference;
  std::unique_ptr<Network> network;
  std::unique_ptr<Loss> loss;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LrSchedule> lr_schedule;
  std::unique_ptr<GradientReduction> reduction;
  std::unique_ptr<TrainStep> step;
  std::vector<Parameter*> trainable;
  std::unique_ptr<TrainingBatches> training_batches;
  std::unique_ptr<ValidationBatches> validation_batches;
  std::int64_t inferred = 0;  // subjects written by inference so far
};

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Foreground classes shown one by one on the console (more go to TensorBoard only).
constexpr std::size_t kConsoleClasses = 4;

bool dense_loss(const std::string& name) { return name.size() > 6 && name.ends_with("_Dense"); }

// Class indices [N, 1, ...] from logits [N, K, ...] (ties to the lowest class).
Tensor argmax_channels(const Tensor& logits) {
  const Shape& s = logits.shape();
  const std::int64_t n = s[0], k = s[1], voxels = logits.numel() / (n * k);
  std::vector<std::int64_t> dims(s.extents().begin(), s.extents().end());
  dims[1] = 1;
  Tensor out = Tensor::empty(Shape(dims), DType::Int32);
  const float* l = logits.data<float>();
  std::int32_t* o = out.data<std::int32_t>();
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t v = 0; v < voxels; ++v) {
      std::int32_t best = 0;
      for (std::int64_t c = 1; c < k; ++c)
        if (l[(b * k + c) * voxels + v] > l[(b * k + best) * voxels + v]) best = static_cast<std::int32_t>(c);
      o[b * voxels + v] = best;
    }
  return out;
}

// Dice of each foreground class 1..K-1 of a batch of patches (NaN where the class is absent from
// both prediction and label).
std::vector<double> patch_dice(const Tensor& logits, const Tensor& labels, int num_classes) {
  const auto counts = confusion_counts(argmax_channels(logits), labels, num_classes);
  std::vector<double> dice;
  for (int c = 1; c < num_classes; ++c) dice.push_back(segmentation_metric("dice", counts[static_cast<std::size_t>(c)], nullptr));
  return dice;
}

Tensor scalar(double value) {
  Tensor t = Tensor::empty({1});
  t.data<float>()[0] = static_cast<float>(value);
  return t;
}

std::vector<std::string> ids_of(const std::vector<SubjectFiles>& subjects) {
  std::vector<std::string> ids;
  for (const auto& s : subjects) ids.push_back(s.id);
  return ids;
}

// What reproduces a non-finite step: the iteration, what was non-finite, and each patch of the
// batch (subject id and window), written atomically to model_dir/nonfinite_iter_<N>.txt.
std::string write_nonfinite_report(const std::string& model_dir, std::int64_t iteration, const NonFinite& what,
                                   const PatchBatch& batch, const std::vector<SubjectFiles>& subjects) {
  std::string text = fmt::format("iteration = {}\nnonfinite = {}\nelement = {}\nvalue = {}\n", iteration, what.what,
                                 what.index, format_console_value(what.value));
  for (std::size_t i = 0; i < batch.locations.size(); ++i) {
    const PatchLocation& at = batch.locations[i];
    const auto subject = static_cast<std::size_t>(at.subject);
    const StreamItem item = i < batch.items.size() ? batch.items[i] : StreamItem{};
    text += fmt::format("patch {}: subject = {}, start = ({}, {}, {}), end = ({}, {}, {}), epoch = {}, slot = {}, "
                        "stream_position = {}\n",
                        i, subject < subjects.size() ? subjects[subject].id : std::to_string(at.subject), at.start[0],
                        at.start[1], at.start[2], at.end[0], at.end[1], at.end[2], item.epoch, item.slot, item.position);
  }
  const std::string path = fmt::format("{}/nonfinite_iter_{}.txt", model_dir, iteration);
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp);
    out << text;
    if (!out) throw error("cannot write {}: check that model_dir is writable", temp);
  }
  fs::rename(temp, path);
  return path;
}

// The middle slice (along the last axis) of channel `channel` of item 0 of a [N, C, D, H, W] tensor.
Tensor mid_slice(const Tensor& t, std::int64_t channel) {
  const Shape& s = t.shape();
  const std::int64_t d = s[2], h = s[3], w = s[4];
  Tensor out = Tensor::empty({d, h});
  const std::int64_t mid = w / 2;
  for (std::int64_t z = 0; z < d; ++z)
    for (std::int64_t y = 0; y < h; ++y) {
      const std::int64_t at = ((channel * d + z) * h + y) * w + mid;
      out.data<float>()[z * h + y] =
          t.dtype() == DType::Int32 ? static_cast<float>(t.data<std::int32_t>()[at]) : t.data<float>()[at];
    }
  return out;
}

// SUMMARY values for TensorBoard: weight and gradient histograms, mid-slices of input, label, prediction.
void add_summaries(OutputsCollector& outputs, Network& network, const PatchBatch& batch, const Tensor& logits) {
  for (Parameter* p : network.parameters()) {
    outputs.add("weights/" + p->name(), p->value(), false, Collection::Summary, SummaryType::Histogram);
    outputs.add("gradients/" + p->name(), p->grad(), false, Collection::Summary, SummaryType::Histogram);
  }
  outputs.add("image/input", mid_slice(batch.image, 0), false, Collection::Summary, SummaryType::Image3d);
  if (batch.label.defined())
    outputs.add("image/label", mid_slice(batch.label, 0), false, Collection::Summary, SummaryType::Image3d);
  if (logits.defined())
    outputs.add("image/prediction", mid_slice(argmax_channels(logits), 0), false, Collection::Summary, SummaryType::Image3d);
}

}  // namespace

SegmentationApplication::SegmentationApplication() : state_(std::make_unique<State>()) {}
SegmentationApplication::~SegmentationApplication() { stop_sampling(); }

const SegmentationSettings& SegmentationApplication::settings() const { return state_->settings; }

void SegmentationApplication::initialise(EngineContext& context) {
  State& s = *state_;
  s.context = &context;
  if (context.config == nullptr) throw InternalError("segmentation application without a config");
  const RunConfig& config = *context.config;
  const IniFile& ini = config.ini();
  const auto sections = input_sections(ini);
  const auto grouping = input_grouping(ini, sections);
  s.settings = segmentation_settings(config, static_cast<std::int64_t>(grouping.image.size()));
  s.preprocessing = preprocessing_settings_from_ini(ini, sections, grouping);
  const std::vector<SubjectFiles> all = discover_subjects(sections, grouping);
  const bool training = context.action == Action::Train;

  const std::string split_path = dataset_split_path(ini);
  std::optional<DatasetSplit> split;
  if (training) {
    split = load_or_create_split(split_path, ids_of(all), split_fractions(ini), s.settings.seed).split;
  } else if (fs::exists(split_path)) {
    split = read_split(split_path);
    check_split_matches(*split, ids_of(all), split_path);
  }
  if (split) {
    s.training = subjects_in_phase(all, *split, Phase::Training);
    s.validation = subjects_in_phase(all, *split, Phase::Validation);
    s.inference = subjects_in_phase(all, *split, Phase::Inference);
  } else {
    s.inference = all;  // no split file: infer on every subject, as NiftyNet does
  }
  const std::string& to_infer = s.settings.dataset_to_infer;  // NiftyNet's [INFERENCE] dataset_to_infer
  if (!training && !to_infer.empty()) {
    if (to_infer == "all") s.inference = all;
    else if (to_infer == "training") s.inference = s.training;
    else if (to_infer == "validation") s.inference = s.validation;
    else if (to_infer != "inference")
      throw error("{}: dataset_to_infer = {} is not one of all, training, validation, inference",
                  config.where("INFERENCE", "dataset_to_infer"), to_infer);
  }
  if (training && config.get_int("TRAINING", "validation_every_n") > 0 && s.validation.empty())
    throw error("{}: validation_every_n > 0 but the split {} has no validation subjects: set "
                "exclude_fraction_for_validation (and delete the split file) or validation_every_n = -1",
                config.where("TRAINING", "validation_every_n"), split_path);
  if (training && s.settings.volume_validation_every_n > 0 && s.validation.empty())
    throw error("{}: volume_validation_every_n > 0 but the split {} has no validation subjects: set "
                "exclude_fraction_for_validation (and delete the split file) or volume_validation_every_n = -1",
                config.where("TRAINING", "volume_validation_every_n"), split_path);

  s.network = make_network(s.settings.network, s.settings.network_config);
  Backend& backend = cpu_backend();
  if (training) {
    if (s.training.empty()) throw error("{}: no training subjects: check the input sections and {}", ini.path(), split_path);
    if (grouping.label.empty())
      throw error("{}: training needs a label input: set [SEGMENTATION] label = <section>", ini.path());
    s.trained = load_or_train_preprocessing(s.preprocessing, s.training);
    s.loss = make_loss(s.settings.loss_type, s.settings.num_classes, s.settings.loss_options);
    s.optimizer = make_optimizer(s.settings.optimizer);
    s.lr_schedule = make_lr_schedule(s.settings.lr_schedule);
    std::vector<std::string> names;
    for (Parameter* p : s.network->parameters()) names.push_back(p->name());
    const std::vector<std::string> frozen = frozen_parameters(
        names, effective_vars_to_freeze(s.settings.vars_to_freeze, s.settings.vars_to_restore));
    for (Parameter* p : s.network->parameters())
      if (std::find(frozen.begin(), frozen.end(), p->name()) == frozen.end()) s.trainable.push_back(p);
    if (!frozen.empty()) log_info("{} of {} parameter tensors frozen (vars_to_freeze)", frozen.size(), s.network->parameters().size());
    if (context.communicator != nullptr && context.communicator->size() > 1)
      s.reduction = std::make_unique<GradientsCollector>(*context.communicator);
    else
      s.reduction = std::make_unique<LocalReduction>();
    s.step = std::make_unique<TrainStep>(backend, *s.network, *s.loss, *s.optimizer, *s.reduction, s.trainable);
  } else {
    if (s.inference.empty())
      throw error("{}: no subjects to infer: the split file {} has no inference subjects; set [INFERENCE] "
                  "dataset_to_infer = all (or validation, training)",
                  ini.path(), split_path);
    s.trained = read_trained_preprocessing(s.preprocessing);
  }
  log_info("segmentation: {} training, {} validation, {} inference subjects; network {} with {} parameters",
           s.training.size(), s.validation.size(), s.inference.size(), s.settings.network,
           s.network->parameter_count());
}

void SegmentationApplication::start_sampling() {
  State& s = *state_;
  if (s.context == nullptr || s.context->action != Action::Train || s.training_batches) return;
  auto source = std::make_shared<NiftiSubjectSource>(s.training, s.preprocessing, s.trained.landmarks, s.trained.labels);
  TrainingBatchSpec spec;
  spec.sampler = s.settings.sampler;
  spec.window = s.settings.window;
  spec.augmentation = s.settings.augmentation;
  spec.num_threads = s.settings.num_threads;
  spec.queue_length = s.settings.queue_length;
  spec.stream.n_subjects = static_cast<std::int64_t>(s.training.size());
  spec.stream.sample_per_volume = s.settings.sample_per_volume;
  spec.stream.seed = s.settings.seed;
  spec.stream.ranks = s.context->world_size;
  spec.stream.rank = s.context->rank;
  spec.stream.batch_size = s.settings.batch_size;
  // A resumed run continues the sample stream exactly where iteration initial_iter left it.
  spec.stream.start_position = s.context->initial_iter * s.context->world_size * s.settings.batch_size;
  s.training_batches = std::make_unique<TrainingBatches>(source, spec);
  if (!s.validation.empty()) {
    auto vsource = std::make_shared<NiftiSubjectSource>(s.validation, s.preprocessing, s.trained.landmarks, s.trained.labels);
    TrainingBatchSpec vspec = spec;
    vspec.augmentation = {};
    s.validation_batches = std::make_unique<ValidationBatches>(vsource, vspec);
  }
}

void SegmentationApplication::stop_sampling() {
  state_->training_batches.reset();
  state_->validation_batches.reset();
}

void SegmentationApplication::run_iteration(IterationMessage& m) {
  State& s = *state_;
  OutputsCollector* outputs = s.context->outputs;
  if (outputs) outputs->clear_values();
  if (m.is_inference()) {
    infer_one(m);
    return;
  }
  if (m.is_volume_validation()) {
    validate_volumes(m);
    return;
  }

  const bool training = m.is_training();
  const auto wait = Clock::now();
  PatchBatch batch = training ? s.training_batches->next() : s.validation_batches->next_cycling();
  m.timing.data_wait = seconds_since(wait);
  const Tensor labels = dense_loss(s.settings.loss_type) ? labels_to_one_hot(batch.label, s.settings.num_classes) : batch.label;
  const Tensor* weights = batch.weight.defined() ? &batch.weight : nullptr;
  double loss_value = 0;
  Tensor logits;
  if (training) {
    StepOptions options;
    options.learning_rate = s.lr_schedule->learning_rate(m.current_iter());
    options.apply_update = m.apply_gradients;
    options.keep_logits = true;
    const StepResult r = s.step->run(batch.image, labels, weights, options);
    m.timing.forward = r.timing.forward;
    m.timing.backward = r.timing.backward;
    m.timing.communication = r.timing.reduction_wait;
    m.timing.optimizer = r.timing.check + r.timing.optimizer;
    loss_value = r.loss;
    logits = r.logits;
    if (r.nonfinite) {
      const std::string file = write_nonfinite_report(s.context->model_dir, m.current_iter(), *r.nonfinite, batch, s.training);
      if (s.settings.nonfinite == NonfiniteMode::Stop) {
        log_error("iteration {}: non-finite {} ({}); stopping (the weights are those of iteration {}); what reproduces "
                  "it is in {}; set [TRAINING] nonfinite = skip to skip such batches",
                  m.current_iter(), r.nonfinite->what, format_console_value(r.nonfinite->value), m.current_iter() - 1,
                  file);
        m.completed = false;
        m.stop("non-finite " + r.nonfinite->what);
      } else {
        log_warning("iteration {}: non-finite {} ({}); batch skipped, no update; details in {}", m.current_iter(),
                    r.nonfinite->what, format_console_value(r.nonfinite->value), file);
      }
    }
  } else {
    const auto forward = Clock::now();
    const EvalResult r = evaluate_batch(cpu_backend(), *s.network, *s.loss, batch.image, labels, weights);
    m.timing.forward = seconds_since(forward);
    loss_value = r.loss;
    logits = r.logits;
  }
  const std::vector<double> dice = logits.defined() ? patch_dice(logits, batch.label, s.settings.num_classes)
                                                    : std::vector<double>{};
  if (outputs) {
    outputs->add("loss", scalar(loss_value), true, Collection::Console);
    outputs->add("loss", scalar(loss_value), true, Collection::Summary, SummaryType::Scalar);
    // The mean over the foreground classes present; per class on the console only for a few classes.
    const std::string patch_dice = patch_metric_name("dice");
    outputs->add(patch_dice, scalar(mean_skipping_nan(dice)), true, Collection::Console);
    outputs->add(patch_dice, scalar(mean_skipping_nan(dice)), true, Collection::Summary, SummaryType::Scalar);
    for (std::size_t c = 0; c < dice.size(); ++c) {
      const std::string name = fmt::format("{}_{}", patch_dice, c + 1);
      if (dice.size() <= kConsoleClasses) outputs->add(name, scalar(dice[c]), true, Collection::Console);
      outputs->add(name, scalar(dice[c]), true, Collection::Summary, SummaryType::Scalar);
    }
    if (m.collect_summaries && training) add_summaries(*outputs, *s.network, batch, logits);
    outputs->reduce(*s.context->communicator);
    for (const CollectedVariable& v : outputs->collected(Collection::Console))
      m.console.emplace_back(v.name, static_cast<double>(v.value.data<float>()[0]));
  } else {
    m.console.emplace_back("loss", loss_value);
    m.console.emplace_back(patch_metric_name("dice"), mean_skipping_nan(dice));
  }
}

SegmentedSubject SegmentationApplication::segment(const SubjectFiles& files, AggregatedOutput output,
                                                  bool keep_label) {
  State& s = *state_;
  SegmentedSubject out;
  const auto start = Clock::now();
  Subject subject = load_subject_files(files);
  if (keep_label && subject.label.defined()) {
    out.label = subject.label.clone();  // as read: the output comes back onto this grid
    normalise_subject_label(out.label, s.preprocessing.normalisation, s.trained.view().label_mapping,
                            s.settings.num_classes, files.id);
    out.spacing = subject.spacing;
  }
  out.grid = preprocess_subject(subject, s.preprocessing, s.trained.view());
  out.load_seconds = seconds_since(start);
  GridInferenceSpec spec;
  spec.window = s.settings.inference_window;
  spec.batch_size = s.settings.batch_size;
  spec.aggregation = s.settings.aggregation;
  spec.aggregation.output = output;
  spec.output_channels = s.settings.num_classes;
  Backend& backend = cpu_backend();
  const auto forward = Clock::now();
  out.output = infer_subject(subject, out.grid, [&](const Tensor& w) { return predict(backend, *s.network, w); }, spec);
  out.infer_seconds = seconds_since(forward);
  return out;
}

void SegmentationApplication::infer_one(IterationMessage& m) {
  State& s = *state_;
  const auto k = static_cast<std::size_t>(m.current_iter());
  if (k >= s.inference.size()) return;
  const SubjectFiles& files = s.inference[k];
  SegmentedSubject result = segment(files, s.settings.aggregation.output, false);
  m.timing.data_wait = result.load_seconds;
  m.timing.forward = result.infer_seconds;
  // label_normalisation: class indices back to the label values of the data set, as NiftyNet does.
  if (s.settings.aggregation.output == AggregatedOutput::Argmax && s.trained.labels)
    map_labels_backward(result.output, *s.trained.labels, files.id);
  const std::string path =
      write_subject_output(s.settings.save_seg_dir, files.id, result.output, result.grid, s.settings.output_postfix);
  log_info("inference {}/{}: {} -> {}", k + 1, s.inference.size(), files.id, path);
  s.inferred = static_cast<std::int64_t>(k) + 1;
}

// Each validation subject of this rank segmented whole and compared with its label on the grid
// it was read on; the means over every rank's subjects go to the console and TensorBoard as
// volume_<metric> (mean over the foreground classes) and volume_<metric>_<class>.
void SegmentationApplication::validate_volumes(IterationMessage& m) {
  State& s = *state_;
  Communicator& communicator = *s.context->communicator;
  VolumeMetricAccumulator accumulator(s.settings.volume_metrics, s.settings.num_classes);
  for (const std::size_t k : subjects_of_rank(s.validation.size(), communicator.rank(), communicator.size())) {
    const SegmentedSubject result = segment(s.validation[k], AggregatedOutput::Argmax, true);
    m.timing.data_wait += result.load_seconds;
    m.timing.forward += result.infer_seconds;
    accumulator.add(result.output, result.label, result.spacing);
  }
  const auto reduce = Clock::now();
  const VolumeMetricTable table = accumulator.reduce(communicator);
  m.timing.communication = seconds_since(reduce);
  // Every rank holds the same means: averaging them over the ranks changes nothing.
  OutputsCollector* outputs = s.context->outputs;
  const auto report = [&](const std::string& name, double value, bool console) {
    if (!outputs) {
      if (console) m.console.emplace_back(name, value);
      return;
    }
    if (console) outputs->add(name, scalar(value), true, Collection::Console);
    outputs->add(name, scalar(value), true, Collection::Summary, SummaryType::Scalar);
  };
  for (std::size_t i = 0; i < table.metrics.size(); ++i) {
    const std::string name = volume_metric_name(table.metrics[i]);
    report(name, table.foreground_mean(i), true);
    const bool per_class_on_console = i == 0 && static_cast<std::size_t>(table.num_classes - 1) <= kConsoleClasses;
    for (int c = 1; c < table.num_classes; ++c)
      report(fmt::format("{}_{}", name, c), table.mean(i, c), per_class_on_console);
  }
  if (outputs) {
    outputs->reduce(communicator);
    for (const CollectedVariable& v : outputs->collected(Collection::Console))
      m.console.emplace_back(v.name, static_cast<double>(v.value.data<float>()[0]));
  }
}

bool SegmentationApplication::interpret_output(IterationMessage& m) {
  if (!m.is_inference()) return true;
  return state_->inferred < static_cast<std::int64_t>(state_->inference.size());
}

void SegmentationApplication::save_checkpoint(CheckpointData& data) {
  State& s = *state_;
  for (Parameter* p : s.network->parameters()) data.params[p->name()] = p->value();
  for (const auto& [name, tensor] : s.network->buffers()) data.buffers[name] = *tensor;
  if (s.optimizer) data.optimizer = s.optimizer->state();
  data.network = s.settings.network;
  data.counters["seed"] = static_cast<std::int64_t>(s.settings.seed);
  data.counters["batch_size"] = s.settings.batch_size;
  data.counters["stream_position"] = data.iteration * s.context->world_size * s.settings.batch_size;
}

void SegmentationApplication::restore_checkpoint(const CheckpointData& data, const std::string& path) {
  State& s = *state_;
  RestoreOptions options;
  const bool fine_tuning = s.context->action == Action::Train && !s.settings.vars_to_restore.empty();
  if (fine_tuning) {
    options.vars_to_restore = s.settings.vars_to_restore;
    options.scopes = s.settings.restore_scopes;  // they fill in what vars_to_restore leaves out
  }
  const RestoreReport report = restore_network(network_tensors(*s.network, s.settings.network), &data, path, options);
  log_info("{} (iteration {})", report.summary(), data.iteration);
  if (s.optimizer && !fine_tuning && !data.optimizer.empty()) s.optimizer->load_state(data.optimizer);
}

void SegmentationApplication::start_without_checkpoint() {
  State& s = *state_;
  if (s.context->action != Action::Train || s.settings.restore_scopes.empty()) return;
  RestoreOptions options;
  options.scopes = s.settings.restore_scopes;
  const RestoreReport report = restore_network(network_tensors(*s.network, s.settings.network), nullptr, "", options);
  log_info("restore_scopes: {}", report.summary());
}

void register_segmentation_application() {
  register_application("SEGMENTATION", [] { return std::make_unique<SegmentationApplication>(); });
}

}  // namespace voxtrain
