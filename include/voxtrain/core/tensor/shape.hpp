// shape.hpp — the extents of a Tensor, up to 5 dimensions in NCDHW order.
// Validated on construction: no negative extents, no more than 5 dimensions.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

namespace voxtrain {

class Shape {
 public:
  static constexpr int kMaxRank = 5;

  Shape() = default;
  Shape(std::initializer_list<std::int64_t> extents);
  explicit Shape(std::span<const std::int64_t> extents);

  int rank() const { return rank_; }
  std::int64_t operator[](int axis) const;
  std::int64_t numel() const;
  // Row-major element strides (the last axis is contiguous).
  std::array<std::int64_t, kMaxRank> strides() const;
  std::span<const std::int64_t> extents() const { return {extents_.data(), static_cast<std::size_t>(rank_)}; }
  std::string to_string() const;  // "[2, 1, 64, 64, 64]"

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  std::array<std::int64_t, kMaxRank> extents_{};
  int rank_ = 0;
};

}  // namespace voxtrain
