// conv_shape.cpp — output extents of convolutions and their transposes, shared by every backend.
#include <fmt/format.h>

#include "voxtrain/backend/backend.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {

Shape conv_output_shape(const Shape& x, std::int64_t cout, const ConvSpec& spec, const std::string& layer) {
  if (x.rank() != 5)
    throw error("{}: the input has shape {}, but a 3-D convolution takes [N, C, D, H, W]", layer, x.to_string());
  std::array<std::int64_t, 5> out{x[0], cout, 0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const std::int64_t in = x[i + 2];
    const std::int64_t k = spec.kernel[static_cast<std::size_t>(i)];
    const std::int64_t s = spec.stride[static_cast<std::size_t>(i)];
    const std::int64_t p = spec.padding[static_cast<std::size_t>(i)];
    const std::int64_t d = spec.dilation[static_cast<std::size_t>(i)];
    const std::int64_t span = d * (k - 1) + 1;
    const bool valid = k >= 1 && s >= 1 && d >= 1 && p >= 0;
    // Rounded down (not towards zero): a kernel wider than the padded input gives no output at all.
    const std::int64_t reach = in + 2 * p - span;
    out[static_cast<std::size_t>(i) + 2] =
        !valid ? 0 : spec.transposed ? (in - 1) * s - 2 * p + span : (reach < 0 ? -1 : reach / s) + 1;
    if (!valid || out[static_cast<std::size_t>(i) + 2] < 1)
      throw error("{}: input {} cannot pass through a {}convolution with kernel {}, stride {}, padding {}, "
                  "dilation {} (axis {} would have size {}): use a larger input or a smaller kernel",
                  layer, x.to_string(), spec.transposed ? "transposed " : "", fmt::join(spec.kernel, "x"),
                  fmt::join(spec.stride, "x"), fmt::join(spec.padding, "x"), fmt::join(spec.dilation, "x"),
                  "DHW"[i], out[static_cast<std::size_t>(i) + 2]);
  }
  return Shape(std::span<const std::int64_t>(out.data(), out.size()));
}

}  // namespace voxtrain
