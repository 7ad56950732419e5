// inspect_command.cpp — `voxdata inspect`: picks the reader by file name and signature and prints a
// NIfTI header or a patch store's contents as aligned "key: value" lines; text from files escaped.
#include "data_tools/inspect_command.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "voxtrain/core/command_line.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/data/store/patch_store.hpp"
#include "voxtrain/io/hdf5/hdf5_file.hpp"
#include "voxtrain/io/nifti_image.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_nifti_name(const std::string& path) {
  for (const char* suffix : {".nii", ".nii.gz", ".hdr", ".img", ".hdr.gz", ".img.gz"})
    if (ends_with(path, suffix)) return true;
  return false;
}

// "key:        value\n" with the values aligned.
void line(std::string& out, const std::string& key, const std::string& value) {
  out += fmt::format("{:<13}{}\n", key + ":", value);
}

std::string xform_name(int code) {
  switch (code) {
    case 0: return "0 (unknown: not used)";
    case 1: return "1 (scanner)";
    case 2: return "2 (aligned)";
    case 3: return "3 (talairach)";
    case 4: return "4 (mni_152)";
    case 5: return "5 (template)";
    default: return fmt::format("{} (not a NIfTI code)", code);
  }
}

std::string inspect_nifti(const std::string& path) {
  const NiftiHeader h = read_nifti_header(path);
  std::string out;
  line(out, "file", path);
  line(out, "format", h.format + (ends_with(path, ".gz") ? " (gzip)" : ""));
  const int nd = std::clamp(h.ndim, 0, 7);
  std::vector<std::int64_t> dims(h.dim.begin(), h.dim.begin() + nd);
  std::vector<std::string> pixdims;  // header floats, shortest form: 0.9, not 0.8999999761581421
  for (int d = 0; d < nd; ++d) pixdims.push_back(fmt::format("{:g}", static_cast<float>(h.pixdim[static_cast<std::size_t>(d)])));
  line(out, "dimensions", fmt::format("{} ({}-D: x y z{})", fmt::join(dims, " x "), h.ndim,
                                      nd >= 4 ? " t ...; voxtrain reads t as channels" : ""));
  line(out, "datatype", fmt::format("{} (code {}, {} bits)", h.datatype_name, h.datatype, h.bitpix));
  line(out, "pixdim", fmt::format("{}", fmt::join(pixdims, " ")));
  line(out, "qform_code", xform_name(h.qform_code));
  line(out, "sform_code", xform_name(h.sform_code));
  line(out, "affine", fmt::format("from the {} (voxel i, j, k -> world mm)", h.affine_source));
  for (int r = 0; r < 4; ++r) {
    const auto& a = h.affine[static_cast<std::size_t>(r)];
    out += fmt::format("  [{:11.4f} {:11.4f} {:11.4f} {:11.4f} ]\n", a[0], a[1], a[2], a[3]);
  }
  line(out, "orientation", fmt::format("{} (i to {}, j to {}, k to {})", h.axcodes, h.axcodes[0], h.axcodes[1], h.axcodes[2]));
  line(out, "scl_slope", fmt::format("{:g}{}", h.scl_slope,
                                     h.scl_slope == 0.0 || (h.scl_slope == 1.0 && h.scl_inter == 0.0) ? " (unscaled)" : ""));
  line(out, "scl_inter", fmt::format("{:g}", h.scl_inter));
  // Text fields hold whatever bytes the file has: escaped, never printed raw.
  if (!h.description.empty()) line(out, "description", escape_for_display(h.description));
  if (!h.intent_name.empty()) line(out, "intent_name", escape_for_display(h.intent_name));
  if (!h.aux_file.empty()) line(out, "aux_file", escape_for_display(h.aux_file));
  return out;
}

std::string inspect_store(const std::string& path) {
  const PatchStoreReader store(path);
  std::string out;
  line(out, "file", path);
  line(out, "format", fmt::format("voxtrain patch store, format version {}{}", store.format_version(),
                                  store.written_by().empty() ? "" : fmt::format(" (written by {})", escape_for_display(store.written_by()))));
  const auto& settings = store.fingerprint().settings;
  line(out, "fingerprint", fmt::format("{} preprocessing setting{}", settings.size(), settings.size() == 1 ? "" : "s"));
  for (const auto& [key, value] : settings)
    out += fmt::format("  {} = {}\n", escape_for_display(key), escape_for_display(value));
  line(out, "subjects", fmt::format("{}", store.subject_count()));
  if (store.subject_count() > 0) {
    out += fmt::format("  {:<16} {:<22} {:<6} {:<24} {}\n", "id", "image [C, D, H, W]", "label", "spacing (mm)", "storage");
    for (std::int64_t n = 0; n < store.subject_count(); ++n) {
      const StoredSubjectInfo info = store.subject_info(n);
      const std::string storage =
          (info.image_chunk.empty()
               ? compression_name(info.gzip_level)
               : fmt::format("chunk [{}], {}", fmt::join(info.image_chunk, ", "), compression_name(info.gzip_level))) +
          (info.checksum ? ", fletcher32" : "");
      out += fmt::format("  {:<16} {:<22} {:<6} {:<24} {}\n", escape_for_display(info.id), info.image_shape.to_string(),
                         info.has_label ? "yes" : "no", fmt::format("{:g} x {:g} x {:g}", info.spacing[0], info.spacing[1], info.spacing[2]),
                         storage);
    }
  }
  if (store.patch_count() == 0 && store.patch_shape().rank() == 0) {
    line(out, "patches", "none");
  } else {
    const Shape& s = store.patch_shape();
    line(out, "patches", fmt::format("{} of [C, d, h, w] = [{}, {}, {}, {}], {}", store.patch_count(), s[1], s[2], s[3],
                                     s[4], store.patches_have_labels() ? "with labels" : "without labels"));
  }
  return out;
}

}  // namespace

std::string inspect_usage() {
  return "Usage: voxdata inspect FILE [FILE...]\n"
         "\n"
         "Prints what a file holds:\n"
         "  NIfTI (.nii, .nii.gz, .hdr/.img): format, dimensions, datatype, pixdim, qform/sform codes,\n"
         "    the affine voxtrain uses (sform, else qform, else pixdim), orientation codes (e.g. RAS:\n"
         "    where voxel axes i, j, k point), scl_slope/scl_inter and the description.\n"
         "  HDF5 patch store (written by voxdata convert): format version, the preprocessing settings\n"
         "    (fingerprint), each subject's id, image shape, label, spacing and storage, and the\n"
         "    pre-extracted patches.\n"
         "\n"
         "Options:\n"
         "  -h, --help    show this help\n";
}

std::string inspect_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw error("{}: no such file; check the path (relative paths start from {})", path, fs::current_path(ec).string());
  if (fs::is_directory(path, ec)) throw error("{}: is a directory; give a .nii/.nii.gz image or an HDF5 patch store", path);
  if (is_nifti_name(path)) return inspect_nifti(path);
  if (looks_like_hdf5(path)) return inspect_store(path);
  throw error("{}: unknown file type (neither a NIfTI name .nii/.nii.gz/.hdr/.img nor an HDF5 file); inspect reads "
              "NIfTI images and HDF5 patch stores",
              path);
}

int run_inspect_command(const std::vector<std::string>& args) {
  static const CommandFlags command{"voxdata", "inspect", {}, true};
  const ParsedArgs parsed = parse_flags(command, args);
  if (parsed.help) {
    std::fputs(inspect_usage().c_str(), stdout);
    return 0;
  }
  const std::vector<std::string>& files = parsed.positionals;
  if (files.empty()) throw error("inspect: no file given: name a .nii/.nii.gz image or an HDF5 patch store (voxdata inspect FILE)");
  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::string report = inspect_file(files[f]);
    if (f > 0) std::fputs("\n", stdout);
    std::fputs(report.c_str(), stdout);
  }
  return 0;
}

}  // namespace voxtrain
