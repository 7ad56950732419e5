#!/usr/bin/env bash
# Runs bench_train_step and the PyTorch reference (bench/reference/unet_step_torch.py) one after
# the other with the same threads and prints both and the speed and memory ratios.
# Usage: bench/compare_unet_step.sh [--threads N] [--steps S]  (build first: scripts/demo.sh or test.sh)
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
python=${VOXTRAIN_TORCH_PYTHON:-/usr/bin/python3}
"$python" -c "import torch" 2> /dev/null ||
  { echo "compare_unet_step: $python cannot import torch: apt-get install python3-torch (or set VOXTRAIN_TORCH_PYTHON)" >&2; exit 1; }

ours=$("$bench_bin" --threads "$threads" --steps "$steps")
theirs=$(OMP_NUM_THREADS=$threads "$python" bench/reference/unet_step_torch.py --threads "$threads" --steps "$steps")
echo "$ours"
echo "$theirs"
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<< "$2" | tail -1; }
awk -v vm="$(field median_ms "$ours")" -v tm="$(field median_ms "$theirs")" \
    -v vr="$(field peak_rss_mib "$ours")" -v tr="$(field peak_rss_mib "$theirs")" 'BEGIN {
  printf "speed: voxtrain is %.2fx faster than PyTorch eager (%.0f ms vs %.0f ms per step)\n", tm / vm, vm, tm
  printf "memory: voxtrain peak RSS is %.2fx PyTorch'"'"'s (%.0f MiB vs %.0f MiB)\n", vr / tr, vr, tr
}'
