#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs the whole CTest suite.
# Extra arguments go to ctest (e.g. scripts/test.sh -L unit). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
source scripts/build_common.sh
voxtrain_configure -DVOXTRAIN_WERROR=ON -DVOXTRAIN_BUILD_TESTS=ON
voxtrain_build

ctest --test-dir "$VOXTRAIN_BUILD_DIR" --output-on-failure -j "$VOXTRAIN_JOBS" "$@"
