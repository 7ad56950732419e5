// check_hdf5.cpp — captures HDF5's error stack during a checked call and reports its messages.
#include "voxtrain/core/checks/check_hdf5.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace voxtrain::detail {
namespace {

herr_t collect_message(unsigned /*depth*/, const H5E_error2_t* entry, void* out) {
  auto* messages = static_cast<std::vector<std::string>*>(out);
  if (entry->desc != nullptr && entry->desc[0] != '\0')
    messages->push_back(fmt::format("{} in {}()", entry->desc, entry->func_name ? entry->func_name : "?"));
  return 0;
}

}  // namespace

Hdf5ErrorCapture::Hdf5ErrorCapture() {
  H5Eget_auto2(H5E_DEFAULT, &saved_function_, &saved_data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Hdf5ErrorCapture::~Hdf5ErrorCapture() { H5Eset_auto2(H5E_DEFAULT, saved_function_, saved_data_); }

void Hdf5ErrorCapture::throw_failure(const char* call, const char* file, int line) const {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_message, &messages);
  H5Eclear2(H5E_DEFAULT);
  std::string reason = "a negative value";
  if (!messages.empty()) {
    reason += ": ";
    for (std::size_t i = 0; i < messages.size(); ++i) reason += (i ? "; " : "") + messages[i];
  }
  throw_call_failure("HDF5", call, reason, file, line);
}

}  // namespace voxtrain::detail
