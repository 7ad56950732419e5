// fine.hpp — a fixture for the layering check: a core header with no upward include.
#pragma once
#include <vector>
