// skip.hpp — how a test that cannot run here (a tool not on PATH, no device) says so: it prints
// the marker that CTest's SKIP_REGULAR_EXPRESSION reports as "Skipped", never as a pass.
#pragma once

#include <string>

namespace voxtrain::testing {

// What catch_discover.cmake matches; keep the two in step.
inline constexpr const char* kSkipMarker = "VOXTRAIN_SKIPPED";

// Prints "VOXTRAIN_SKIPPED: <reason>" on stdout; the test then returns without checking anything.
void skip_test(const std::string& reason);

// The full path of the executable `name` on PATH, as a shell would find it; "" when there is none.
std::string find_program(const std::string& name);

}  // namespace voxtrain::testing
