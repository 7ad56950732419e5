// preprocessing.cpp — one subject through NiftyNet's volume-level preprocessing (reorient, resample,
// normalise, labels), the fingerprint of those settings, and outputs back onto the original grid.
#include "voxtrain/data/preprocessing/preprocessing.hpp"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/preprocessing/foreground_mask.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/data/preprocessing/resampling.hpp"
#include "voxtrain/data/inputs/dataset_config.hpp"
#include "voxtrain/io/config/ini_file.hpp"

namespace voxtrain {
namespace {

bool same_spacing(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  for (int n = 0; n < 3; ++n)
    if (std::abs(a[n] - b[n]) > 1e-5 * std::max(std::abs(a[n]), std::abs(b[n]))) return false;
  return true;
}

// The spatial keys of one section, or nothing when unset.
std::optional<std::array<double, 3>> section_pixdim(const InputSection& s) {
  if (s.pixdim.empty()) return std::nullopt;
  // NiftyNet pads a shorter tuple by repeating its last value (spatialnumarray).
  std::array<double, 3> p{};
  for (std::size_t n = 0; n < 3; ++n) p[n] = s.pixdim[std::min(n, s.pixdim.size() - 1)];
  check_pixdim(p, s.where);
  return p;
}

std::optional<Axcodes> section_axcodes(const InputSection& s) {
  if (s.axcodes.empty()) return std::nullopt;
  return parse_axcodes(s.axcodes, s.where);
}

const InputSection& section_named(const std::vector<InputSection>& sections, const std::string& name) {
  for (const auto& s : sections)
    if (s.name == name) return s;
  throw InternalError(fmt::format("input section '{}' was grouped but not parsed", name));
}

std::optional<IniValue> network_value(const IniFile& ini, std::string_view key) { return ini.value("NETWORK", key); }

}  // namespace

OriginalGrid preprocess_subject_grid(Subject& subject, const SpatialSettings& spatial) {
  OriginalGrid grid;
  grid.affine = subject.affine;
  grid.size = subject.size_ijk();
  grid.reorientation.old_size = grid.size;  // the identity unless axcodes are set
  if (spatial.axcodes) grid.reorientation = reorient(subject, *spatial.axcodes);
  grid.reoriented_affine = subject.affine;
  if (spatial.pixdim) {
    const int image_order = spatial.image_interpolation == Interpolation::Nearest ? 0 : 1;
    resample_to_spacing(subject, *spatial.pixdim, image_order, 0);
  }
  grid.preprocessed_affine = subject.affine;
  grid.preprocessed_size = subject.size_ijk();
  return grid;
}

OriginalGrid preprocess_subject(Subject& subject, const PreprocessingSettings& settings,
                                const TrainedPreprocessing& trained) {
  OriginalGrid grid = preprocess_subject_grid(subject, settings.spatial);
  if (subject.image.shape()[0] != static_cast<std::int64_t>(settings.modalities.size()))
    throw error("subject '{}': the image has {} channels but the configuration names {} image inputs ({}); "
                "give one single-channel file per image section",
                subject.id, subject.image.shape()[0], settings.modalities.size(),
                fmt::join(settings.modalities, ", "));
  normalise_subject_image(subject.image, settings.normalisation, trained.landmarks, settings.modalities, subject.id);
  if (subject.label.defined() && (settings.num_classes > 0 || settings.normalisation.label_normalisation))
    normalise_subject_label(subject.label, settings.normalisation, trained.label_mapping, settings.num_classes,
                            subject.id);
  return grid;
}

Tensor to_original_grid(const Tensor& output, const OriginalGrid& grid, Interpolation interpolation) {
  const std::array<std::int64_t, 3> reoriented_size = grid.reorientation.new_size();
  Tensor on_reoriented = output;
  if (grid.preprocessed_size != reoriented_size || grid.preprocessed_affine != grid.reoriented_affine)
    on_reoriented = resample_to_grid(output, grid.preprocessed_affine, reoriented_size, grid.reoriented_affine,
                                     interpolation);
  if (grid.reorientation.is_identity()) return on_reoriented;
  return reorient_volume(on_reoriented, inverse(grid.reorientation));
}

std::map<std::string, std::string> preprocessing_fingerprint(const PreprocessingSettings& settings,
                                                             const TrainedPreprocessing& trained) {
  std::map<std::string, std::string> f =
      normalisation_fingerprint(settings.normalisation, trained.landmarks, trained.label_mapping);
  std::string axcodes("as read"), pixdim("as read");
  if (settings.spatial.axcodes) axcodes = axcodes_text(*settings.spatial.axcodes);
  if (settings.spatial.pixdim) pixdim = fmt::format("({})", fmt::join(*settings.spatial.pixdim, ", "));
  f["spatial.axcodes"] = axcodes;
  f["spatial.pixdim"] = pixdim;
  if (settings.spatial.pixdim)
    f["spatial.interp_order"] = std::to_string(settings.spatial.image_interpolation == Interpolation::Nearest ? 0 : 1);
  f["inputs.image"] = fmt::format("({})", fmt::join(settings.modalities, ", "));
  if (!settings.label_section.empty()) f["inputs.label"] = settings.label_section;
  if (settings.num_classes > 0) f["labels.num_classes"] = std::to_string(settings.num_classes);
  return f;
}

PreprocessingSettings preprocessing_settings_from_ini(const IniFile& ini, const std::vector<InputSection>& sections,
                                                      const InputGrouping& grouping) {
  PreprocessingSettings p;
  p.modalities = grouping.image;
  p.label_section = grouping.label;
  // Spatial keys: every image section must agree (they become channels of one grid).
  const InputSection& first = section_named(sections, grouping.image.front());
  p.spatial.pixdim = section_pixdim(first);
  p.spatial.axcodes = section_axcodes(first);
  p.spatial.image_interpolation = interpolation_of_order(first.interp_order, first.where);
  for (const std::string& name : grouping.image) {
    const InputSection& s = section_named(sections, name);
    const auto pixdim = section_pixdim(s);
    const auto axcodes = section_axcodes(s);
    if (pixdim.has_value() != p.spatial.pixdim.has_value() || (pixdim && !same_spacing(*pixdim, *p.spatial.pixdim)) ||
        axcodes != p.spatial.axcodes)
      throw error("{}: pixdim and axcodes differ from those of [{}]; the image sections become channels of one "
                  "grid, so give them the same pixdim and axcodes",
                  s.where, first.name);
  }
  if (!grouping.label.empty()) {
    const InputSection& label = section_named(sections, grouping.label);
    if (label.interp_order != 0)
      throw error("{}: interp_order = {} would interpolate label values; set interp_order = 0 for the label section",
                  label.where, label.interp_order);
  }

  NormalisationSettings& n = p.normalisation;
  if (auto v = network_value(ini, "whitening")) n.whitening = as_bool(*v);
  if (auto v = network_value(ini, "normalise_foreground_only")) n.normalise_foreground_only = as_bool(*v);
  if (auto v = network_value(ini, "foreground_type")) {
    try {
      n.foreground_type = parse_foreground_type(v->value);
    } catch (const Error& e) {
      v->fail(e.what());
    }
  }
  if (auto v = network_value(ini, "multimod_foreground_type")) {
    try {
      n.multimod_foreground_type = parse_multimod_foreground_type(v->value);
    } catch (const Error& e) {
      v->fail(e.what());
    }
  }
  if (auto v = network_value(ini, "normalisation")) n.normalisation = as_bool(*v);
  if (auto v = network_value(ini, "norm_type")) {
    try {
      n.norm_type = parse_norm_type(v->value);
    } catch (const Error& e) {
      v->fail(e.what());
    }
  }
  if (auto v = network_value(ini, "cutoff")) {
    const auto c = as_float_list(*v);
    if (c.size() != 2 || !(c[0] < c[1]) || c[0] < 0 || c[1] > 1)
      v->fail("give two fractions lo < hi in [0, 1], e.g. (0.01, 0.99)");
    n.cutoff = {c[0], c[1]};
  }
  if (auto v = network_value(ini, "percentile_clipping")) n.percentile_clipping = as_bool(*v);
  if (auto v = network_value(ini, "clipping_percentiles")) {
    const auto c = as_float_list(*v);
    if (c.size() != 2 || !(c[0] < c[1]) || c[0] < 0 || c[1] > 100)
      v->fail("give two percentiles lo < hi in [0, 100], e.g. (0.5, 99.5)");
    n.clipping_percentiles = {c[0], c[1]};
  }
  if (auto v = network_value(ini, "clipping_rescale")) {
    try {
      n.clipping_rescale = parse_clip_rescale(v->value);
    } catch (const Error& e) {
      v->fail(e.what());
    }
  }
  const std::string ref = [&] {
    const auto v = network_value(ini, "histogram_ref_file");
    return v && !v->value.empty() ? v->value : std::string("./histogram_ref_file.txt");
  }();
  const std::filesystem::path ref_path(ref);
  n.histogram_ref_file =
      (ref_path.is_absolute() ? ref_path : std::filesystem::path(model_dir(ini)) / ref_path).lexically_normal().string();

  for (const char* app : {"SEGMENTATION", "CLASSIFICATION"}) {
    if (auto v = ini.value(app, "label_normalisation")) n.label_normalisation = as_bool(*v);
    if (auto v = ini.value(app, "num_classes")) p.num_classes = static_cast<int>(as_int(*v));
  }
  check_normalisation_settings(n);
  return p;
}

}  // namespace voxtrain
