// nifti_image.hpp — a NIfTI-1/2 volume (.nii, .nii.gz) as a Tensor [C, D, H, W] plus its geometry
// (affine, pixdim, qform/sform codes); read and written with nifticlib (docs/DATA_FORMAT.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

// Voxel index (i, j, k) to world (x, y, z) millimetres: rows 0-2 of the 4x4 matrix, row 3 is
// (0, 0, 0, 1). Tensor element [c, k, j, i] is NIfTI voxel (i, j, k) of volume c.
using Affine = std::array<std::array<double, 4>, 4>;

// The on-disk voxel type of a NIfTI file (the subset voxtrain reads; writes all but Float64).
enum class NiftiDatatype { UInt8, Int16, Int32, Float32, Float64 };

struct NiftiImage {
  Tensor data;                      // [C, D, H, W] = [nt, nz, ny, nx], plain row-major, host
  Affine affine{};                  // sform if sform_code > 0, else qform, else from pixdim
  std::array<double, 4> pixdim{1, 1, 1, 1};  // spacing along i, j, k (and t) from the header
  int qform_code = 0;
  int sform_code = 0;
  NiftiDatatype stored_as = NiftiDatatype::Float32;  // what the file held (read) / holds (write)

  std::int64_t channels() const { return data.shape()[0]; }
  // nx, ny, nz: the spatial size in NIfTI's order (i fastest).
  std::array<std::int64_t, 3> size_ijk() const {
    return {data.shape()[3], data.shape()[2], data.shape()[1]};
  }
};

// What read_nifti returns: an image in float32 (scl_slope/scl_inter applied), or a label map in
// int32 (scaling applied; every value must then be a whole number).
enum class NiftiRead { Image, Label };

// Reads a .nii or .nii.gz with 3 or 4 dimensions (a 3-D file gives C = 1). Throws voxtrain::Error
// naming the file for a missing or unreadable file, a non-NIfTI file, a datatype other than uint8,
// int16, int32, float32 and float64, more than 4 dimensions, or (as Label) a non-integer value.
NiftiImage read_nifti(const std::string& path, NiftiRead as = NiftiRead::Image);

// Writes a NIfTI-1 file, gzip-compressed when path ends in .gz. data is [C, D, H, W] or [D, H, W]
// (C = 1 writes a 3-D file) in float32, int32 or uint8; stored_as picks the on-disk type
// (Float32, Int32, Int16 or UInt8; values must fit it exactly). Both qform and sform are set from
// the affine with the image's codes (a code of 0 is written as 0: that transform is not used);
// pixdim[1..3] are the affine's column lengths, pixdim[4] the image's. The file appears complete
// or not at all: it is written beside path under a temporary name, then renamed.
void write_nifti(const std::string& path, const NiftiImage& image);

// A segmentation (or probability map) with the geometry of the image it was computed from, so it
// overlays that image in a viewer: labels [D, H, W] or [C, D, H, W] int32/uint8 are stored as
// uint8 when every value fits, else int16 or int32; float32 data is stored as float32.
void write_nifti_like(const std::string& path, const Tensor& data, const NiftiImage& geometry);

std::string_view nifti_datatype_name(NiftiDatatype t);

// What a NIfTI file's header says, read without the voxels (for `voxdata inspect`).
struct NiftiHeader {
  std::string format;                  // "NIfTI-1", "NIfTI-1 (.hdr/.img pair)", "NIfTI-2", "ANALYZE 7.5"
  int ndim = 0;                        // dim[0]
  std::array<std::int64_t, 7> dim{};   // dim[1..7]
  std::array<double, 7> pixdim{};      // pixdim[1..7]
  int datatype = 0;                    // the NIfTI code (16 = float32, ...)
  std::string datatype_name;           // nifticlib's name, e.g. "FLOAT32"
  int bitpix = 0;
  int qform_code = 0;
  int sform_code = 0;
  Affine affine{};                     // the one read_nifti uses (sform, else qform, else pixdim)
  std::string affine_source;           // "sform", "qform" or "pixdim"
  std::string axcodes;                 // where voxel axes i, j, k point, e.g. "RAS" (nibabel's aff2axcodes)
  double scl_slope = 0;
  double scl_inter = 0;
  // The header's text fields as stored (up to the first NUL): any bytes at all, so escape them
  // (escape_for_display) before printing.
  std::string description;             // descrip
  std::string intent_name;
  std::string aux_file;
};

// Throws voxtrain::Error naming the file, as read_nifti does, for a missing or non-NIfTI file.
NiftiHeader read_nifti_header(const std::string& path);

}  // namespace voxtrain
