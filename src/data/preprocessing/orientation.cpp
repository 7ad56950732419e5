// orientation.cpp — axis codes from an affine (polar decomposition, then nibabel's greedy axis
// matching) and exact reorientation of arrays and affines by axis permutation and flips.
#include "voxtrain/data/preprocessing/orientation.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/matrix3.hpp"

namespace voxtrain {
namespace {

// Letters for the negative and positive direction of world x, y, z (nibabel's default labels).
constexpr char kNegative[3] = {'L', 'P', 'I'};
constexpr char kPositive[3] = {'R', 'A', 'S'};

// The inverse transpose of m (its cofactor matrix over the determinant).
Mat3 inverse_transpose(const Mat3& m, double det) {
  Mat3 r{};
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      const int a1 = (a + 1) % 3, a2 = (a + 2) % 3, b1 = (b + 1) % 3, b2 = (b + 2) % 3;
      r[a][b] = (m[a1][b1] * m[a2][b2] - m[a1][b2] * m[a2][b1]) / det;
    }
  return r;
}

// The orthogonal factor of m's polar decomposition (U V^T of its SVD, what nibabel's
// io_orientation uses), by Newton's iteration X <- (X + X^-T) / 2.
Mat3 closest_orthogonal(Mat3 x) {
  for (int iteration = 0; iteration < 100; ++iteration) {
    const Mat3 y = inverse_transpose(x, determinant(x));
    double change = 0.0;
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        const double next = 0.5 * (x[a][b] + y[a][b]);
        change = std::max(change, std::abs(next - x[a][b]));
        x[a][b] = next;
      }
    if (change < 1e-14) break;
  }
  return x;
}

// For each voxel axis: the world axis (0 = x, 1 = y, 2 = z) and +1 / -1 (nibabel's io_orientation).
struct AxisDirection {
  int world = 0;
  int sign = 1;
};

std::array<AxisDirection, 3> directions_of(const Affine& affine) {
  Mat3 rs{};
  for (int b = 0; b < 3; ++b) {
    double norm = 0.0;
    for (int a = 0; a < 3; ++a) norm += affine[a][b] * affine[a][b];
    norm = norm > 0.0 ? std::sqrt(norm) : 1.0;
    for (int a = 0; a < 3; ++a) rs[a][b] = affine[a][b] / norm;
  }
  if (!(std::abs(determinant(rs)) > 1e-9))
    throw error("affine [{}] maps voxels to a plane or line (its 3x3 part is singular): the image "
                "has no orientation; fix the file's qform/sform",
                fmt::join(std::vector<double>{affine[0][0], affine[0][1], affine[0][2], affine[1][0],
                                              affine[1][1], affine[1][2], affine[2][0], affine[2][1],
                                              affine[2][2]},
                          ", "));
  Mat3 r = closest_orthogonal(rs);
  std::array<AxisDirection, 3> out{};
  for (int in_axis = 0; in_axis < 3; ++in_axis) {
    int best = 0;
    for (int a = 1; a < 3; ++a)
      if (std::abs(r[a][in_axis]) > std::abs(r[best][in_axis])) best = a;
    out[in_axis] = {best, r[best][in_axis] < 0 ? -1 : 1};
    for (int b = 0; b < 3; ++b) r[best][b] = 0.0;  // that world axis is taken
  }
  return out;
}

AxisDirection direction_of_code(const std::string& code) {
  for (int w = 0; w < 3; ++w) {
    if (code.size() == 1 && code[0] == kPositive[w]) return {w, 1};
    if (code.size() == 1 && code[0] == kNegative[w]) return {w, -1};
  }
  VOX_ASSERT_MSG(false, fmt::format("axcode '{}' was not checked by parse_axcodes", code));
  return {};
}

template <class Word>
void permute_elements(const Tensor& in, Tensor& out, const Reorientation& r) {
  const auto& old = r.old_size;
  const auto now = r.new_size();
  const std::int64_t old_stride[3] = {1, old[0], old[0] * old[1]};
  std::int64_t stride[3] = {0, 0, 0};
  std::int64_t base = 0;
  for (int n = 0; n < 3; ++n) {
    const int a = r.source_axis[static_cast<std::size_t>(n)];
    stride[n] = r.flip[static_cast<std::size_t>(n)] ? -old_stride[a] : old_stride[a];
    if (r.flip[static_cast<std::size_t>(n)]) base += (old[static_cast<std::size_t>(a)] - 1) * old_stride[a];
  }
  const std::int64_t plane = old[0] * old[1] * old[2];
  const auto* src = static_cast<const Word*>(in.raw_data());
  auto* dst = static_cast<Word*>(out.raw_data());
  std::int64_t e = 0;
  for (std::int64_t c = 0; c < in.shape()[0]; ++c)
    for (std::int64_t k = 0; k < now[2]; ++k)
      for (std::int64_t j = 0; j < now[1]; ++j) {
        const std::int64_t row = c * plane + base + k * stride[2] + j * stride[1];
        for (std::int64_t i = 0; i < now[0]; ++i) dst[e++] = src[row + i * stride[0]];
      }
}

}  // namespace

Axcodes axcodes_of(const Affine& affine) {
  Axcodes codes;
  const auto dirs = directions_of(affine);
  for (int a = 0; a < 3; ++a) {
    const AxisDirection d = dirs[static_cast<std::size_t>(a)];
    codes[static_cast<std::size_t>(a)] = std::string(1, d.sign > 0 ? kPositive[d.world] : kNegative[d.world]);
  }
  return codes;
}

std::string axcodes_text(const Axcodes& codes) {
  return fmt::format("({})", fmt::join(codes, ", "));
}

Axcodes parse_axcodes(const std::vector<std::string>& codes, std::string_view where) {
  const std::string given = fmt::format("({})", fmt::join(codes, ", "));
  const auto fail = [&](std::string_view why) {
    return error("{}: axcodes = {} is not an orientation ({}): give three codes, one of L/R, one of "
                 "P/A and one of I/S, in the order of the voxel axes i, j, k, e.g. (R, A, S)",
                 where, given, why);
  };
  if (codes.size() != 3) throw fail(fmt::format("{} codes", codes.size()));
  Axcodes out;
  std::array<bool, 3> used{false, false, false};
  for (std::size_t n = 0; n < 3; ++n) {
    std::string code = codes[n];
    for (char& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    int world = -1;
    for (int w = 0; w < 3; ++w)
      if (code.size() == 1 && (code[0] == kPositive[w] || code[0] == kNegative[w])) world = w;
    if (world < 0) throw fail(fmt::format("unknown code '{}'", codes[n]));
    if (used[static_cast<std::size_t>(world)])
      throw fail(fmt::format("world axis {}/{} given twice", kNegative[world], kPositive[world]));
    used[static_cast<std::size_t>(world)] = true;
    out[n] = code;
  }
  return out;
}

bool Reorientation::is_identity() const {
  return source_axis == std::array<int, 3>{0, 1, 2} && flip == std::array<bool, 3>{false, false, false};
}

std::array<std::int64_t, 3> Reorientation::new_size() const {
  return {old_size[static_cast<std::size_t>(source_axis[0])], old_size[static_cast<std::size_t>(source_axis[1])],
          old_size[static_cast<std::size_t>(source_axis[2])]};
}

Reorientation reorientation_to(const Affine& affine, const std::array<std::int64_t, 3>& size_ijk,
                               const Axcodes& target) {
  const auto now = directions_of(affine);
  Reorientation r;
  r.old_size = size_ijk;
  for (std::size_t n = 0; n < 3; ++n) {
    const AxisDirection want = direction_of_code(target[n]);
    for (int a = 0; a < 3; ++a)
      if (now[static_cast<std::size_t>(a)].world == want.world) {
        r.source_axis[n] = a;
        r.flip[n] = now[static_cast<std::size_t>(a)].sign != want.sign;
      }
  }
  return r;
}

Reorientation inverse(const Reorientation& r) {
  Reorientation inv;
  inv.old_size = r.new_size();
  for (std::size_t n = 0; n < 3; ++n) {
    const auto a = static_cast<std::size_t>(r.source_axis[n]);
    inv.source_axis[a] = static_cast<int>(n);
    inv.flip[a] = r.flip[n];
  }
  return inv;
}

Tensor reorient_volume(const Tensor& volume, const Reorientation& r) {
  VOX_ASSERT(volume.rank() == 4 && volume.is_plain());
  VOX_ASSERT(volume.shape()[3] == r.old_size[0] && volume.shape()[2] == r.old_size[1] &&
             volume.shape()[1] == r.old_size[2]);
  const auto now = r.new_size();
  Tensor out = Tensor::empty({volume.shape()[0], now[2], now[1], now[0]}, volume.dtype());
  switch (dtype_size(volume.dtype())) {
    case 1: permute_elements<std::uint8_t>(volume, out, r); break;
    case 2: permute_elements<std::uint16_t>(volume, out, r); break;
    case 4: permute_elements<std::uint32_t>(volume, out, r); break;
    case 8: permute_elements<std::uint64_t>(volume, out, r); break;
    default: VOX_ASSERT_MSG(false, "unsupported element size");
  }
  return out;
}

Affine reorient_affine(const Affine& affine, const Reorientation& r) {
  Affine out = affine;
  for (int row = 0; row < 3; ++row) {
    for (std::size_t n = 0; n < 3; ++n) {
      const auto a = static_cast<std::size_t>(r.source_axis[n]);
      out[row][n] = r.flip[n] ? -affine[row][a] : affine[row][a];
      if (r.flip[n]) out[row][3] += affine[row][a] * static_cast<double>(r.old_size[a] - 1);
    }
  }
  return out;
}

Reorientation reorient(Subject& subject, const Axcodes& target) {
  Reorientation r;
  try {
    r = reorientation_to(subject.affine, subject.size_ijk(), target);
  } catch (const InternalError&) {
    throw;
  } catch (const Error& e) {
    throw error("subject '{}': {}", subject.id, e.what());
  }
  if (r.is_identity()) return r;
  for (Tensor* t : {&subject.image, &subject.label, &subject.weight, &subject.sampling_map})
    if (t->defined()) *t = reorient_volume(*t, r);
  subject.affine = reorient_affine(subject.affine, r);
  const auto old_spacing = subject.spacing;
  for (std::size_t n = 0; n < 3; ++n) subject.spacing[n] = old_spacing[static_cast<std::size_t>(r.source_axis[n])];
  return r;
}

}  // namespace voxtrain
