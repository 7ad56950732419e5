#!/usr/bin/env bash
# Installs what is missing, builds Release, and runs voxtrain's main job on the embedded phantom
# data set: a 3D U-Net trained from configs/demo_unet.ini, the held-out subjects segmented and
# evaluated, the mean Dice per class printed (scripts/demo_pipeline.sh; target: mean foreground
# Dice >= 0.90). A second run resumes the finished training (nothing left to do) and re-evaluates.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
source scripts/build_common.sh
voxtrain_configure
voxtrain_build voxtrain voxdata

bin="$VOXTRAIN_BUILD_DIR/bin"
echo "== $bin/voxtrain --version"
"$bin/voxtrain" --version
scripts/demo_pipeline.sh "$bin" "$VOXTRAIN_BUILD_DIR/demo" --min-dice 0.90
