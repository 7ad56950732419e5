#!/usr/bin/env bash
# The main job on the phantom data set, with built binaries: make the phantoms if missing, train a
# 3D U-Net from configs/demo_unet.ini, segment the held-out subjects, evaluate them and print the
# mean Dice per class. Used by scripts/demo.sh and, with a small budget, by the e2e test.
# Usage: scripts/demo_pipeline.sh BIN_DIR WORK_DIR [--subjects N] [--size S] [--max-iter N]
#        [--min-dice D] [--extra "--key value ..."]
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$1 work=$2
shift 2
subjects=10 size=64 max_iter="" min_dice=0 extra=""
while [ $# -gt 0 ]; do
  case $1 in
    --subjects) subjects=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --max-iter) max_iter=$2; shift 2 ;;
    --min-dice) min_dice=$2; shift 2 ;;
    --extra) extra=$2; shift 2 ;;
    *) echo "demo_pipeline.sh: unknown option '$1'" >&2; exit 1 ;;
  esac
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
phantoms="$work/phantoms"
if [ ! -f "$phantoms/sub-$(printf %03d "$subjects")_Label.nii.gz" ]; then
  echo "== $bin/voxdata phantoms --out $phantoms --subjects $subjects --size $size"
  "$bin/voxdata" phantoms --out "$phantoms" --subjects "$subjects" --size "$size"
fi
config="$work/demo_unet.ini"
sed -e "s|\.\./build/phantoms|$phantoms|" -e "s|\.\./build/demo_model|$work/demo_model|" configs/demo_unet.ini > "$config"
overrides=()
[ -n "$max_iter" ] && overrides+=(--max_iter "$max_iter")
# shellcheck disable=SC2206
[ -n "$extra" ] && overrides+=($extra)

start=$(date +%s)
echo "== $bin/voxtrain train -c $config ${overrides[*]}"
"$bin/voxtrain" train -c "$config" "${overrides[@]}"
echo "== $bin/voxtrain infer -c $config"
"$bin/voxtrain" infer -c "$config"
echo "== $bin/voxtrain evaluate -c $config"
"$bin/voxtrain" evaluate -c "$config"
csv="$work/demo_model/evaluation/eval_subject_id_label.csv"
# Mean Dice of each foreground class over the held-out subjects, and their mean.
awk -F, -v min="$min_dice" -v secs="$(( $(date +%s) - start ))" '
  NR > 1 && $2 ~ /^[0-9]+$/ && $2 > 0 { sum[$2] += $3; n[$2]++ }
  END {
    total = 0; classes = 0
    for (c in sum) { printf "mean Dice of class %s over %d held-out subjects: %.4f\n", c, n[c], sum[c] / n[c]; total += sum[c] / n[c]; classes++ }
    mean = total / classes
    printf "mean foreground Dice: %.4f (target >= %s); train + infer + evaluate took %d s\n", mean, min, secs
    if (mean < min) { print "demo_pipeline.sh: the mean foreground Dice is below the target" > "/dev/stderr"; exit 1 }
  }' "$csv"
