#!/usr/bin/env bash
# Runs every benchmark in one go, each through bench/record.sh (a raw log per benchmark under
# bench/results/): bench_conv3d, bench_train_step beside the PyTorch reference, bench_patch_store,
# bench_sampler and bench_engine_overhead. Usage: bench/run_all.sh [--threads N]  (build first: scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2
[ "${1:-}" = "--threads" ] && threads=$2
bin="${VOXTRAIN_BUILD_DIR:-build}/bin"
bench/record.sh conv3d "$bin/bench_conv3d" --threads "$threads"
echo
bench/record.sh unet-step-vs-pytorch bench/compare_unet_step.sh --threads "$threads" --steps 5
echo
bench/record.sh patch-store "$bin/bench_patch_store"
echo
bench/record.sh sampler "$bin/bench_sampler"
echo
bench/record.sh engine-overhead "$bin/bench_engine_overhead" --threads "$threads" --steps 20 --rounds 3
