// nifti_image.cpp — NIfTI read/write on nifticlib: nifti_image_read for every variant it knows
// (NIfTI-1, NIfTI-2, gzip), and a NIfTI-1 writer of our own on znzlib, so every failure is seen.
#include "voxtrain/io/nifti_image.hpp"

#include <nifti2_io.h>  // also reads NIfTI-1; never include nifti1_io.h beside it

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

struct NimFree {
  void operator()(nifti_image* nim) const { nifti_image_free(nim); }
};
using NimPtr = std::unique_ptr<nifti_image, NimFree>;

// nifticlib reports its problems on stderr; ours go into the Error instead.
void silence_nifticlib() { nifti_set_debug_level(0); }

bool from_nifti_code(int code, NiftiDatatype& out) {
  switch (code) {
    case DT_UINT8: out = NiftiDatatype::UInt8; return true;
    case DT_INT16: out = NiftiDatatype::Int16; return true;
    case DT_INT32: out = NiftiDatatype::Int32; return true;
    case DT_FLOAT32: out = NiftiDatatype::Float32; return true;
    case DT_FLOAT64: out = NiftiDatatype::Float64; return true;
    default: return false;
  }
}

int to_nifti_code(NiftiDatatype t) {
  switch (t) {
    case NiftiDatatype::UInt8: return DT_UINT8;
    case NiftiDatatype::Int16: return DT_INT16;
    case NiftiDatatype::Int32: return DT_INT32;
    case NiftiDatatype::Float32: return DT_FLOAT32;
    case NiftiDatatype::Float64: return DT_FLOAT64;
  }
  return DT_UNKNOWN;
}

int bytes_of(NiftiDatatype t) {
  switch (t) {
    case NiftiDatatype::UInt8: return 1;
    case NiftiDatatype::Int16: return 2;
    case NiftiDatatype::Int32: return 4;
    case NiftiDatatype::Float32: return 4;
    case NiftiDatatype::Float64: return 8;
  }
  return 0;
}

// Element n of a raw buffer of on-disk type t, as a double (exact for every supported type).
double raw_value(const void* data, NiftiDatatype t, std::int64_t n) {
  switch (t) {
    case NiftiDatatype::UInt8: return static_cast<const std::uint8_t*>(data)[n];
    case NiftiDatatype::Int16: return static_cast<const std::int16_t*>(data)[n];
    case NiftiDatatype::Int32: return static_cast<const std::int32_t*>(data)[n];
    case NiftiDatatype::Float32: return static_cast<const float*>(data)[n];
    case NiftiDatatype::Float64: return static_cast<const double*>(data)[n];
  }
  return 0;
}

Affine from_dmat44(const nifti_dmat44& m) {
  Affine a{};
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) a[r][c] = m.m[r][c];
  return a;
}

// nibabel's Nifti1Header.get_best_affine: sform if sform_code > 0, else qform if qform_code > 0,
// else get_base_affine(): pixdim scaling with x flipped and the volume's centre at the origin.
Affine best_affine(const nifti_image& nim) {
  if (nim.sform_code > 0) return from_dmat44(nim.sto_xyz);
  if (nim.qform_code > 0) return from_dmat44(nim.qto_xyz);
  Affine a{};
  const double zooms[3] = {-nim.pixdim[1], nim.pixdim[2], nim.pixdim[3]};
  const std::int64_t sizes[3] = {nim.nx, nim.ny, nim.nz};
  for (int r = 0; r < 3; ++r) {
    a[r][r] = zooms[r];
    a[r][3] = -zooms[r] * (static_cast<double>(sizes[r]) - 1.0) / 2.0;
  }
  a[3][3] = 1;
  return a;
}

std::string os_reason(int err) { return std::strerror(err); }

// A path that names no file or a directory: one line saying so.
void check_is_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw error("{}: no such file; check the path (relative paths start from {})", path,
                fs::current_path(ec).string());
  if (fs::is_directory(path, ec))
    throw error("{}: is a directory, not a NIfTI file; name a .nii or .nii.gz file", path);
}

// The dims and spacings exactly as the header stores them: nifticlib replaces a zero dimension or a
// non-positive pixdim by 1 while reading, which would hide a damaged file.
struct RawGeometry {
  std::int64_t ndim = 0;
  std::array<std::int64_t, 8> dim{};
  std::array<double, 8> pixdim{};
  int datatype = 0;         // the NIfTI code
  double vox_offset = 0;    // where the voxels start in a single (.nii) file
};

template <class T>
T swapped(T v) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  std::reverse(b, b + sizeof(T));
  std::memcpy(&v, b, sizeof(T));
  return v;
}

template <class T>
T field(const unsigned char* h, std::size_t offset, bool swap) {
  T v;
  std::memcpy(&v, h + offset, sizeof(T));
  return swap ? swapped(v) : v;
}

// False when the first bytes are not a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header.
bool read_raw_geometry(const std::string& path, RawGeometry& out) {
  unsigned char h[540];
  znzFile f = znzopen(path.c_str(), "rb", path.ends_with(".gz"));
  if (znz_isnull(f)) return false;
  const std::size_t got = znzread(h, 1, sizeof h, f);
  znzclose(f);
  if (got < 348) return false;
  std::int32_t size = field<std::int32_t>(h, 0, false);
  const bool swap = size != 348 && size != 540;
  if (swap) size = swapped(size);
  if (size == 348) {
    for (int d = 0; d < 8; ++d) {
      out.dim[d] = field<std::int16_t>(h, 40 + 2 * d, swap);
      out.pixdim[d] = field<float>(h, 76 + 4 * d, swap);
    }
    out.datatype = field<std::int16_t>(h, 70, swap);
    out.vox_offset = field<float>(h, 108, swap);
  } else if (size == 540 && got >= 540) {
    for (int d = 0; d < 8; ++d) {
      out.dim[d] = field<std::int64_t>(h, 16 + 8 * d, swap);
      out.pixdim[d] = field<double>(h, 104 + 8 * d, swap);
    }
    out.datatype = field<std::int16_t>(h, 12, swap);
    out.vox_offset = static_cast<double>(field<std::int64_t>(h, 168, swap));
  } else {
    return false;
  }
  out.ndim = out.dim[0];
  return true;
}

// What nifticlib refuses with a line of its own on stderr ("** ERROR: nifti_convert_n1hdr2nim: bad
// datatype", whatever nifti_set_debug_level says) is refused here first, so the only line is ours:
// dim[0] outside 1..7, a dimension below 1, a datatype code NIfTI does not define.
void check_header_codes(const std::string& path, const RawGeometry& g) {
  if (g.ndim < 1 || g.ndim > 7)
    throw error("{}: dim[0] = {} is not a number of dimensions (1 to 7); the header is damaged; re-export the image",
                path, g.ndim);
  for (std::int64_t d = 1; d <= g.ndim; ++d)
    if (g.dim[d] < 1)
      throw error("{}: dimension {} of the header is {} ({}); the image is empty or the file is "
                  "damaged; re-export it",
                  path, d, g.dim[d], fmt::join(&g.dim[1], &g.dim[g.ndim + 1], "x"));
  if (nifti_is_valid_datatype(g.datatype) == 0)  // the test nifti_convert_n1hdr2nim makes (0 is invalid)
    throw error("{}: datatype code {} is not a NIfTI datatype; the header is damaged; re-export the image", path,
                g.datatype);
}

// A spacing that is not a positive number makes no volume: refuse it.
void check_raw_geometry(const std::string& path, const RawGeometry& g) {
  for (std::int64_t d = 1; d <= std::min<std::int64_t>(g.ndim, 3); ++d)
    if (!(g.pixdim[d] > 0.0) || !std::isfinite(g.pixdim[d]))
      throw error("{}: pixdim[{}] = {} is not a positive voxel spacing; fix the header (e.g. "
                  "nibabel's header.set_zooms) or re-export the image",
                  path, d, g.pixdim[d]);
}

// Deflate expands at most 1032-fold (RFC 1951's longest match per shortest code), so a .gz file
// of n bytes holds at most about 1032 * n: a header announcing more is damaged, not compressed.
constexpr double kMaxGzipRatio = 1032.0;

// A single file (.nii, .nii.gz) must hold the voxels its header announces; checked before
// nifticlib allocates them, so a damaged dimension cannot ask for terabytes.
void check_data_fits_file(const std::string& path, const RawGeometry& g) {
  const bool gzip = path.ends_with(".nii.gz");
  if (!gzip && !path.ends_with(".nii")) return;  // a .hdr/.img pair: nifticlib reads the .img
  int bytes_per_voxel = 0, swap_size = 0;
  nifti_datatype_sizes(g.datatype, &bytes_per_voxel, &swap_size);
  if (bytes_per_voxel <= 0) return;  // an unknown datatype: refused after the header is read
  double voxels = 1;
  for (std::int64_t d = 1; d <= g.ndim; ++d) voxels *= static_cast<double>(g.dim[d]);
  const double needed = std::max(g.vox_offset, 0.0) + voxels * bytes_per_voxel;
  std::error_code ec;
  const double size = static_cast<double>(fs::file_size(path, ec));
  if (ec || needed <= (gzip ? size * kMaxGzipRatio : size)) return;
  throw error("{}: the header announces {} voxels of {} bytes ({:.4g} bytes from offset {}) but the file has "
              "only {} bytes{}; the file is truncated or its header is damaged; re-export it",
              path, fmt::join(&g.dim[1], &g.dim[g.ndim + 1], "x"), bytes_per_voxel, needed, g.vox_offset, size,
              gzip ? " (compressed; deflate expands at most 1032-fold)" : "");
}

}  // namespace

std::string_view nifti_datatype_name(NiftiDatatype t) {
  switch (t) {
    case NiftiDatatype::UInt8: return "uint8";
    case NiftiDatatype::Int16: return "int16";
    case NiftiDatatype::Int32: return "int32";
    case NiftiDatatype::Float32: return "float32";
    case NiftiDatatype::Float64: return "float64";
  }
  return "?";
}

NiftiImage read_nifti(const std::string& path, NiftiRead as) {
  check_is_file(path);

  silence_nifticlib();
  RawGeometry raw;
  if (read_raw_geometry(path, raw)) {
    check_header_codes(path, raw);
    check_raw_geometry(path, raw);
    check_data_fits_file(path, raw);
  }
  NimPtr nim(nifti_image_read(path.c_str(), /*read_data=*/1));
  if (!nim)
    throw error("{}: cannot be read as NIfTI (not a NIfTI-1/NIfTI-2 file, truncated, or "
                "unreadable); check the file, e.g. with nibabel or fslhd",
                path);

  const std::int64_t ndim = nim->dim[0];
  for (std::int64_t d = 5; d <= ndim && d <= 7; ++d)
    if (nim->dim[d] > 1)
      throw error("{}: has {} dimensions ({}); voxtrain reads 3-D volumes and 4-D volumes whose "
                  "4th dimension is the channel; split the file into 4-D volumes",
                  path, ndim, fmt::join(&nim->dim[1], &nim->dim[ndim + 1], "x"));

  NiftiDatatype stored{};
  if (!from_nifti_code(nim->datatype, stored))
    throw error("{}: voxel datatype {} ({}) is not supported; convert it to uint8, int16, int32, "
                "float32 or float64",
                path, nifti_datatype_string(nim->datatype), nim->datatype);

  const std::int64_t nx = nim->nx, ny = nim->ny, nz = ndim >= 3 ? nim->nz : 1;
  const std::int64_t nt = ndim >= 4 ? nim->nt : 1;
  if (nx < 1 || ny < 1 || nz < 1 || nt < 1)
    throw error("{}: has an empty dimension ({}x{}x{}x{}); the file is damaged", path, nx, ny, nz, nt);
  const std::int64_t count = nx * ny * nz * nt;
  if (nim->data == nullptr || count > nim->nvox)
    throw error("{}: holds fewer voxels than its header announces; the file is truncated", path);

  const double slope = nim->scl_slope, inter = nim->scl_inter;
  const bool scaled = slope != 0.0 && std::isfinite(slope) && !(slope == 1.0 && inter == 0.0);

  NiftiImage image;
  image.stored_as = stored;
  image.qform_code = nim->qform_code;
  image.sform_code = nim->sform_code;
  image.affine = best_affine(*nim);
  image.pixdim = {nim->pixdim[1], ndim >= 2 ? nim->pixdim[2] : 1.0, ndim >= 3 ? nim->pixdim[3] : 1.0,
                  ndim >= 4 ? nim->pixdim[4] : 1.0};

  // NIfTI stores x fastest, then y, z, t: exactly row-major [t, z, y, x]; no transposition.
  const Shape shape{nt, nz, ny, nx};
  if (as == NiftiRead::Image) {
    image.data = Tensor::empty(shape, DType::Float32);
    float* out = image.data.data<float>();
    for (std::int64_t n = 0; n < count; ++n) {
      const double v = raw_value(nim->data, stored, n);
      out[n] = static_cast<float>(scaled ? v * slope + inter : v);
    }
  } else {
    image.data = Tensor::empty(shape, DType::Int32);
    std::int32_t* out = image.data.data<std::int32_t>();
    for (std::int64_t n = 0; n < count; ++n) {
      double v = raw_value(nim->data, stored, n);
      if (scaled) v = v * slope + inter;
      if (!(v == std::nearbyint(v)) || v < std::numeric_limits<std::int32_t>::min() ||
          v > std::numeric_limits<std::int32_t>::max()) {
        const std::int64_t i = n % nx, j = n / nx % ny, k = n / (nx * ny) % nz, t = n / (nx * ny * nz);
        throw error("{}: read as a label map but voxel ({}, {}, {}, {}) holds {}, not a whole "
                    "number; give a segmentation file here (or read it as an image)",
                    path, i, j, k, t, v);
      }
      out[n] = static_cast<std::int32_t>(v);
    }
  }
  return image;
}

namespace {

// Converts a tensor element to the on-disk type, refusing values the type cannot hold exactly.
template <class Out>
void store_all(const Tensor& data, Out* out, const std::string& path, NiftiDatatype stored_as) {
  const std::int64_t count = data.numel();
  auto check = [&](double v, std::int64_t n) {
    if constexpr (std::is_integral_v<Out>) {
      if (!(v == std::nearbyint(v)) || v < static_cast<double>(std::numeric_limits<Out>::min()) ||
          v > static_cast<double>(std::numeric_limits<Out>::max()))
        throw error("{}: element {} of the data is {}, which {} cannot hold; write it as float32 "
                    "or int32",
                    path, n, v, nifti_datatype_name(stored_as));
    }
  };
  switch (data.dtype()) {
    case DType::Float32: {
      const float* in = data.data<float>();
      for (std::int64_t n = 0; n < count; ++n) {
        check(in[n], n);
        out[n] = static_cast<Out>(in[n]);
      }
      break;
    }
    case DType::Int32: {
      const std::int32_t* in = data.data<std::int32_t>();
      for (std::int64_t n = 0; n < count; ++n) {
        check(in[n], n);
        out[n] = static_cast<Out>(in[n]);
      }
      break;
    }
    case DType::UInt8: {
      const std::uint8_t* in = data.data<std::uint8_t>();
      for (std::int64_t n = 0; n < count; ++n) out[n] = static_cast<Out>(in[n]);
      break;
    }
    case DType::Int64:
      throw error("{}: int64 data cannot be written to NIfTI; convert it to int32", path);
  }
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void write_nifti(const std::string& path, const NiftiImage& image) {
  const Tensor& data = image.data;
  if (!data.defined() || (data.rank() != 3 && data.rank() != 4))
    throw error("{}: an image to write needs data of shape [C, D, H, W] or [D, H, W], not {}", path,
                data.defined() ? data.shape().to_string() : std::string("no data"));
  if (data.device().is_cuda() || !data.is_plain())
    throw error("{}: the data to write must be a plain host tensor; copy it to the host first", path);
  if (image.stored_as == NiftiDatatype::Float64)
    throw error("{}: writing float64 is not supported; set stored_as to float32", path);

  const int r = data.rank();
  const std::int64_t nt = r == 4 ? data.shape()[0] : 1;
  const std::int64_t nz = data.shape()[r - 3], ny = data.shape()[r - 2], nx = data.shape()[r - 1];
  for (std::int64_t n : {nt, nz, ny, nx})
    if (n < 1 || n > std::numeric_limits<std::int16_t>::max())
      throw error("{}: shape {} cannot be written to NIfTI-1 (each size must be 1 to 32767)", path,
                  data.shape().to_string());

  // The header: nifticlib's defaults (magic n+1, vox_offset 352), then our geometry.
  const std::int64_t dims[8] = {nt > 1 ? 4 : 3, nx, ny, nz, nt, 1, 1, 1};
  silence_nifticlib();
  std::unique_ptr<nifti_1_header, decltype(&std::free)> hdr(
      nifti_make_new_n1_header(dims, to_nifti_code(image.stored_as)), &std::free);
  if (!hdr) throw InternalError("nifti_make_new_n1_header failed");
  const Affine& a = image.affine;
  double spacing[3];
  for (int c = 0; c < 3; ++c) spacing[c] = std::hypot(a[0][c], a[1][c], a[2][c]);
  hdr->pixdim[1] = static_cast<float>(spacing[0]);
  hdr->pixdim[2] = static_cast<float>(spacing[1]);
  hdr->pixdim[3] = static_cast<float>(spacing[2]);
  hdr->pixdim[4] = static_cast<float>(image.pixdim[3]);
  hdr->vox_offset = 352.0f;  // 348-byte header + 4-byte extender
  hdr->scl_slope = 1.0f;
  hdr->scl_inter = 0.0f;
  hdr->xyzt_units = NIFTI_UNITS_MM | NIFTI_UNITS_SEC;
  hdr->sform_code = static_cast<short>(image.sform_code);
  hdr->qform_code = static_cast<short>(image.qform_code);
  for (int c = 0; c < 4; ++c) {
    hdr->srow_x[c] = static_cast<float>(a[0][c]);
    hdr->srow_y[c] = static_cast<float>(a[1][c]);
    hdr->srow_z[c] = static_cast<float>(a[2][c]);
  }
  nifti_dmat44 m{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) m.m[i][j] = a[i][j];
  double qb, qc, qd, qx, qy, qz, dx, dy, dz, qfac;
  nifti_dmat44_to_quatern(m, &qb, &qc, &qd, &qx, &qy, &qz, &dx, &dy, &dz, &qfac);
  hdr->quatern_b = static_cast<float>(qb);
  hdr->quatern_c = static_cast<float>(qc);
  hdr->quatern_d = static_cast<float>(qd);
  hdr->qoffset_x = static_cast<float>(qx);
  hdr->qoffset_y = static_cast<float>(qy);
  hdr->qoffset_z = static_cast<float>(qz);
  hdr->pixdim[0] = static_cast<float>(qfac);

  // The voxels in the on-disk type.
  std::vector<char> bytes(static_cast<std::size_t>(data.numel()) *
                          static_cast<std::size_t>(bytes_of(image.stored_as)));
  switch (image.stored_as) {
    case NiftiDatatype::UInt8: store_all(data, reinterpret_cast<std::uint8_t*>(bytes.data()), path, image.stored_as); break;
    case NiftiDatatype::Int16: store_all(data, reinterpret_cast<std::int16_t*>(bytes.data()), path, image.stored_as); break;
    case NiftiDatatype::Int32: store_all(data, reinterpret_cast<std::int32_t*>(bytes.data()), path, image.stored_as); break;
    case NiftiDatatype::Float32: store_all(data, reinterpret_cast<float*>(bytes.data()), path, image.stored_as); break;
    case NiftiDatatype::Float64: break;
  }

  // Written under a temporary name in the same directory, then renamed over path.
  static std::atomic<unsigned> counter{0};
  const fs::path target(path);
  fs::path tmp = target;
  std::string tmp_name(".");
  tmp_name.append(target.filename().string())
      .append(fmt::format(".tmp-{}-{}", ::getpid(), counter.fetch_add(1)));
  tmp.replace_filename(tmp_name);
  const bool gzip = ends_with(path, ".gz");

  auto fail = [&](const std::string& why) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return error("{}: cannot write ({}); check that the directory exists and is writable and the "
                 "disk has space",
                 path, why);
  };
  errno = 0;
  znzFile file = znzopen(tmp.c_str(), "wb", gzip ? 1 : 0);
  if (znz_isnull(file)) throw fail(errno != 0 ? os_reason(errno) : std::string("cannot create a file there"));
  const char extender[4] = {0, 0, 0, 0};  // no extensions; the data starts at byte 352
  bool ok = znzwrite(hdr.get(), sizeof(nifti_1_header), 1, file) == 1 &&
            znzwrite(extender, 1, 4, file) == 4 &&
            (bytes.empty() || znzwrite(bytes.data(), 1, bytes.size(), file) == bytes.size());
  const int saved_errno = errno;
  ok = (znzclose(file) == 0) && ok;
  if (!ok) throw fail(saved_errno != 0 ? os_reason(saved_errno) : std::string("write error"));
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) throw fail(ec.message());
}

void write_nifti_like(const std::string& path, const Tensor& data, const NiftiImage& geometry) {
  const std::array<std::int64_t, 3> want = geometry.size_ijk();
  const int r = data.defined() ? data.rank() : 0;
  if ((r != 3 && r != 4) || data.shape()[r - 1] != want[0] || data.shape()[r - 2] != want[1] ||
      data.shape()[r - 3] != want[2])
    throw error("{}: the data to write has shape {} but its reference image is {}x{}x{} (i x j x k); "
                "pass data of shape [C, {}, {}, {}]",
                path, data.defined() ? data.shape().to_string() : std::string("(none)"), want[0],
                want[1], want[2], want[2], want[1], want[0]);
  NiftiImage out;
  out.data = r == 3 ? data.reshaped(Shape{1, data.shape()[0], data.shape()[1], data.shape()[2]}) : data;
  out.affine = geometry.affine;
  out.pixdim = geometry.pixdim;
  out.qform_code = geometry.qform_code;
  out.sform_code = geometry.sform_code;
  out.stored_as = NiftiDatatype::Float32;
  if (data.dtype() == DType::UInt8) {
    out.stored_as = NiftiDatatype::UInt8;
  } else if (data.dtype() == DType::Int32 && data.device().is_cpu() && data.is_plain()) {
    const std::int32_t* v = data.data<std::int32_t>();
    std::int32_t lo = 0, hi = 0;
    for (std::int64_t n = 0; n < data.numel(); ++n) {
      lo = std::min(lo, v[n]);
      hi = std::max(hi, v[n]);
    }
    out.stored_as = lo >= 0 && hi <= 255                ? NiftiDatatype::UInt8
                    : lo >= -32768 && hi <= 32767        ? NiftiDatatype::Int16
                                                         : NiftiDatatype::Int32;
  }
  write_nifti(path, out);
}

namespace {

// nifticlib's orientation code (NIFTI_L2R, ...) as the letter of the direction the axis runs to.
char axis_letter(int code) {
  switch (code) {
    case NIFTI_L2R: return 'R';
    case NIFTI_R2L: return 'L';
    case NIFTI_P2A: return 'A';
    case NIFTI_A2P: return 'P';
    case NIFTI_I2S: return 'S';
    case NIFTI_S2I: return 'I';
    default: return '?';
  }
}

std::string nifti_format_name(int nifti_type) {
  switch (nifti_type) {
    case NIFTI_FTYPE_ANALYZE: return "ANALYZE 7.5";
    case NIFTI_FTYPE_NIFTI1_1: return "NIfTI-1";
    case NIFTI_FTYPE_NIFTI1_2: return "NIfTI-1 (.hdr/.img pair)";
    case NIFTI_FTYPE_NIFTI2_1: return "NIfTI-2";
    case NIFTI_FTYPE_NIFTI2_2: return "NIfTI-2 (.hdr/.img pair)";
    default: return fmt::format("NIfTI type {}", nifti_type);
  }
}

}  // namespace

NiftiHeader read_nifti_header(const std::string& path) {
  check_is_file(path);
  silence_nifticlib();
  RawGeometry raw;
  if (read_raw_geometry(path, raw)) check_header_codes(path, raw);
  NimPtr nim(nifti_image_read(path.c_str(), /*read_data=*/0));
  if (!nim)
    throw error("{}: cannot be read as NIfTI (not a NIfTI-1/NIfTI-2 file, truncated, or "
                "unreadable); check the file, e.g. with nibabel or fslhd",
                path);
  NiftiHeader h;
  h.format = nifti_format_name(nim->nifti_type);
  h.ndim = static_cast<int>(nim->dim[0]);
  for (int d = 0; d < 7; ++d) {
    h.dim[static_cast<std::size_t>(d)] = nim->dim[d + 1];
    h.pixdim[static_cast<std::size_t>(d)] = nim->pixdim[d + 1];
  }
  h.datatype = nim->datatype;
  h.datatype_name = nifti_datatype_string(nim->datatype);
  h.bitpix = nim->nbyper * 8;
  h.qform_code = nim->qform_code;
  h.sform_code = nim->sform_code;
  h.affine = best_affine(*nim);
  h.affine_source = nim->sform_code > 0 ? "sform" : nim->qform_code > 0 ? "qform" : "pixdim";
  nifti_dmat44 m{};
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) m.m[r][c] = h.affine[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
  int codes[3] = {0, 0, 0};
  nifti_dmat44_to_orientation(m, &codes[0], &codes[1], &codes[2]);
  for (int code : codes) h.axcodes.push_back(axis_letter(code));
  h.scl_slope = nim->scl_slope;
  h.scl_inter = nim->scl_inter;
  h.description.assign(nim->descrip, strnlen(nim->descrip, sizeof nim->descrip));
  h.intent_name.assign(nim->intent_name, strnlen(nim->intent_name, sizeof nim->intent_name));
  h.aux_file.assign(nim->aux_file, strnlen(nim->aux_file, sizeof nim->aux_file));
  return h;
}

}  // namespace voxtrain
