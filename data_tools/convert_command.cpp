// convert_command.cpp — `voxdata convert`: arguments, usage, a progress bar per stage and the
// lines it prints; the work is run_convert (data/store/store_conversion.hpp).
#include "data_tools/convert_command.hpp"

#include <cstdio>
#include <memory>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/progress_bar.hpp"
#include "voxtrain/data/store/patch_store.hpp"

namespace voxtrain {

std::string convert_usage() {
  return "Usage: voxdata convert -c CONFIG --out STORE.h5 [--phase all|training|validation|inference]\n"
         "                       [--compression none|gzip|gzip-1..9] [--no-data-checksums]\n"
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
         "  --no-data-checksums        store the voxels without fletcher32 checksums: patch reads about 3x\n"
         "                             faster, but damaged data reads as wrong voxels instead of an error\n"
         "  --images DIR[,DIR...]      without a config: directories holding the .nii/.nii.gz files\n"
         "  --image-contains K[,K...]  without a config: one image channel per file-name keyword\n"
         "  --label-contains K         without a config: the keyword of the label files\n"
         "  --set KEY=VALUE            without a config: a setting a config would hold, e.g. --set whitening=True,\n"
         "                             --set pixdim=(1,1,1), --set label_normalisation=True (see docs/DATA_PIPELINE.md)\n"
         "  -h, --help                 show this help\n";
}

CommandArgs<ConvertOptions> parse_convert_args(const std::vector<std::string>& args) {
  static const CommandFlags command{"voxdata",
                                    "convert",
                                    {{"--config", "CONFIG", "-c"},
                                     {"--images", "DIR"},
                                     {"--image-contains", "K"},
                                     {"--label-contains", "K"},
                                     {"--set", "KEY=VALUE"},
                                     {"--out", "STORE.h5"},
                                     {"--phase", "P"},
                                     {"--compression", "C"},
                                     {"--no-data-checksums"}}};
  const ParsedArgs parsed = parse_flags(command, args);
  CommandArgs<ConvertOptions> result{.help = parsed.help};
  if (result.help) return result;
  ConvertOptions& o = result.options;
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
    else if (flag == "--no-data-checksums") o.data_checksums = false;
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
  return result;
}

int run_convert_command(const std::vector<std::string>& args) {
  const auto [help, o] = parse_convert_args(args);
  if (help) {
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
