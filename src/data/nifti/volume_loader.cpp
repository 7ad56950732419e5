// volume_loader.cpp — NIfTI files of one subject to a Subject on one voxel grid: reads, stacks
// the image channels and refuses files whose size or geometry disagrees with the first image.
#include "voxtrain/data/nifti/volume_loader.hpp"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/preprocessing/resampling.hpp"

namespace voxtrain {
namespace {

// Every other file must lie on the first image's voxel grid.
void check_same_grid(const SubjectFiles& files, const std::string& path, const NiftiImage& image,
                     const std::string& reference_path, const NiftiImage& reference) {
  const auto a = image.size_ijk(), b = reference.size_ijk();
  if (a != b)
    throw error("subject '{}': {} is {}x{}x{} voxels but {} is {}x{}x{}; every file of a subject "
                "must have the same size (resample it to the image's grid)",
                files.id, path, a[0], a[1], a[2], reference_path, b[0], b[1], b[2]);
  double worst = 0;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) worst = std::max(worst, std::abs(image.affine[r][c] - reference.affine[r][c]));
  if (worst > 1e-3)
    throw error("subject '{}': the affine of {} differs from that of {} by up to {:.4g} mm; the "
                "files do not overlay (register or resample them onto one grid)",
                files.id, path, reference_path, worst);
}

// read_nifti names the file; the subject is added so the user knows which case to look at.
NiftiImage read_for(const SubjectFiles& files, const std::string& path, NiftiRead as) {
  try {
    return read_nifti(path, as);
  } catch (const InternalError&) {
    throw;
  } catch (const Error& e) {
    throw error("subject '{}': {}", files.id, e.what());
  }
}

Tensor concat_channels(const std::vector<Tensor>& parts) {
  std::int64_t channels = 0;
  for (const auto& p : parts) channels += p.shape()[0];
  const auto& s = parts.front().shape();
  Tensor out = Tensor::empty({channels, s[1], s[2], s[3]});
  auto* dst = static_cast<unsigned char*>(out.raw_data());
  for (const auto& p : parts) {
    std::memcpy(dst, p.raw_data(), p.nbytes());
    dst += p.nbytes();
  }
  return out;
}

NiftiImage read_map(const SubjectFiles& files, const std::string& path, NiftiRead as,
                    const std::string& what, const std::string& reference_path, const NiftiImage& reference) {
  NiftiImage map = read_for(files, path, as);
  check_same_grid(files, path, map, reference_path, reference);
  if (map.channels() != 1)
    throw error("subject '{}': the {} {} has {} channels; a {} must have one", files.id, what, path,
                map.channels(), what);
  return map;
}

}  // namespace

Subject load_subject_files(const SubjectFiles& files) {
  if (files.image.empty())
    throw error("subject '{}': no image file; check the image sections of the configuration", files.id);
  Subject subject;
  subject.id = files.id;
  const NiftiImage first = read_for(files, files.image.front(), NiftiRead::Image);
  std::vector<Tensor> channels{first.data};
  for (std::size_t n = 1; n < files.image.size(); ++n) {
    NiftiImage other = read_for(files, files.image[n], NiftiRead::Image);
    check_same_grid(files, files.image[n], other, files.image.front(), first);
    channels.push_back(other.data);
  }
  subject.image = channels.size() == 1 ? first.data : concat_channels(channels);
  subject.affine = first.affine;
  subject.spacing = spacing_of(first.affine);
  subject.source_files = files.image;

  const std::string& ref = files.image.front();
  if (!files.label.empty()) {
    subject.label = read_map(files, files.label, NiftiRead::Label, "label", ref, first).data;
    subject.source_files.push_back(files.label);
  }
  // A weight or sampling map that is also an image file (one section in two roles) is not read
  // again: it is a copy of that channel, so normalising the image leaves it as the file holds it.
  const auto float_map = [&](const std::string& path, const char* what) {
    for (std::size_t n = 0; n < files.image.size(); ++n)
      if (files.image[n] == path && channels[n].shape()[0] == 1) return channels[n].clone();
    return read_map(files, path, NiftiRead::Image, what, ref, first).data;
  };
  if (!files.weight.empty()) {
    subject.weight = float_map(files.weight, "weight map");
    subject.source_files.push_back(files.weight);
  }
  if (!files.sampling_map.empty()) {
    subject.sampling_map = float_map(files.sampling_map, "sampling map");
    subject.source_files.push_back(files.sampling_map);
  }
  return subject;
}

}  // namespace voxtrain
