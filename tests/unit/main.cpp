// main.cpp — Catch2's main for the single-process test binary, compiled once on its own so that
// the heavy header does not slow down rebuilds of the test files.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
