// matrix3.cpp — 3x3 products, determinants and axis rotations with exact quarter turns.
#include "voxtrain/core/matrix3.hpp"

#include <cmath>
#include <cstddef>
#include <numbers>

namespace voxtrain {
namespace {

// cos and sin of an angle in degrees, exact at multiples of 90 degrees.
std::array<double, 2> cos_sin_degrees(double degrees) {
  const double quarter = degrees / 90.0;
  if (quarter == std::nearbyint(quarter)) {
    constexpr double kCos[4] = {1, 0, -1, 0};
    constexpr double kSin[4] = {0, 1, 0, -1};
    const auto q = static_cast<std::size_t>(((static_cast<long long>(quarter) % 4) + 4) % 4);
    return {kCos[q], kSin[q]};
  }
  const double radians = degrees * std::numbers::pi / 180.0;
  return {std::cos(radians), std::sin(radians)};
}

}  // namespace

Mat3 multiply(const Mat3& a, const Mat3& b) {
  Mat3 c{};
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k)
      for (int q = 0; q < 3; ++q) c[r][k] += a[r][q] * b[q][k];
  return c;
}

double determinant(const Mat3& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

Mat3 rotation_degrees(const std::array<double, 3>& degrees) {
  const auto [ca, sa] = cos_sin_degrees(degrees[0]);
  const auto [cb, sb] = cos_sin_degrees(degrees[1]);
  const auto [cc, sc] = cos_sin_degrees(degrees[2]);
  const Mat3 rx{{{1, 0, 0}, {0, ca, -sa}, {0, sa, ca}}};
  const Mat3 ry{{{cb, 0, sb}, {0, 1, 0}, {-sb, 0, cb}}};
  const Mat3 rz{{{cc, -sc, 0}, {sc, cc, 0}, {0, 0, 1}}};
  return multiply(rz, multiply(ry, rx));
}

}  // namespace voxtrain
