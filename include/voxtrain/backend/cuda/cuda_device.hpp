// cuda_device.hpp — the CUDA devices this process can see, and a device round trip used to
// prove that a kernel built by this project runs. Built only with the CUDA backend.
#pragma once

#include <string>
#include <vector>

namespace voxtrain::cuda {

// The number of usable devices; 0 (with the reason in *why_none) when there is no driver or
// no device, which is not an error on a machine without GPUs.
int device_count(std::string* why_none = nullptr);

// Copies values to the device, runs a kernel computing a*x+b per element, and copies back.
std::vector<float> affine_on_device(const std::vector<float>& values, float a, float b, int device = 0);

}  // namespace voxtrain::cuda
