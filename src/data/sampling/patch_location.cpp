// patch_location.cpp — printing a PatchLocation and cropping it out of a [C, D, H, W] volume,
// row by row, with the part outside the volume filled.
#include "voxtrain/data/sampling/patch_location.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"

namespace voxtrain {

std::string PatchLocation::to_string() const {
  return fmt::format("[{}, {}, {}, {}, {}, {}, {}]", subject, start[0], start[1], start[2],
                     end[0], end[1], end[2]);
}

Tensor crop_patch(const Tensor& volume, const PatchLocation& at, double outside) {
  VOX_ASSERT(volume.rank() == 4 && volume.is_plain());
  const auto size = at.size();
  VOX_ASSERT(size[0] >= 0 && size[1] >= 0 && size[2] >= 0);
  const std::int64_t channels = volume.shape()[0];
  // Volume extents in (i, j, k) order.
  const std::array<std::int64_t, 3> extent{volume.shape()[3], volume.shape()[2], volume.shape()[1]};
  Tensor patch = Tensor::empty({channels, size[2], size[1], size[0]}, volume.dtype());

  std::array<std::int64_t, 3> lo{}, hi{};  // the overlap, in volume coordinates
  bool inside_whole = true;
  for (int a = 0; a < 3; ++a) {
    lo[a] = std::clamp(at.start[a], std::int64_t{0}, extent[a]);
    hi[a] = std::clamp(at.end[a], lo[a], extent[a]);
    inside_whole = inside_whole && lo[a] == at.start[a] && hi[a] == at.end[a];
  }
  if (!inside_whole) patch.fill(outside);
  if (hi[0] <= lo[0] || hi[1] <= lo[1] || hi[2] <= lo[2]) return patch;

  const std::size_t elem = dtype_size(volume.dtype());
  const auto* src = static_cast<const unsigned char*>(volume.raw_data());
  auto* dst = static_cast<unsigned char*>(patch.raw_data());
  const std::size_t row_bytes = static_cast<std::size_t>(hi[0] - lo[0]) * elem;
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t k = lo[2]; k < hi[2]; ++k)
      for (std::int64_t j = lo[1]; j < hi[1]; ++j) {
        const std::int64_t s = ((c * extent[2] + k) * extent[1] + j) * extent[0] + lo[0];
        const std::int64_t d = ((c * size[2] + (k - at.start[2])) * size[1] + (j - at.start[1])) * size[0] +
                               (lo[0] - at.start[0]);
        std::memcpy(dst + static_cast<std::size_t>(d) * elem, src + static_cast<std::size_t>(s) * elem, row_bytes);
      }
  return patch;
}

}  // namespace voxtrain
