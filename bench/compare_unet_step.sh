#!/usr/bin/env bash
# Runs bench_train_step and the PyTorch reference (bench/reference/unet_step_torch.py) with the
# same threads, under every Python given that has torch, and compares voxtrain with the fastest.
# Usage: bench/compare_unet_step.sh [--threads N] [--steps S]  (build first: scripts/test.sh)
# VOXTRAIN_TORCH_PYTHONS="python ..." lists the Pythons to try (default: /usr/bin/python3, which
# has Debian's python3-torch); e.g. add a venv with pip's torch.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2
steps=5
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    *) echo "compare_unet_step: unknown argument '$1' (use --threads N --steps S)" >&2; exit 1 ;;
  esac
done
bench_bin="${VOXTRAIN_BUILD_DIR:-build}/bin/bench_train_step"
[ -x "$bench_bin" ] || { echo "compare_unet_step: $bench_bin not found: build first (scripts/test.sh)" >&2; exit 1; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<< "$2" | tail -1; }

ours=$("$bench_bin" --threads "$threads" --steps "$steps")
echo "$ours"
best_ms=""
best=""
for python in ${VOXTRAIN_TORCH_PYTHONS:-/usr/bin/python3}; do
  if ! "$python" -c "import torch" 2> /dev/null; then
    echo "($python has no torch: skipped)"
    continue
  fi
  theirs=$(OMP_NUM_THREADS=$threads "$python" -W ignore bench/reference/unet_step_torch.py --threads "$threads" --steps "$steps")
  echo "$theirs"
  ms=$(field median_ms "$theirs")
  if [ -z "$best_ms" ] || awk -v a="$ms" -v b="$best_ms" 'BEGIN { exit !(a < b) }'; then
    best_ms=$ms
    best=$theirs
  fi
done
[ -n "$best" ] || { echo "compare_unet_step: no Python with torch: apt-get install python3-torch, or set VOXTRAIN_TORCH_PYTHONS" >&2; exit 1; }
awk -v vm="$(field median_ms "$ours")" -v tm="$best_ms" \
    -v vr="$(field peak_rss_mib "$ours")" -v tr="$(field peak_rss_mib "$best")" 'BEGIN {
  printf "speed: voxtrain is %.2fx faster than the fastest PyTorch eager (%.0f ms vs %.0f ms per step)\n", tm / vm, vm, tm
  printf "memory: voxtrain peak RSS is %.2fx that PyTorch'"'"'s (%.0f MiB vs %.0f MiB)\n", vr / tr, vr, tr
}'
