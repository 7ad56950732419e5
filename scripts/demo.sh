#!/usr/bin/env bash
# Installs what is missing, builds Release, and runs voxtrain's main job on the embedded
# phantom data set. Until the data and engine land, it shows the build: --version and --help.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
source scripts/build_common.sh
voxtrain_configure
voxtrain_build voxtrain voxdata

bin="$VOXTRAIN_BUILD_DIR/bin"
echo "== $bin/voxtrain --version"
"$bin/voxtrain" --version
echo "== $bin/voxtrain --help"
"$bin/voxtrain" --help
