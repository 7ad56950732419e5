// nifti_fuzzer.cpp — libFuzzer target for the NIfTI reader: the bytes as a .nii file read by
// read_nifti_header (what `voxdata inspect` prints) and read_nifti as image and as label map.
//
// nifticlib reads only from file names (znzlib over FILE* / gzFile; it has no from-memory entry),
// so each input is written to a file in a private directory (on /dev/shm when there is one),
// input.nii.gz when it starts with gzip's magic bytes, else input.nii: the code under test is exactly
// the code voxdata runs. Anything but a result or a one-line voxtrain::Error aborts.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "voxtrain/core/error.hpp"
#include "voxtrain/io/nifti_image.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path& input_directory() {
  static const fs::path dir = [] {
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path d = base / ("voxtrain-nifti-fuzzer-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// Writes the input where nifticlib will look for it and returns the path.
std::string write_input(const std::uint8_t* data, std::size_t size) {
  const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  const std::string path = (input_directory() / (gzip ? "input.nii.gz" : "input.nii")).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

template <class F>
void expect_result_or_error(F&& f) {
  try {
    (void)f();
  } catch (const voxtrain::Error& e) {
    if (std::string_view(e.what()).find('\n') != std::string_view::npos) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = write_input(data, size);
  expect_result_or_error([&] { return voxtrain::read_nifti_header(path); });
  expect_result_or_error([&] { return voxtrain::read_nifti(path, voxtrain::NiftiRead::Image); });
  expect_result_or_error([&] { return voxtrain::read_nifti(path, voxtrain::NiftiRead::Label); });
  return 0;
}
