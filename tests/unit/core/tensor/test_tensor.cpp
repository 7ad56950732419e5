// test_tensor.cpp — Tensor storage: alignment, ownership, typed access, views and copies.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/tensor/tensor.hpp"

using voxtrain::Device;
using voxtrain::DType;
using voxtrain::Shape;
using voxtrain::Storage;
using voxtrain::Tensor;

TEST_CASE("host tensors are 64-byte aligned for every dtype and size", "[core]") {
  for (DType dtype : {DType::Float32, DType::Int32, DType::Int64, DType::UInt8}) {
    for (std::int64_t n : {1, 3, 17, 1000}) {
      const Tensor t = Tensor::empty({n}, dtype);
      CHECK(reinterpret_cast<std::uintptr_t>(t.raw_data()) % 64 == 0);
      CHECK(t.nbytes() == static_cast<std::size_t>(n) * voxtrain::dtype_size(dtype));
    }
  }
}

TEST_CASE("tensors of 2 MiB or more start on a 2 MiB boundary (huge pages)", "[core]") {
  const Tensor big = Tensor::empty({2, 16, 32, 32, 32});  // 4 MiB
  CHECK(reinterpret_cast<std::uintptr_t>(big.raw_data()) % (std::uintptr_t{2} << 20) == 0);
  const Tensor just_below = Tensor::empty({(1 << 19) - 1});
  CHECK(reinterpret_cast<std::uintptr_t>(just_below.raw_data()) % 64 == 0);
}

TEST_CASE("zeros and fill write every element", "[core]") {
  Tensor t = Tensor::zeros({2, 1, 3, 4, 5});
  REQUIRE(t.rank() == 5);
  const float* f = t.data<float>();
  CHECK(std::all_of(f, f + t.numel(), [](float v) { return v == 0.0f; }));
  t.fill(1.5);
  CHECK(std::all_of(f, f + t.numel(), [](float v) { return v == 1.5f; }));

  Tensor labels = Tensor::zeros({2, 1, 3, 4, 5}, DType::Int32);
  labels.fill(7);
  const std::int32_t* l = labels.data<std::int32_t>();
  CHECK(std::accumulate(l, l + labels.numel(), std::int64_t{0}) == 7 * labels.numel());
}

TEST_CASE("typed access checks the dtype and the device", "[core]") {
  const Tensor t = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH(t.data<std::int32_t>(),
                    "a float32 tensor of shape [2, 3] was read as int32: convert it first");
  float fake_device_memory[6] = {};
  const Tensor on_gpu = Tensor::borrow(fake_device_memory, {2, 3}, DType::Float32, Device::cuda(1));
  CHECK(on_gpu.device() == Device::cuda(1));
  CHECK_THROWS_WITH(on_gpu.data<float>(),
                    "a tensor of shape [2, 3] lives on cuda:1 and cannot be read from the host: "
                    "copy it to the host first");
  CHECK_THROWS_AS(Tensor().data<float>(), voxtrain::InternalError);
}

TEST_CASE("borrowed storage is never freed; adopted storage is freed once", "[core]") {
  std::vector<float> owner_buffer(8, 2.0f);
  {
    const Tensor view = Tensor::borrow(owner_buffer.data(), {2, 4}, DType::Float32);
    CHECK_FALSE(view.storage()->owns_data());
    view.data<float>()[3] = 9.0f;
  }
  CHECK(owner_buffer[3] == 9.0f);  // written through the view, still alive after it

  int frees = 0;
  auto* raw = new float[4];
  {
    const Tensor adopted(Storage::adopt(raw, 4 * sizeof(float), Device::cpu(),
                                        [&](void* p) { ++frees; delete[] static_cast<float*>(p); }),
                         {4}, DType::Float32);
    const Tensor copy_of_handle = adopted;
    CHECK(frees == 0);
  }
  CHECK(frees == 1);
}

TEST_CASE("reshaped shares storage; clone copies it", "[core]") {
  Tensor t = Tensor::empty({2, 6});
  float* data = t.data<float>();
  std::iota(data, data + 12, 0.0f);

  Tensor view = t.reshaped({3, 4});
  CHECK(view.raw_data() == t.raw_data());
  CHECK(view.shape() == Shape{3, 4});
  CHECK_THROWS_WITH(t.reshaped({5, 2}),
                    "cannot reshape a tensor of shape [2, 6] (12 elements) to [5, 2] (10 elements)");

  Tensor copy = t.clone();
  CHECK(copy.raw_data() != t.raw_data());
  data[0] = 100.0f;
  CHECK(copy.data<float>()[0] == 0.0f);
  CHECK(copy.data<float>()[11] == 11.0f);
}
