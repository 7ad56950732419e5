// aux_op_support.cpp — input checks and element reading shared by the aux ops.
#include "aux_op_support.hpp"

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain::aux_support {

ElementReader::ElementReader(const Tensor& tensor) : data_(tensor.raw_data()), dtype_(tensor.dtype()) {}

double ElementReader::operator[](std::int64_t i) const {
  switch (dtype_) {
    case DType::Float32:
      return static_cast<const float*>(data_)[i];
    case DType::Int32:
      return static_cast<const std::int32_t*>(data_)[i];
    case DType::Int64:
      return static_cast<double>(static_cast<const std::int64_t*>(data_)[i]);
    case DType::UInt8:
      return static_cast<const std::uint8_t*>(data_)[i];
  }
  VOX_ASSERT(false);
  return 0.0;
}

void require_host(const Tensor& tensor, std::string_view where, std::string_view name) {
  if (!tensor.defined()) throw error("{}: no {} tensor was given: the op needs one", where, name);
  if (!tensor.device().is_cpu())
    throw error("{}: the {} tensor {} lives on {}: aux ops read host tensors, copy it to the host first", where, name,
                tensor.shape().to_string(), tensor.device().to_string());
  if (!tensor.is_plain())
    throw error("{}: the {} tensor {} is in a backend layout ({}): convert it with Backend::to_plain first", where,
                name, tensor.shape().to_string(), tensor.format()->name());
}

void require_float32(const Tensor& tensor, std::string_view where, std::string_view name) {
  require_host(tensor, where, name);
  if (tensor.dtype() != DType::Float32)
    throw error("{}: the {} tensor {} is {}, not float32: pass the network's output (logits or probabilities)", where,
                name, tensor.shape().to_string(), dtype_name(tensor.dtype()));
}

void require_predictions(const Tensor& predictions, std::string_view where) {
  require_float32(predictions, where, "predictions");
  const float* x = predictions.data<float>();
  for (std::int64_t i = 0; i < predictions.numel(); ++i)
    if (std::isnan(x[i]))
      throw error(
          "{}: the predictions tensor {} holds NaN at element {}: the network diverged (lower the "
          "learning rate, check the input normalisation)",
          where, predictions.shape().to_string(), i);
}

const Tensor& named_tensor(const AuxInputs& inputs, const std::string& tag, std::string_view where,
                           std::string_view parameter) {
  const auto found = inputs.tensors.find(tag);
  if (found != inputs.tensors.end()) return found->second;
  std::vector<std::string> names;
  for (const auto& [name, tensor] : inputs.tensors) names.push_back(name);
  throw error(
      "{}: {} = '{}' is not among this iteration's tensors{} (available: {}): name a tensor the "
      "data or an earlier aux op provides",
      where, parameter, tag, did_you_mean(tag, names), names.empty() ? "none" : join(names));
}

int class_index(double v, int count, std::int64_t element, std::string_view where, std::string_view name) {
  if (!(v >= 0.0 && v < count && v == std::floor(v)))
    throw error(
        "{}: the {} tensor holds {} at element {}, but class indices must be integers in 0..{} "
        "(the predictions have {} class{}): check the label mapping and the number of output channels",
        where, name, v, element, count - 1, count, count == 1 ? "" : "es");
  return static_cast<int>(v);
}

bool binary_value(double v, std::int64_t element, std::string_view where, std::string_view name, std::string_view why) {
  if (v != 0.0 && v != 1.0)
    throw error("{}: the {} tensor holds {} at element {}, but {} must be 0 or 1", where, name, v, element, why);
  return v == 1.0;
}

bool is_voxel_shaped(const Shape& t, const Shape& p, int channel_axis) {
  if (t.rank() == p.rank()) {
    for (int a = 0; a < p.rank(); ++a)
      if (t[a] != (a == channel_axis ? 1 : p[a])) return false;
    return true;
  }
  if (t.rank() != p.rank() - 1) return false;
  for (int a = 0, b = 0; a < p.rank(); ++a) {
    if (a == channel_axis) continue;
    if (t[b++] != p[a]) return false;
  }
  return true;
}

Tensor float_tensor(const Shape& shape, const std::vector<double>& values) {
  VOX_ASSERT(static_cast<std::int64_t>(values.size()) == shape.numel());
  Tensor t = Tensor::empty(shape, DType::Float32);
  float* out = t.data<float>();
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = static_cast<float>(values[i]);
  return t;
}

}  // namespace voxtrain::aux_support
