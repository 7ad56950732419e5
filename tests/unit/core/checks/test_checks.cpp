// test_checks.cpp — the HDF5 and oneDNN check macros turn real failing calls into one-line
// Errors naming the library, the call, the library's reason and file:line.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "voxtrain/core/checks/check_dnnl.hpp"
#include "voxtrain/core/checks/check_hdf5.hpp"
#include "voxtrain/core/error.hpp"

#include "support/test_files.hpp"

using namespace voxtrain::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("VOX_CHECK_HDF5 reports HDF5's reason and returns the value on success", "[core]") {
  const int line = __LINE__ + 2;
  const std::string message = error_or_none([] {
    (void)VOX_CHECK_HDF5(H5Fopen("/nonexistent/voxtrain.h5", H5F_ACC_RDONLY, H5P_DEFAULT));
  });
  CHECK_THAT(message, StartsWith("HDF5 call failed on rank 0: H5Fopen(\"/nonexistent/voxtrain.h5\", "
                                 "H5F_ACC_RDONLY, H5P_DEFAULT) returned a negative value: "));
  CHECK_THAT(message, Contains("unable to open file"));
  CHECK_THAT(message, Contains("(tests/unit/core/checks/test_checks.cpp:" + std::to_string(line) + ")"));
  CHECK(message.find('\n') == std::string::npos);

  // Success passes the handle through, and HDF5's own error printing is back as it was.
  const std::string path = "voxtrain_check_test.h5";
  const hid_t file = VOX_CHECK_HDF5(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  CHECK(file >= 0);
  CHECK(VOX_CHECK_HDF5(H5Fclose(file)) >= 0);
  std::remove(path.c_str());
  H5E_auto2_t printer = nullptr;
  void* data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &printer, &data);
  CHECK(printer != nullptr);
}

TEST_CASE("VOX_CHECK_DNNL names oneDNN's status", "[core]") {
  const std::string message = error_or_none([] {
    dnnl_memory_desc_t md;
    const dnnl_dims_t dims = {2, 3};
    VOX_CHECK_DNNL(dnnl_memory_desc_init_by_tag(&md, -1, dims, dnnl_f32, dnnl_ab));
  });
  CHECK_THAT(message, StartsWith("oneDNN call failed on rank 0: dnnl_memory_desc_init_by_tag(&md, -1, "
                                 "dims, dnnl_f32, dnnl_ab) returned dnnl_invalid_arguments (2)"));
  CHECK_THAT(message, Contains("tests/unit/core/checks/test_checks.cpp:"));
}

TEST_CASE("VOX_DNNL_TRY turns a dnnl::error from the C++ API into an Error", "[core]") {
  const std::string message = error_or_none([] {
    dnnl::engine cpu(dnnl::engine::kind::cpu, 0);
    const dnnl::memory::desc md({2, 3}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
    VOX_DNNL_TRY(dnnl::memory(md, cpu).set_data_handle(nullptr, dnnl::stream()));
    // An engine index that does not exist throws.
    VOX_DNNL_TRY(dnnl::engine(dnnl::engine::kind::cpu, 7));
  });
  CHECK_THAT(message, StartsWith("oneDNN call failed on rank 0: dnnl::engine(dnnl::engine::kind::cpu, 7) "
                                 "returned dnnl_invalid_arguments"));
}
