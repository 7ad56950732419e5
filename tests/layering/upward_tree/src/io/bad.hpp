// bad.hpp — a fixture for the layering check: io reaching up into data (must be reported).
#pragma once
#include "voxtrain/core/error.hpp"
#include "voxtrain/data/subject.hpp"
