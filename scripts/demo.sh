#!/usr/bin/env bash
# Installs what is missing, builds Release, and runs voxtrain's main job on the embedded
# phantom data set. Until the engine lands, it shows the build (--version, --help), makes the
# phantom data set, splits it and converts its training subjects into an HDF5 patch store with the
# preprocessing of configs/phantom_segmentation.ini (the data the training demo will use).
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
# The example config, pointed at this build directory's phantoms and model folder.
build_abs="$(cd "$VOXTRAIN_BUILD_DIR" && pwd)"
config="$VOXTRAIN_BUILD_DIR/phantom_segmentation.ini"
sed "s|\.\./build/|$build_abs/|" configs/phantom_segmentation.ini > "$config"
echo "== $bin/voxdata split -c $config --force"
"$bin/voxdata" split -c "$config" --force
store="$VOXTRAIN_BUILD_DIR/phantom_model/training.h5"
rm -f "$VOXTRAIN_BUILD_DIR/phantom_model/histogram_ref_file.txt"  # retrain the landmarks on the new data
echo "== $bin/voxdata convert -c $config --phase training --out $store"
"$bin/voxdata" convert -c "$config" --phase training --out "$store"
echo "== $bin/voxdata extract-patches $store --out ${store%.h5}_patches.h5 --window 32 --per-subject 4 --sampler balanced"
"$bin/voxdata" extract-patches "$store" --out "${store%.h5}_patches.h5" --window 32 --per-subject 4 --sampler balanced
echo "== $bin/voxdata inspect $store"
"$bin/voxdata" inspect "$store"
