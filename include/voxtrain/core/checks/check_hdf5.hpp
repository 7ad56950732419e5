// check_hdf5.hpp — VOX_CHECK_HDF5(call): evaluates an HDF5 call (herr_t or hid_t), throws
// voxtrain::Error with HDF5's own explanation when it is negative, and otherwise returns it.
#pragma once

#include <hdf5.h>

#include "voxtrain/core/checks/check.hpp"

namespace voxtrain::detail {

// While alive, HDF5 keeps errors on its stack instead of printing them to stderr.
class Hdf5ErrorCapture {
 public:
  Hdf5ErrorCapture();
  ~Hdf5ErrorCapture();
  Hdf5ErrorCapture(const Hdf5ErrorCapture&) = delete;
  Hdf5ErrorCapture& operator=(const Hdf5ErrorCapture&) = delete;

  [[noreturn]] void throw_failure(const char* call, const char* file, int line) const;

 private:
  H5E_auto2_t saved_function_ = nullptr;
  void* saved_data_ = nullptr;
};

}  // namespace voxtrain::detail

// Usage: hid_t file = VOX_CHECK_HDF5(H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT));
#define VOX_CHECK_HDF5(call)                                       \
  ([&]() {                                                         \
    const ::voxtrain::detail::Hdf5ErrorCapture vox_capture_;       \
    const auto vox_h5_rc_ = (call);                                \
    if (vox_h5_rc_ < 0) vox_capture_.throw_failure(#call, __FILE__, __LINE__); \
    return vox_h5_rc_;                                             \
  }())
