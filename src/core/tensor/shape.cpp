// shape.cpp — Shape's validation, element count and strides.
#include "voxtrain/core/tensor/shape.hpp"

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"

namespace voxtrain {

Shape::Shape(std::initializer_list<std::int64_t> extents)
    : Shape(std::span<const std::int64_t>(extents.begin(), extents.size())) {}

Shape::Shape(std::span<const std::int64_t> extents) {
  if (extents.size() > static_cast<std::size_t>(kMaxRank))
    throw error("a tensor shape has {} dimensions, but voxtrain tensors have at most {} (NCDHW)",
                extents.size(), kMaxRank);
  for (std::size_t i = 0; i < extents.size(); ++i) {
    if (extents[i] < 0)
      throw error("a tensor shape has a negative extent {} on axis {}", extents[i], i);
    extents_[i] = extents[i];
  }
  rank_ = static_cast<int>(extents.size());
}

std::int64_t Shape::operator[](int axis) const {
  if (axis < 0 || axis >= rank_)
    throw InternalError(fmt::format("axis {} is out of range for shape {}", axis, to_string()));
  return extents_[static_cast<std::size_t>(axis)];
}

std::int64_t Shape::numel() const {
  std::int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= extents_[static_cast<std::size_t>(i)];
  return n;
}

std::array<std::int64_t, Shape::kMaxRank> Shape::strides() const {
  std::array<std::int64_t, kMaxRank> s{};
  std::int64_t step = 1;
  for (int i = rank_ - 1; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = step;
    step *= extents_[static_cast<std::size_t>(i)];
  }
  return s;
}

std::string Shape::to_string() const { return fmt::format("[{}]", fmt::join(extents(), ", ")); }

bool operator==(const Shape& a, const Shape& b) {
  if (a.rank_ != b.rank_) return false;
  for (int i = 0; i < a.rank_; ++i)
    if (a.extents_[static_cast<std::size_t>(i)] != b.extents_[static_cast<std::size_t>(i)]) return false;
  return true;
}

}  // namespace voxtrain
