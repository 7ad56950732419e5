// extract_patches_command.cpp — `voxdata extract-patches`: arguments, usage, a progress bar and
// the line it prints; the work is run_extract_patches (data/store/patch_extraction.hpp).
#include "data_tools/extract_patches_command.hpp"

#include <charconv>
#include <cstdio>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/progress_bar.hpp"
#include "voxtrain/data/store/patch_store.hpp"

namespace voxtrain {
namespace {

template <class T>
T parse_number(const std::string& flag, const std::string& text) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw error("extract-patches: {} '{}' is not a whole number", flag, text);
  return v;
}

WindowSize parse_window(const std::string& text) {
  std::vector<std::int64_t> sizes;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    sizes.push_back(parse_number<std::int64_t>("--window", text.substr(start, comma - start)));
    start = comma + 1;
  }
  if (sizes.size() != 1 && sizes.size() != 3)
    throw error("extract-patches: --window '{}' needs one size or three (i,j,k), e.g. 64 or 64,64,32", text);
  for (auto s : sizes)
    if (s < 1) throw error("extract-patches: --window '{}' has a size below 1", text);
  return sizes.size() == 1 ? WindowSize{sizes[0], sizes[0], sizes[0]} : WindowSize{sizes[0], sizes[1], sizes[2]};
}

}  // namespace

std::string extract_patches_usage() {
  return "Usage: voxdata extract-patches STORE.h5 --out OUT.h5 [--window 64|I,J,K] [--per-subject N]\n"
         "                               [--sampler uniform|weighted|balanced] [--seed S]\n"
         "\n"
         "Draws N windows per subject of a patch store with a training sampler (NiftyNet's rules,\n"
         "docs/SAMPLING.md), each keyed by (seed, subject, slot) so the same arguments give the same\n"
         "patches, and writes OUT.h5: the store's subjects and settings plus the pre-extracted patch\n"
         "dataset /patches (image, label, location; docs/DATA_FORMAT.md).\n"
         "\n"
         "Options:\n"
         "  --out FILE        the store to write (replaced atomically when it exists)\n"
         "  --window W        window size in voxels: one size or i,j,k (default 64)\n"
         "  --per-subject N   windows per subject (default 1)\n"
         "  --sampler S       uniform (default), weighted (the sampling map), balanced (equal per class)\n"
         "  --seed S          seed of the window positions (default 0)\n"
         "  -h, --help        show this help\n";
}

CommandArgs<ExtractPatchesOptions> parse_extract_patches_args(const std::vector<std::string>& args) {
  static const CommandFlags command{"voxdata",
                                    "extract-patches",
                                    {{"--out", "OUT.h5"}, {"--window", "W"}, {"--per-subject", "N"}, {"--sampler", "S"},
                                     {"--seed", "S"}},
                                    true};
  const ParsedArgs parsed = parse_flags(command, args);
  CommandArgs<ExtractPatchesOptions> result{.help = parsed.help};
  if (result.help) return result;
  ExtractPatchesOptions& o = result.options;
  if (parsed.positionals.size() > 1)
    throw error("extract-patches: give one input store, not '{}' and '{}'", parsed.positionals[0],
                parsed.positionals[1]);
  if (!parsed.positionals.empty()) o.store = parsed.positionals[0];
  for (const auto& [flag, value] : parsed.flags) {
    if (flag == "--out") o.out = value;
    else if (flag == "--window") o.window = parse_window(value);
    else if (flag == "--per-subject") o.per_subject = parse_number<std::int64_t>(flag, value);
    else if (flag == "--sampler") o.sampler = parse_sampler_kind(value, "--sampler");
    else o.seed = parse_number<std::uint64_t>(flag, value);
  }
  if (o.store.empty()) throw error("extract-patches: the input store is missing: voxdata extract-patches STORE.h5 --out OUT.h5");
  if (o.out.empty()) throw error("extract-patches: --out OUT.h5 is missing: say where to write the patches");
  if (o.per_subject < 1) throw error("extract-patches: --per-subject {} is too few: give 1 or more", o.per_subject);
  return result;
}

int run_extract_patches_command(const std::vector<std::string>& args) {
  const auto [help, o] = parse_extract_patches_args(args);
  if (help) {
    std::fputs(extract_patches_usage().c_str(), stdout);
    return 0;
  }
  std::int64_t written = 0;
  {
    const PatchStoreReader probe(o.store);
    ProgressBar bar("extract-patches", probe.subject_count());
    written = run_extract_patches(o, [&](const std::string& id) { bar.advance(id); });
  }
  std::printf("extract-patches: wrote %s (%lld patches of %lldx%lldx%lld)\n", o.out.c_str(),
              static_cast<long long>(written), static_cast<long long>(o.window[0]), static_cast<long long>(o.window[1]),
              static_cast<long long>(o.window[2]));
  return 0;
}

}  // namespace voxtrain
