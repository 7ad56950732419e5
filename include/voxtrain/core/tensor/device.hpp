// device.hpp — where a Tensor's storage lives: host memory or one CUDA device.
// A tag only: allocating on a device is the backend's job.
#pragma once

#include <string>

namespace voxtrain {

struct Device {
  enum class Kind { Cpu, Cuda };
  Kind kind = Kind::Cpu;
  int index = 0;

  static constexpr Device cpu() { return {Kind::Cpu, 0}; }
  static constexpr Device cuda(int index) { return {Kind::Cuda, index}; }
  constexpr bool is_cpu() const { return kind == Kind::Cpu; }
  constexpr bool is_cuda() const { return kind == Kind::Cuda; }
  std::string to_string() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
  friend constexpr bool operator==(const Device&, const Device&) = default;
};

}  // namespace voxtrain
