// phantoms_command.cpp — `voxdata phantoms`: arguments, usage and a progress bar; the work is
// write_phantom_data_set (data/phantoms/phantom.hpp).
#include "data_tools/phantoms_command.hpp"

#include <charconv>
#include <cstdio>
#include <type_traits>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/progress_bar.hpp"

namespace voxtrain {

namespace {

template <class T>
T parse_number(const std::string& flag, const std::string& text, const char* example) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    throw error("phantoms: {} '{}' is not a whole number{}: give e.g. {} {}", flag, text,
                std::is_signed_v<T> ? "" : " >= 0", flag, example);
  return value;
}

}  // namespace

std::string phantoms_usage() {
  return "Usage: voxdata phantoms --out DIR [--subjects N] [--size S] [--classes K] [--modalities M] [--seed S]\n"
         "\n"
         "Writes a synthetic segmentation data set: per subject DIR/sub-001_T1.nii.gz, sub-001_T2.nii.gz, ...\n"
         "(one file per modality) and sub-001_Label.nii.gz. Each subject is a 3-D \"head\" of nested\n"
         "ellipsoids (label 0 outside, 1..K-2 tissue shells from the outside in, K-1 a small lesion),\n"
         "with a smooth bias field, Gaussian noise, a random rotation (up to 15 degrees per axis) and\n"
         "anisotropic spacing (0.8-1.5 mm). The same seed gives the same files (docs/DATA_FORMAT.md).\n"
         "\n"
         "Options:\n"
         "  --out DIR         directory to write (created when missing); required\n"
         "  --subjects N      number of subjects (default 10)\n"
         "  --size S          voxels per axis, 16 to 512 (default 96)\n"
         "  --classes K       label classes including background, 2 to 2 + size/8 (default 4)\n"
         "  --modalities M    contrasts: T1, T2, FLAIR, PD, then M5, M6, ... (default 2)\n"
         "  --seed S          random seed, a whole number >= 0 (default 0)\n"
         "  -h, --help        show this help\n";
}

CommandArgs<PhantomDataSetOptions> parse_phantoms_args(const std::vector<std::string>& args) {
  static const CommandFlags command{"voxdata", "phantoms",
                                    {{"--out", "DIR"}, {"--subjects", "N"}, {"--size", "S"}, {"--classes", "K"},
                                     {"--modalities", "M"}, {"--seed", "S"}}};
  const ParsedArgs parsed = parse_flags(command, args);
  CommandArgs<PhantomDataSetOptions> result{.help = parsed.help};
  if (result.help) return result;
  PhantomDataSetOptions& o = result.options;
  bool have_out = false;
  for (const auto& [flag, value] : parsed.flags) {
    if (flag == "--out") {
      if (value.empty()) throw error("phantoms: --out is empty: give the directory to write, e.g. --out data/phantoms");
      o.out = value;
      have_out = true;
    } else if (flag == "--subjects") {
      o.subjects = parse_number<int>(flag, value, "10");
      if (o.subjects < 1) throw error("phantoms: --subjects {} is too few: give 1 or more", o.subjects);
    } else if (flag == "--size") {
      o.spec.size = parse_number<std::int64_t>(flag, value, "96");
    } else if (flag == "--classes") {
      o.spec.classes = parse_number<int>(flag, value, "4");
    } else if (flag == "--modalities") {
      o.spec.modalities = parse_number<int>(flag, value, "2");
    } else {
      o.spec.seed = parse_number<std::uint64_t>(flag, value, "0");
    }
  }
  if (!have_out)
    throw error("phantoms: --out DIR is missing: say where to write the files, e.g. --out data/phantoms");
  check_phantom_spec(o.spec);
  return result;
}

int run_phantoms_command(const std::vector<std::string>& args) {
  const auto [help, o] = parse_phantoms_args(args);
  if (help) {
    std::fputs(phantoms_usage().c_str(), stdout);
    return 0;
  }
  ProgressBar bar("phantoms", o.subjects);
  write_phantom_data_set(o, [&bar](int, int, const std::string& id) { bar.advance(id); });
  return 0;
}

}  // namespace voxtrain
