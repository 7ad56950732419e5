// dtype.hpp — the element types a Tensor holds: float32 for images and activations, integer
// types for labels and masks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace voxtrain {

enum class DType : std::uint8_t { Float32, Int32, Int64, UInt8 };

constexpr std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::UInt8: return 1;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::UInt8: return "uint8";
  }
  return "?";
}

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::Float32; };
template <> struct DTypeOf<std::int32_t> { static constexpr DType value = DType::Int32; };
template <> struct DTypeOf<std::int64_t> { static constexpr DType value = DType::Int64; };
template <> struct DTypeOf<std::uint8_t> { static constexpr DType value = DType::UInt8; };

template <class T> inline constexpr DType dtype_of = DTypeOf<T>::value;

}  // namespace voxtrain
