#!/usr/bin/env bash
# NiftyNet's own demo configs (tests/data/niftynet_configs, unchanged but for their data paths and
# model_dir) train with `voxtrain train -c` as they are: two iterations each on small phantoms,
# a checkpoint written, and the keys voxtrain ignores named in warnings.
# Usage: tests/e2e/niftynet_configs.sh BIN_DIR WORK_DIR
set -euo pipefail
bin=$1 work=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
"$bin/voxdata" phantoms --out "$work/phantoms" --subjects 3 --size 48 > /dev/null 2>&1
for name in default_segmentation highres3dnet_config; do
  sed -e "s|^path_to_search = .*|path_to_search = $work/phantoms|" -e "s|^model_dir = .*|model_dir = $work/model_$name|" \
    "$src/tests/data/niftynet_configs/$name.ini" > "$work/$name.ini"
  diff "$src/tests/data/niftynet_configs/$name.ini" "$work/$name.ini" | grep '^>' | grep -v -e path_to_search -e model_dir \
    && { echo "niftynet_configs.sh: more than data paths changed in $name" >&2; exit 1; }
  out=$("$bin/voxtrain" train -c "$work/$name.ini" --max_iter 2 2>&1) || { echo "$out"; exit 1; }
  echo "$out"
  [ -f "$work/model_$name/models/model.ckpt-2.h5" ] || { echo "niftynet_configs.sh: $name wrote no checkpoint" >&2; exit 1; }
  grep -q "volume_padding_size = 21 is ignored" <<<"$out" || { echo "niftynet_configs.sh: ignored key not named" >&2; exit 1; }
done
echo "niftynet_configs.sh: both configs trained"
