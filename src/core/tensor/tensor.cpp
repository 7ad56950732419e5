// tensor.cpp — Storage ownership and Tensor's host-side operations.
#include "voxtrain/core/tensor/tensor.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/tensor/host_memory.hpp"

namespace voxtrain {
namespace {

template <class T>
void fill_as(void* data, std::int64_t n, double value) {
  std::fill_n(static_cast<T*>(data), n, static_cast<T>(value));
}

}  // namespace

Storage::Storage(void* data, std::size_t bytes, Device device, Deleter deleter)
    : data_(data), bytes_(bytes), device_(device), deleter_(std::move(deleter)) {}

Storage::~Storage() {
  if (deleter_) deleter_(data_);
}

std::shared_ptr<Storage> Storage::allocate_host(std::size_t bytes) {
  const HostBlock block = host_allocate(bytes);
  return std::shared_ptr<Storage>(new Storage(block.data, bytes, Device::cpu(), [block](void*) { host_release(block); }));
}

std::shared_ptr<Storage> Storage::adopt(void* data, std::size_t bytes, Device device, Deleter deleter) {
  if (!deleter) throw InternalError("Storage::adopt needs a deleter; use Storage::borrow for memory it must not free");
  return std::shared_ptr<Storage>(new Storage(data, bytes, device, std::move(deleter)));
}

std::shared_ptr<Storage> Storage::borrow(void* data, std::size_t bytes, Device device) {
  return std::shared_ptr<Storage>(new Storage(data, bytes, device, nullptr));
}

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, DType dtype,
               std::shared_ptr<const MemoryFormat> format)
    : storage_(std::move(storage)), shape_(shape), dtype_(dtype), format_(std::move(format)) {
  if (storage_ && storage_->bytes() < nbytes())
    throw InternalError(fmt::format("storage of {} bytes is too small for a {} tensor of shape {} ({} bytes)",
                                    storage_->bytes(), dtype_name(dtype_), shape_.to_string(), nbytes()));
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  const auto bytes = static_cast<std::size_t>(shape.numel()) * dtype_size(dtype);
  return Tensor(Storage::allocate_host(bytes), shape, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.raw_data(), 0, t.nbytes());
  return t;
}

Tensor Tensor::borrow(void* data, const Shape& shape, DType dtype, Device device) {
  const auto bytes = static_cast<std::size_t>(shape.numel()) * dtype_size(dtype);
  return Tensor(Storage::borrow(data, bytes, device), shape, dtype);
}

Tensor Tensor::reshaped(const Shape& shape) const {
  if (!is_plain())
    throw InternalError(fmt::format("cannot reshape a tensor of shape {} held in the backend layout {}",
                                    shape_.to_string(), format_->name()));
  if (shape.numel() != numel())
    throw error("cannot reshape a tensor of shape {} ({} elements) to {} ({} elements)",
                shape_.to_string(), numel(), shape.to_string(), shape.numel());
  return Tensor(storage_, shape, dtype_);
}

Tensor Tensor::clone() const {
  check_host_access(dtype_, /*require_plain=*/false);
  Tensor copy(Storage::allocate_host(nbytes()), shape_, dtype_, format_);
  std::memcpy(copy.raw_data(), raw_data(), nbytes());
  return copy;
}

void Tensor::fill(double value) {
  check_host_access(dtype_);
  switch (dtype_) {
    case DType::Float32: fill_as<float>(raw_data(), numel(), value); break;
    case DType::Int32: fill_as<std::int32_t>(raw_data(), numel(), value); break;
    case DType::Int64: fill_as<std::int64_t>(raw_data(), numel(), value); break;
    case DType::UInt8: fill_as<std::uint8_t>(raw_data(), numel(), value); break;
  }
}

void Tensor::check_host_access(DType requested, bool require_plain) const {
  if (!defined()) throw InternalError("access to the data of an undefined tensor");
  if (requested != dtype_)
    throw error("a {} tensor of shape {} was read as {}: convert it first", dtype_name(dtype_),
                shape_.to_string(), dtype_name(requested));
  if (!device().is_cpu())
    throw error("a tensor of shape {} lives on {} and cannot be read from the host: copy it to "
                "the host first",
                shape_.to_string(), device().to_string());
  if (require_plain && !is_plain())
    throw InternalError(fmt::format("a tensor of shape {} in the backend layout {} was read as plain "
                                    "row-major data; convert it with Backend::to_plain first",
                                    shape_.to_string(), format_->name()));
}

}  // namespace voxtrain
