// aux_op_support.hpp — what the aux ops share: checks on their input tensors (one-line errors
// naming the op and the tensor), reading any dtype as double, and small numeric helpers.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/metrics/aux_op.hpp"

namespace voxtrain::aux_support {

// Reads the elements of a plain host tensor of any dtype as double.
class ElementReader {
 public:
  ElementReader(const Tensor& tensor);  // NOLINT: implicit on purpose, a view
  double operator[](std::int64_t i) const;

 private:
  const void* data_;
  DType dtype_;
};

// The tensor is defined, on the host and plain row-major; else Error "<where>: <name> ...".
void require_host(const Tensor& tensor, std::string_view where, std::string_view name);

// As require_host, plus float32.
void require_float32(const Tensor& tensor, std::string_view where, std::string_view name);

// As require_float32 for the predictions, plus no NaN element (a NaN names its element and the likely cause).
void require_predictions(const Tensor& predictions, std::string_view where);

// inputs.tensors[tag], or Error naming the parameter, the missing tag and the closest available one.
const Tensor& named_tensor(const AuxInputs& inputs, const std::string& tag, std::string_view where,
                           std::string_view parameter);

// An integral value v with 0 <= v < count; else Error naming the label, its element and the range.
int class_index(double v, int count, std::int64_t element, std::string_view where, std::string_view name);

// 0 or 1; else Error naming the tensor, its element and what it should hold.
bool binary_value(double v, std::int64_t element, std::string_view where, std::string_view name, std::string_view why);

// One value per voxel: t is p's shape with the channel axis of extent 1, or without that axis.
bool is_voxel_shaped(const Shape& t, const Shape& p, int channel_axis);

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// A float32 tensor of the given shape holding values (converted from double).
Tensor float_tensor(const Shape& shape, const std::vector<double>& values);

}  // namespace voxtrain::aux_support
