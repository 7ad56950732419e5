// convert_command.cpp — `voxdata convert`: discover subjects, train or read the histogram
// landmarks and label mapping, preprocess every subject once and write an HDF5 patch store.
#include "voxtrain/data/convert_command.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "voxtrain/core/command_line.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/progress_bar.hpp"
#include "voxtrain/data/dataset_split.hpp"
#include "voxtrain/data/input_discovery.hpp"
#include "voxtrain/data/patch_store.hpp"
#include "voxtrain/data/split_command.hpp"
#include "voxtrain/data/volume_loader.hpp"
#include "voxtrain/io/ini_file.hpp"

namespace voxtrain {
namespace fs = std::filesystem;
namespace {

// The subjects `phase` names in the config's split file (all subjects for "all").
std::vector<SubjectFiles> subjects_of_phase(const IniFile& ini, const std::vector<SubjectFiles>& all,
                                            const std::string& phase_text) {
  if (phase_text == "all") return all;
  const std::optional<Phase> phase = parse_phase(phase_text);
  if (!phase) throw error("convert: --phase '{}' is not a phase: use all, training, validation or inference", phase_text);
  const std::string path = dataset_split_path(ini);
  if (!fs::exists(path))
    throw error("convert: --phase {} needs the split file {}, which does not exist; run 'voxdata split -c {}' first",
                phase_text, path, ini.path());
  const DatasetSplit split = read_split(path);
  std::vector<std::string> ids;
  for (const auto& s : all) ids.push_back(s.id);
  check_split_matches(split, ids, path);
  return subjects_in_phase(all, split, *phase);
}

// The subjects histogram and label training see: the split's training subjects when a split file
// exists, else every subject (as NiftyNet with no split).
std::vector<SubjectFiles> training_subjects(const IniFile& ini, const std::vector<SubjectFiles>& all) {
  const std::string path = dataset_split_path(ini);
  if (!fs::exists(path)) return all;
  return subjects_of_phase(ini, all, "training");
}

HistogramLandmarks landmarks_for(const IniFile& ini, const std::vector<SubjectFiles>& all,
                                 const PreprocessingSettings& settings, ConvertSummary& summary,
                                 const ConvertProgress& stage, const std::function<void(const std::string&)>& advance) {
  const std::string& ref = settings.normalisation.histogram_ref_file;
  if (fs::exists(ref)) return read_landmarks_file(ref, settings.modalities);
  const auto subjects = training_subjects(ini, all);
  if (stage) stage("histogram", static_cast<std::int64_t>(subjects.size()));
  std::map<std::string, std::vector<Landmarks>> per_modality;
  for (const SubjectFiles& files : subjects) {
    Subject s = load_subject_files(files);
    preprocess_subject_grid(s, settings.spatial);
    const TrainingImage image{files.id, &s.image};
    for (const auto& [modality, l] : training_image_landmarks(image, settings.modalities, settings.normalisation))
      per_modality[modality].push_back(l);
    if (advance) advance(files.id);
  }
  HistogramLandmarks landmarks = average_landmarks(per_modality, settings.modalities);
  fs::create_directories(fs::path(ref).parent_path());
  write_landmarks_file(ref, landmarks);
  summary.trained_landmarks = ref;
  return landmarks;
}

LabelMapping label_mapping_for(const IniFile& ini, const std::vector<SubjectFiles>& all,
                               const PreprocessingSettings& settings, ConvertSummary& summary,
                               const ConvertProgress& stage, const std::function<void(const std::string&)>& advance) {
  const std::string& ref = settings.normalisation.histogram_ref_file;
  const auto keys = label_mapping_keys(settings.label_section);
  if (fs::exists(ref)) {
    for (const auto& line : read_reference_file(ref))
      if (line.name == keys.first) return read_label_mapping(ref, settings.label_section);
  }
  const auto subjects = training_subjects(ini, all);
  if (stage) stage("labels", static_cast<std::int64_t>(subjects.size()));
  std::set<std::int32_t> values;
  for (const SubjectFiles& files : subjects) {
    Subject s = load_subject_files(files);
    preprocess_subject_grid(s, settings.spatial);
    const LabelSubject one{files.id, &s.label};
    for (std::int32_t v : train_label_mapping({one}, 0).from) values.insert(v);
    if (advance) advance(files.id);
  }
  // Train on one synthetic map holding every value seen: the mapping of their union.
  Tensor all_values = Tensor::empty({1, 1, 1, static_cast<std::int64_t>(values.size())}, DType::Int32);
  std::copy(values.begin(), values.end(), all_values.data<std::int32_t>());
  LabelMapping mapping = train_label_mapping({LabelSubject{"training subjects", &all_values}}, settings.num_classes);
  fs::create_directories(fs::path(ref).parent_path());
  write_label_mapping(ref, mapping, settings.label_section);
  summary.trained_labels = ref;
  return mapping;
}

}  // namespace

std::string convert_usage() {
  return "Usage: voxdata convert -c CONFIG --out STORE.h5 [--phase all|training|validation|inference]\n"
         "                       [--compression none|gzip|gzip-1..9]\n"
         "       voxdata convert --images DIR[,DIR...] --image-contains T1[,T2...] [--label-contains Label]\n"
         "                       [--set key=value ...] --out STORE.h5 [--compression ...]\n"
         "\n"
         "Preprocesses a data set once and writes it to an HDF5 patch store (docs/DATA_FORMAT.md): each\n"
         "subject's image channels, label, weight and sampling maps are read from NIfTI, reoriented to the\n"
         "input sections' axcodes, resampled to their pixdim and normalised with the [NETWORK] settings\n"
         "(whitening, histogram standardisation, percentile clipping; label_normalisation). Histogram\n"
         "landmarks and the label mapping are trained on the split file's training subjects (all subjects\n"
         "when there is no split file) and written to histogram_ref_file, or read from it when it exists.\n"
         "The store records these settings; training refuses a store whose settings differ from its config.\n"
         "\n"
         "Options:\n"
         "  -c, --config FILE          a NiftyNet-style config (.ini): its input sections and [NETWORK] keys\n"
         "  --out FILE                 the store to write (replaced atomically when it exists)\n"
         "  --phase P                  which subjects: all (default), or training, validation, inference\n"
         "                             from the config's dataset split file\n"
         "  --compression C            none (default: fastest patch reads), gzip (level 4) or gzip-1..gzip-9\n"
         "  --images DIR[,DIR...]      without a config: directories holding the .nii/.nii.gz files\n"
         "  --image-contains K[,K...]  without a config: one image channel per file-name keyword\n"
         "  --label-contains K         without a config: the keyword of the label files\n"
         "  --set KEY=VALUE            without a config: a [NETWORK] setting, e.g. --set whitening=True\n"
         "  -h, --help                 show this help\n";
}

ConvertOptions parse_convert_args(const std::vector<std::string>& args) {
  static const CommandFlags command{"voxdata",
                                    "convert",
                                    {{"--config", "CONFIG", "-c"},
                                     {"--images", "DIR"},
                                     {"--image-contains", "K"},
                                     {"--label-contains", "K"},
                                     {"--set", "KEY=VALUE"},
                                     {"--out", "STORE.h5"},
                                     {"--phase", "P"},
                                     {"--compression", "C"}}};
  const ParsedArgs parsed = parse_flags(command, args);
  ConvertOptions o;
  o.help = parsed.help;
  if (o.help) return o;
  for (const auto& [flag, value] : parsed.flags) {
    if (flag == "--config") o.config = value;
    else if (flag == "--images") o.images = comma_separated("convert", flag, value);
    else if (flag == "--image-contains") o.image_contains = comma_separated("convert", flag, value);
    else if (flag == "--label-contains") o.label_contains = value;
    else if (flag == "--set") {
      if (value.find('=') == std::string::npos || value.front() == '=')
        throw error("convert: --set '{}' is not KEY=VALUE, e.g. --set whitening=True", value);
      o.extra_network.push_back(value);
    } else if (flag == "--out") o.out = value;
    else if (flag == "--phase") o.phase = value;
    else o.compression = value;
  }
  const bool explicit_form = !o.images.empty() || !o.image_contains.empty() || !o.label_contains.empty();
  if (!o.config.empty() && explicit_form)
    throw error("convert: give either -c CONFIG or --images/--image-contains/--label-contains, not both");
  if (o.config.empty() && !explicit_form)
    throw error("convert: say what to convert: -c CONFIG, or --images DIR --image-contains T1[,T2...]");
  if (explicit_form && (o.images.empty() || o.image_contains.empty()))
    throw error("convert: the form without a config needs both --images DIR and --image-contains KEYWORDS");
  if (!o.extra_network.empty() && !explicit_form)
    throw error("convert: --set is for the form without a config; put the setting in the config's [NETWORK] section");
  if (o.out.empty()) throw error("convert: --out STORE.h5 is missing: say where to write the store");
  parse_compression(o.compression, "--compression");
  return o;
}

IniFile explicit_convert_config(const ConvertOptions& o) {
  std::string text;
  auto section = [&](const std::string& keyword) {
    text += fmt::format("[{}]\npath_to_search = {}\nfilename_contains = {}\n", keyword, fmt::join(o.images, ", "), keyword);
  };
  for (const auto& k : o.image_contains) section(k);
  if (!o.label_contains.empty()) {
    section(o.label_contains);
    text += "interp_order = 0\n";
  }
  const std::string out_dir = fs::absolute(o.out).parent_path().string();
  text += fmt::format("[SYSTEM]\nmodel_dir = {}\n[NETWORK]\n", out_dir);
  for (const auto& kv : o.extra_network) {
    const auto eq = kv.find('=');
    text += fmt::format("{} = {}\n", kv.substr(0, eq), kv.substr(eq + 1));
  }
  text += fmt::format("[SEGMENTATION]\nimage = {}\n", fmt::join(o.image_contains, ", "));
  if (!o.label_contains.empty()) text += fmt::format("label = {}\n", o.label_contains);
  return IniFile::parse(text, "(command line)");
}

ConvertSummary run_convert(const ConvertOptions& o, const std::function<void(const std::string&)>& advance,
                           const ConvertProgress& stage) {
  const IniFile ini = o.config.empty() ? explicit_convert_config(o) : IniFile::read(o.config);
  const auto sections = input_sections(ini);
  const auto grouping = input_grouping(ini, sections);
  const PreprocessingSettings settings = preprocessing_settings_from_ini(ini, sections, grouping);
  const std::vector<SubjectFiles> all = discover_subjects(sections, grouping);
  const std::vector<SubjectFiles> chosen = subjects_of_phase(ini, all, o.phase);
  if (chosen.empty())
    throw error("convert: the phase '{}' of {} has no subjects; check the split file or use --phase all", o.phase,
                ini.path());

  ConvertSummary summary;
  std::optional<HistogramLandmarks> landmarks;
  std::optional<LabelMapping> labels;
  if (settings.normalisation.normalisation) landmarks = landmarks_for(ini, all, settings, summary, stage, advance);
  if (settings.normalisation.label_normalisation) {
    if (settings.label_section.empty())
      throw error("{}: label_normalisation = True but no label input is grouped; set [SEGMENTATION] label", ini.path());
    labels = label_mapping_for(ini, all, settings, summary, stage, advance);
  }
  const TrainedPreprocessing trained{landmarks ? &*landmarks : nullptr, labels ? &*labels : nullptr};

  PatchStoreOptions store_options;
  store_options.gzip_level = parse_compression(o.compression, "--compression");
  PatchStoreWriter writer(o.out, PreprocessingFingerprint{preprocessing_fingerprint(settings, trained)}, store_options);
  if (stage) stage("convert", static_cast<std::int64_t>(chosen.size()));
  for (const SubjectFiles& files : chosen) {
    Subject s = load_subject_files(files);
    preprocess_subject(s, settings, trained);
    writer.add_subject(s);
    if (advance) advance(files.id);
  }
  writer.commit();
  summary.subjects = static_cast<std::int64_t>(chosen.size());
  return summary;
}

std::map<std::string, std::string> config_store_fingerprint(const IniFile& ini) {
  const auto sections = input_sections(ini);
  const auto grouping = input_grouping(ini, sections);
  const PreprocessingSettings settings = preprocessing_settings_from_ini(ini, sections, grouping);
  std::optional<HistogramLandmarks> landmarks;
  std::optional<LabelMapping> labels;
  if (settings.normalisation.normalisation)
    landmarks = read_landmarks_file(settings.normalisation.histogram_ref_file, settings.modalities);
  if (settings.normalisation.label_normalisation)
    labels = read_label_mapping(settings.normalisation.histogram_ref_file, settings.label_section);
  return preprocessing_fingerprint(settings, {landmarks ? &*landmarks : nullptr, labels ? &*labels : nullptr});
}

void check_store_against_config(const std::string& store, const IniFile& ini) {
  check_fingerprint(PatchStoreReader(store), PreprocessingFingerprint{config_store_fingerprint(ini)});
}

int run_convert_command(const std::vector<std::string>& args) {
  const ConvertOptions o = parse_convert_args(args);
  if (o.help) {
    std::fputs(convert_usage().c_str(), stdout);
    return 0;
  }
  std::unique_ptr<ProgressBar> bar;
  const ConvertSummary s = run_convert(
      o, [&](const std::string& id) { if (bar) bar->advance(id); },
      [&](const std::string& stage, std::int64_t total) {
        bar.reset();
        bar = std::make_unique<ProgressBar>(stage, total);
      });
  bar.reset();
  if (!s.trained_landmarks.empty()) std::printf("convert: trained histogram landmarks written to %s\n", s.trained_landmarks.c_str());
  if (!s.trained_labels.empty()) std::printf("convert: label mapping written to %s\n", s.trained_labels.c_str());
  std::printf("convert: wrote %s (%lld subjects)\n", o.out.c_str(), static_cast<long long>(s.subjects));
  return 0;
}

}  // namespace voxtrain
