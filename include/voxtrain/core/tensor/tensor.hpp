// tensor.hpp — an n-d array (up to 5-D, NCDHW) with a dtype, a device tag, shared storage that is
// owned (64-byte aligned host memory, or adopted device memory) or borrowed, and a memory format
// (plain row-major unless a backend keeps it in a layout of its own between layers).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "voxtrain/core/tensor/device.hpp"
#include "voxtrain/core/tensor/dtype.hpp"
#include "voxtrain/core/tensor/memory_format.hpp"
#include "voxtrain/core/tensor/shape.hpp"

namespace voxtrain {

// A block of bytes and who frees it. Host blocks from allocate_host are 64-byte aligned.
class Storage {
 public:
  static constexpr std::size_t kAlignment = 64;
  using Deleter = std::function<void(void*)>;

  static std::shared_ptr<Storage> allocate_host(std::size_t bytes);
  // Takes ownership: deleter(data) runs when the last Tensor using it is gone.
  static std::shared_ptr<Storage> adopt(void* data, std::size_t bytes, Device device, Deleter deleter);
  // Does not own: the caller keeps data alive for as long as any Tensor uses it.
  static std::shared_ptr<Storage> borrow(void* data, std::size_t bytes, Device device);

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }
  bool owns_data() const { return static_cast<bool>(deleter_); }

 private:
  Storage(void* data, std::size_t bytes, Device device, Deleter deleter);
  void* data_;
  std::size_t bytes_;
  Device device_;
  Deleter deleter_;
};

class Tensor {
 public:
  Tensor() = default;  // undefined: no storage
  Tensor(std::shared_ptr<Storage> storage, Shape shape, DType dtype,
         std::shared_ptr<const MemoryFormat> format = nullptr);

  // Uninitialised / zero-filled 64-byte-aligned host tensors.
  static Tensor empty(const Shape& shape, DType dtype = DType::Float32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::Float32);
  // A view of memory the caller owns and keeps alive.
  static Tensor borrow(void* data, const Shape& shape, DType dtype, Device device = Device::cpu());

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  std::int64_t numel() const { return shape_.numel(); }
  // The bytes the elements occupy (with a backend format: its padded size).
  std::size_t nbytes() const {
    return format_ ? format_->bytes() : static_cast<std::size_t>(numel()) * dtype_size(dtype_);
  }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device::cpu(); }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  // Plain row-major unless a backend put the tensor in a layout of its own.
  bool is_plain() const { return format_ == nullptr; }
  const std::shared_ptr<const MemoryFormat>& format() const { return format_; }

  void* raw_data() const { return storage_ ? storage_->data() : nullptr; }
  // Typed host access to a plain tensor; throws when T is not the tensor's dtype, the data is on a
  // device, or the tensor is in a backend's layout (convert it with Backend::to_plain first).
  template <class T> T* data() const {
    check_host_access(dtype_of<T>);
    return static_cast<T*>(raw_data());
  }

  // The same storage seen with another shape of the same element count.
  Tensor reshaped(const Shape& shape) const;
  // A host copy with its own storage, in the same memory format.
  Tensor clone() const;
  // Sets every element of a host tensor to value (converted to the dtype).
  void fill(double value);

 private:
  void check_host_access(DType requested, bool require_plain = true) const;

  std::shared_ptr<Storage> storage_;
  Shape shape_;
  DType dtype_ = DType::Float32;
  std::shared_ptr<const MemoryFormat> format_;
};

}  // namespace voxtrain
