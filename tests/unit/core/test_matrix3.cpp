// test_matrix3.cpp — 3x3 products, determinants and axis rotations against hand-worked values:
// quarter turns exact, a 30-degree turn by its cosine and sine, rotations orthogonal with det 1.
#include <catch2/catch.hpp>

#include <cmath>

#include "voxtrain/core/matrix3.hpp"

using voxtrain::Mat3;

namespace {

std::array<double, 3> apply(const Mat3& m, const std::array<double, 3>& v) {
  return {m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2], m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
          m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2]};
}

}  // namespace

TEST_CASE("matrix3: product and determinant of hand-worked matrices", "[core]") {
  const Mat3 a{{{1, 2, 3}, {0, 1, 4}, {5, 6, 0}}};
  const Mat3 b{{{-24, 18, 5}, {20, -15, -4}, {-5, 4, 1}}};  // a's inverse (det a = 1)
  CHECK(voxtrain::determinant(a) == 1.0);
  CHECK(voxtrain::multiply(a, b) == Mat3{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}});
  CHECK(voxtrain::determinant(Mat3{{{2, 0, 0}, {0, 3, 0}, {0, 0, -4}}}) == -24.0);
}

TEST_CASE("matrix3: quarter turns are exact and right-handed", "[core]") {
  // About axis 2 (z): x -> y. About axis 0 (x): y -> z. About axis 1 (y): z -> x.
  CHECK(apply(voxtrain::rotation_degrees({0, 0, 90}), {1, 0, 0}) == std::array<double, 3>{0, 1, 0});
  CHECK(apply(voxtrain::rotation_degrees({90, 0, 0}), {0, 1, 0}) == std::array<double, 3>{0, 0, 1});
  CHECK(apply(voxtrain::rotation_degrees({0, 90, 0}), {0, 0, 1}) == std::array<double, 3>{1, 0, 0});
  CHECK(apply(voxtrain::rotation_degrees({0, 0, -270}), {1, 0, 0}) == std::array<double, 3>{0, 1, 0});
  CHECK(apply(voxtrain::rotation_degrees({180, 0, 0}), {0, 1, 0}) == std::array<double, 3>{0, -1, 0});
  // Order: axis 0 first, then 1, then 2. x -(about x)-> x -(about y by 90)-> -z -(about z)-> -z.
  CHECK(apply(voxtrain::rotation_degrees({90, 90, 90}), {1, 0, 0}) == std::array<double, 3>{0, 0, -1});
}

TEST_CASE("matrix3: a general rotation has the expected entries, is orthogonal and has det 1", "[core]") {
  const Mat3 r = voxtrain::rotation_degrees({0, 0, 30});
  CHECK(r[0][0] == Approx(std::sqrt(3.0) / 2).epsilon(1e-15));
  CHECK(r[1][0] == Approx(0.5).epsilon(1e-15));
  CHECK(r[0][1] == Approx(-0.5).epsilon(1e-15));
  const Mat3 g = voxtrain::rotation_degrees({12.5, -7, 33});
  const Mat3 gt{{{g[0][0], g[1][0], g[2][0]}, {g[0][1], g[1][1], g[2][1]}, {g[0][2], g[1][2], g[2][2]}}};
  const Mat3 id = voxtrain::multiply(g, gt);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) CHECK(id[a][b] == Approx(a == b ? 1.0 : 0.0).margin(1e-15));
  CHECK(voxtrain::determinant(g) == Approx(1.0).epsilon(1e-15));
}
