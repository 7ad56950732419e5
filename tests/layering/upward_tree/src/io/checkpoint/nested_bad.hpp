// nested_bad.hpp — a fixture for the layering check: a file in a sub-folder of io (io/checkpoint/)
// is io too, so its reach up into engine must be reported.
#pragma once
#include "voxtrain/engine/handler.hpp"
#include "voxtrain/io/config/run_config.hpp"
