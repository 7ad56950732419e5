// matrix3.hpp — 3x3 matrices of doubles for voxel geometry: products, determinants and rotations
// about the three voxel axes (what phantoms, augmentation and reorientation share).
#pragma once

#include <array>

namespace voxtrain {

using Mat3 = std::array<std::array<double, 3>, 3>;

Mat3 multiply(const Mat3& a, const Mat3& b);
double determinant(const Mat3& m);

// Rz(c) Ry(b) Rx(a) for degrees {a, b, c}: right-handed rotations about axes 0, 1, 2, applied
// about axis 0 first. Exact (no rounding) at multiples of 90 degrees.
Mat3 rotation_degrees(const std::array<double, 3>& degrees);

}  // namespace voxtrain
