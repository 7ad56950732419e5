// nested_fine.hpp — a fixture for the layering check: a core sub-folder (core/tensor/) using core
// itself, which is not an upward include.
#pragma once
#include "voxtrain/core/error.hpp"
