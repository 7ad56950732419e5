// volume_warp.cpp — nearest and trilinear sampling of [C, D, H, W] volumes through a 3x4 mapping
// and a displacement field; one OpenMP loop over output rows, coordinates computed once per voxel.
#include "voxtrain/data/preprocessing/volume_warp.hpp"

#include <algorithm>
#include <cmath>

#include "voxtrain/core/checks/check.hpp"

namespace voxtrain {
namespace {

// Spatial extent of an input volume, NIfTI order.
struct Extent {
  std::int64_t nx = 0, ny = 0, nz = 0;
  std::int64_t plane() const { return nx * ny * nz; }
};

Extent extent_of(const Tensor& t) { return {t.shape()[3], t.shape()[2], t.shape()[1]}; }

// Far enough outside any volume that casting to an integer is safe and the voxel is outside.
double guard(double x, std::int64_t n) {
  const double limit = static_cast<double>(n) + 2.0;
  return std::isfinite(x) ? std::clamp(x, -2.0, limit) : -2.0;
}

// floor for a guarded coordinate (|x| small): a cast and a correction, no libm call.
double fast_floor(double x) {
  const double t = static_cast<double>(static_cast<std::int64_t>(x));
  return t > x ? t - 1.0 : t;
}

// The lower corner of the 8-voxel neighbourhood and the fractions towards the upper corner.
struct Cell {
  std::int64_t lo[3] = {0, 0, 0};
  double f[3] = {0, 0, 0};
};

Cell linear_cell(const double* x, const Extent& e, WarpBoundary boundary) {
  const std::int64_t n[3] = {e.nx, e.ny, e.nz};
  Cell c;
  for (int a = 0; a < 3; ++a) {
    double v = guard(x[a], n[a]);
    if (boundary == WarpBoundary::Clamp) {
      v = std::clamp(v, 0.0, static_cast<double>(n[a] - 1));
      std::int64_t lo = static_cast<std::int64_t>(fast_floor(v));
      if (lo > n[a] - 2) lo = std::max<std::int64_t>(n[a] - 2, 0);  // x = n - 1: weight 1 on the upper voxel
      c.lo[a] = lo;
      c.f[a] = n[a] == 1 ? 0.0 : v - static_cast<double>(lo);
    } else {
      const double fl = fast_floor(v);
      c.lo[a] = static_cast<std::int64_t>(fl);
      c.f[a] = v - fl;
    }
  }
  return c;
}

template <class T>
double sample_linear(const T* plane, const Extent& e, const Cell& c, WarpBoundary boundary, double fill) {
  const std::int64_t x0 = c.lo[0], y0 = c.lo[1], z0 = c.lo[2];
  const std::int64_t x1 = (boundary == WarpBoundary::Clamp && e.nx == 1) ? x0 : x0 + 1;
  const std::int64_t y1 = (boundary == WarpBoundary::Clamp && e.ny == 1) ? y0 : y0 + 1;
  const std::int64_t z1 = (boundary == WarpBoundary::Clamp && e.nz == 1) ? z0 : z0 + 1;
  const std::int64_t xs[2] = {x0, x1}, ys[2] = {y0, y1}, zs[2] = {z0, z1};
  const double wx[2] = {1.0 - c.f[0], c.f[0]}, wy[2] = {1.0 - c.f[1], c.f[1]}, wz[2] = {1.0 - c.f[2], c.f[2]};
  const bool inside = x0 >= 0 && y0 >= 0 && z0 >= 0 && x1 < e.nx && y1 < e.ny && z1 < e.nz;
  double acc = 0.0;
  for (int dz = 0; dz < 2; ++dz)
    for (int dy = 0; dy < 2; ++dy) {
      const double w = wz[dz] * wy[dy];
      for (int dx = 0; dx < 2; ++dx) {
        const std::int64_t x = xs[dx], y = ys[dy], z = zs[dz];
        double v = fill;
        if (inside || (x >= 0 && y >= 0 && z >= 0 && x < e.nx && y < e.ny && z < e.nz))
          v = static_cast<double>(plane[(z * e.ny + y) * e.nx + x]);
        acc += w * wx[dx] * v;
      }
    }
  return acc;
}

// The voxel index nearest x, or -1 when it lies outside (Fill).
std::int64_t nearest_offset(const double* x, const Extent& e, WarpBoundary boundary) {
  const std::int64_t n[3] = {e.nx, e.ny, e.nz};
  std::int64_t idx[3];
  for (int a = 0; a < 3; ++a) {
    std::int64_t v = static_cast<std::int64_t>(fast_floor(guard(x[a], n[a]) + 0.5));
    if (boundary == WarpBoundary::Clamp) v = std::clamp<std::int64_t>(v, 0, n[a] - 1);
    if (v < 0 || v >= n[a]) return -1;
    idx[a] = v;
  }
  return (idx[2] * e.ny + idx[1]) * e.nx + idx[0];
}

// Per output row: where each voxel reads (offset of its lower corner, or -1 for the careful path
// near and beyond the edge) and its interpolation weights; reused by every channel.
struct RowPlan {
  std::vector<std::int64_t> offset;
  std::vector<std::array<double, 8>> weight;  // linear: corners in (dz, dy, dx) order
  std::vector<Cell> cell;                     // linear, careful path
};

void plan_row(const WarpInput& in, const Extent& e, const double* coords, std::int64_t count, RowPlan& plan) {
  plan.offset.resize(static_cast<std::size_t>(count));
  if (in.interpolation == Interpolation::Nearest) {
    for (std::int64_t i = 0; i < count; ++i)
      plan.offset[static_cast<std::size_t>(i)] = nearest_offset(coords + 3 * i, e, in.boundary);
    return;
  }
  plan.weight.resize(static_cast<std::size_t>(count));
  plan.cell.resize(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    const auto n = static_cast<std::size_t>(i);
    const double* x = coords + 3 * i;
    // The common case: all 8 neighbours inside (the same cell under either boundary rule).
    const double fx0 = fast_floor(guard(x[0], e.nx)), fy0 = fast_floor(guard(x[1], e.ny)),
                 fz0 = fast_floor(guard(x[2], e.nz));
    const auto x0 = static_cast<std::int64_t>(fx0), y0 = static_cast<std::int64_t>(fy0),
               z0 = static_cast<std::int64_t>(fz0);
    if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 + 1 < e.nx && y0 + 1 < e.ny && z0 + 1 < e.nz) {
      const double fx = x[0] - fx0, fy = x[1] - fy0, fz = x[2] - fz0;
      const double gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
      plan.offset[n] = (z0 * e.ny + y0) * e.nx + x0;
      double* w = plan.weight[n].data();
      w[0] = gz * gy * gx;
      w[1] = gz * gy * fx;
      w[2] = gz * fy * gx;
      w[3] = gz * fy * fx;
      w[4] = fz * gy * gx;
      w[5] = fz * gy * fx;
      w[6] = fz * fy * gx;
      w[7] = fz * fy * fx;
    } else {
      plan.offset[n] = -1;
      plan.cell[n] = linear_cell(x, e, in.boundary);
    }
  }
}

template <class T>
void sample_row(const WarpInput& in, const RowPlan& plan, std::int64_t count, T* out, std::int64_t out_plane) {
  const Tensor& volume = *in.volume;
  const Extent e = extent_of(volume);
  const std::int64_t channels = volume.shape()[0], sy = e.nx, sz = e.nx * e.ny;
  const T fill = static_cast<T>(in.fill);
  for (std::int64_t c = 0; c < channels; ++c) {
    const T* data = volume.data<T>() + c * e.plane();
    T* dst = out + c * out_plane;
    if (in.interpolation == Interpolation::Nearest) {
      for (std::int64_t i = 0; i < count; ++i) {
        const std::int64_t o = plan.offset[static_cast<std::size_t>(i)];
        dst[i] = o < 0 ? fill : data[o];
      }
      continue;
    }
    for (std::int64_t i = 0; i < count; ++i) {
      const auto n = static_cast<std::size_t>(i);
      const std::int64_t o = plan.offset[n];
      if (o < 0) {
        dst[i] = static_cast<T>(sample_linear(data, e, plan.cell[n], in.boundary, in.fill));
        continue;
      }
      const T* v = data + o;
      const auto& w = plan.weight[n];
      dst[i] = static_cast<T>(w[0] * v[0] + w[1] * v[1] + w[2] * v[sy] + w[3] * v[sy + 1] + w[4] * v[sz] +
                              w[5] * v[sz + 1] + w[6] * v[sz + sy] + w[7] * v[sz + sy + 1]);
    }
  }
}

void check_inputs(const std::vector<WarpInput>& inputs, const std::array<std::int64_t, 3>& size,
                  const Tensor* displacement) {
  for (const WarpInput& in : inputs) {
    VOX_ASSERT(in.volume != nullptr && in.volume->defined() && in.volume->rank() == 4);
    VOX_ASSERT(in.volume->dtype() == DType::Float32 ||
               (in.volume->dtype() == DType::Int32 && in.interpolation == Interpolation::Nearest));
    VOX_ASSERT(in.volume->shape()[1] > 0 && in.volume->shape()[2] > 0 && in.volume->shape()[3] > 0);
  }
  VOX_ASSERT(size[0] >= 0 && size[1] >= 0 && size[2] >= 0);
  if (displacement != nullptr)
    VOX_ASSERT(displacement->dtype() == DType::Float32 &&
               displacement->shape() == Shape({3, size[2], size[1], size[0]}));
}

}  // namespace

WarpMatrix identity_warp() { return {{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}}}; }

std::vector<Tensor> warp_volumes(const std::vector<WarpInput>& inputs,
                                 const std::array<std::int64_t, 3>& out_size_ijk,
                                 const WarpMatrix& matrix, const Tensor* displacement) {
  check_inputs(inputs, out_size_ijk, displacement);
  const std::int64_t nx = out_size_ijk[0], ny = out_size_ijk[1], nz = out_size_ijk[2];
  const std::int64_t out_plane = nx * ny * nz;
  std::vector<Tensor> outputs;
  for (const WarpInput& in : inputs)
    outputs.push_back(Tensor::empty({in.volume->shape()[0], nz, ny, nx}, in.volume->dtype()));
  const float* u = displacement != nullptr ? displacement->data<float>() : nullptr;

#pragma omp parallel
  {
    std::vector<double> coords(static_cast<std::size_t>(3 * nx));
    RowPlan plan;
#pragma omp for collapse(2) schedule(static)
    for (std::int64_t k = 0; k < nz; ++k)
      for (std::int64_t j = 0; j < ny; ++j) {
        const std::int64_t row = (k * ny + j) * nx;
        for (std::int64_t i = 0; i < nx; ++i) {
          double p[3] = {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)};
          if (u != nullptr)
            for (int a = 0; a < 3; ++a) p[a] += static_cast<double>(u[a * out_plane + row + i]);
          const auto x = warp_point(matrix, p[0], p[1], p[2]);
          double* dst = coords.data() + 3 * i;
          dst[0] = x[0];
          dst[1] = x[1];
          dst[2] = x[2];
        }
        for (std::size_t n = 0; n < inputs.size(); ++n) {
          plan_row(inputs[n], extent_of(*inputs[n].volume), coords.data(), nx, plan);
          if (inputs[n].volume->dtype() == DType::Float32)
            sample_row(inputs[n], plan, nx, outputs[n].data<float>() + row, out_plane);
          else
            sample_row(inputs[n], plan, nx, outputs[n].data<std::int32_t>() + row, out_plane);
        }
      }
  }
  return outputs;
}

Tensor warp_volume(const WarpInput& input, const std::array<std::int64_t, 3>& out_size_ijk,
                   const WarpMatrix& matrix, const Tensor* displacement) {
  return warp_volumes({input}, out_size_ijk, matrix, displacement)[0];
}

}  // namespace voxtrain
