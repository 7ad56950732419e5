#!/usr/bin/env bash
# Runs every benchmark in one go, for docs/PERFORMANCE.md: bench_conv3d, bench_train_step beside
# the PyTorch reference, then the data pipeline's bench_patch_store and bench_sampler. Usage: bench/run_all.sh [--threads N]  (build first)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2
[ "${1:-}" = "--threads" ] && threads=$2
bin="${VOXTRAIN_BUILD_DIR:-build}/bin"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
"$bin/bench_conv3d" --threads "$threads"
echo
bench/compare_unet_step.sh --threads "$threads" --steps 5
echo
"$bin/bench_patch_store"
echo
"$bin/bench_sampler"
