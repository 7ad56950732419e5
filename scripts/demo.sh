#!/usr/bin/env bash
# Installs what is missing, builds Release, and runs voxtrain's main job on the embedded
# phantom data set. Until the engine lands, it shows the build (--version, --help) and makes the
# phantom data set that the training demo will use.
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
echo "== $bin/voxdata phantoms --out $VOXTRAIN_BUILD_DIR/phantoms --subjects 4 --size 64"
"$bin/voxdata" phantoms --out "$VOXTRAIN_BUILD_DIR/phantoms" --subjects 4 --size 64
ls -l "$VOXTRAIN_BUILD_DIR/phantoms"
