// cpu_test_support.hpp — what the CPU backend tests share: tensors put in a chosen oneDNN layout,
// the primitive counter, inputs kept away from kinks, and f(x) = weighted_sum(to_plain(y), r).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <vector>

// The test target does not have src/ on its include path: the CPU backend's internal header is
// reached from here, the one place the tests look inside the backend.
#include "../../../src/backend/cpu/cpu_backend.hpp"
#include "../../../src/backend/cpu/dnnl_context.hpp"
#include "support/reference/gradcheck.hpp"
#include "support/reference/naive_ops.hpp"
#include "voxtrain/backend/backend.hpp"

namespace voxtrain::test {

inline Backend& be() { return cpu_backend(); }
// The CPU backend itself, for what it offers beyond the Backend interface (scale).
inline cpu::CpuBackend& cpu_be() { return static_cast<cpu::CpuBackend&>(cpu_backend()); }

// A copy of plain x in the given oneDNN layout (nCdhw16c, ndhwc, ...), as a primitive would hand it out.
inline Tensor in_layout(const Tensor& x, dnnl::memory::format_tag layout) {
  const dnnl::memory::desc md(cpu::to_dims(x.shape()), cpu::dt::f32, layout);
  return cpu::context().reorder_to(x, md);
}
inline Tensor blocked16(const Tensor& x) { return in_layout(x, dnnl::memory::format_tag::nCdhw16c); }

// Whether two tensors have exactly the same layout (both plain, or the same oneDNN descriptor).
inline bool same_layout(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && cpu::md_of(a) == cpu::md_of(b);
}

inline std::int64_t primitives_created() { return cpu::context().primitives_created(); }

// f(y) for a gradcheck: the layer's output in whatever layout, weighted by fixed r.
inline double weighted(const Tensor& y, const Tensor& r) { return weighted_sum(be().to_plain(y), r); }

// Moves every element closer than margin to one of the kinks to a distance of margin (or more)
// on the same side, so that a finite difference with a step below margin never straddles a kink.
inline void keep_away_from(Tensor& x, std::initializer_list<float> kinks, float margin) {
  float* v = x.data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i)
    for (float k : kinks)
      if (std::abs(v[i] - k) < margin) v[i] = v[i] >= k ? k + margin + (v[i] - k) : k - margin + (v[i] - k);
}

// A tensor whose elements are distinct multiples of spacing (a shuffled ramp), so that the
// maximum of any window is unique by at least spacing.
inline Tensor distinct_values(const Shape& shape, unsigned seed, float spacing) {
  Tensor order = random_tensor(shape, seed);
  std::vector<std::int64_t> rank(static_cast<std::size_t>(shape.numel()));
  for (std::size_t i = 0; i < rank.size(); ++i) rank[i] = static_cast<std::int64_t>(i);
  const float* o = order.data<float>();
  std::sort(rank.begin(), rank.end(), [&](std::int64_t a, std::int64_t b) { return o[a] < o[b]; });
  Tensor x = Tensor::empty(shape);
  const double middle = static_cast<double>(rank.size()) / 2;
  for (std::size_t i = 0; i < rank.size(); ++i)
    x.data<float>()[rank[i]] = static_cast<float>((static_cast<double>(i) - middle) * spacing);
  return x;
}

}  // namespace voxtrain::test
