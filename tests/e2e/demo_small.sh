#!/usr/bin/env bash
# The demo with a small budget (e2e): trains, infers and evaluates on 6 small phantoms, then
# checks what a run leaves behind and how a second command treats the run directory: the same
# config resumes, a different one is refused naming the key, --new-run starts over, and inference
# without a checkpoint is one line with exit 1.
# Usage: tests/e2e/demo_small.sh BIN_DIR WORK_DIR
set -euo pipefail
bin=$1 work=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work"
fail() { echo "demo_small.sh: $*" >&2; exit 1; }

"$src/scripts/demo_pipeline.sh" "$bin" "$work" --subjects 6 --size 48 --max-iter 12 \
  --extra "--validation_every_n 6 --volume_validation_every_n 6 --save_every_n 4 --max_checkpoints 2 --tensorboard_every_n 4"
model="$work/demo_model"
config="$work/demo_unet.ini"

# Rotation: checkpoints at 4, 8, 12, at most 2 kept.
ls "$model/models"
[ "$(ls "$model/models" | grep -c '^model.ckpt-.*\.h5$')" = 2 ] || fail "expected 2 checkpoints"
[ -f "$model/models/model.ckpt-12.h5" ] && [ -f "$model/models/model.ckpt-8.h5" ] || fail "expected iterations 8 and 12"
ls "$model"/logs/training/events.out.tfevents.* > /dev/null || fail "no TensorBoard event file"
ls "$model"/segmentations/*niftynet_out.nii.gz > /dev/null || fail "no segmentation written"
grep -q '^training,' "$model/logs/performance.csv" || fail "no performance log"
grep -q '^6,' "$model/logs/validation.csv" || fail "no validation at iteration 6"
# Validation by whole volumes: its own log with volume-level names, and one best checkpoint that
# records its volume_dice; inference with it.
grep -q '^iteration,volume_dice,volume_dice_1,' <<<"$(head -1 "$model/logs/volume_validation.csv")" \
  || fail "volume_validation.csv lacks volume_dice"
grep -q '^12,' "$model/logs/volume_validation.csv" || fail "no validation by whole volumes at iteration 12"
! grep -q 'patch_dice' "$model/logs/volume_validation.csv" || fail "patch-level values among the volume-level ones"
[ "$(ls "$model/models/best" | grep -c '^model.ckpt-.*\.h5$')" = 1 ] || fail "expected exactly 1 best checkpoint"
best=$(ls "$model"/models/best/model.ckpt-*.h5)
best_report=$("$bin/voxtrain" inspect "$best")  # not piped into grep -q: under pipefail its early exit fails the pipe
grep -q "^metrics: *volume_dice = " <<<"$best_report" || fail "the best checkpoint records no volume_dice"
out=$("$bin/voxtrain" infer -c "$config" --use_best_checkpoint True 2>&1)
grep -q "models/best/model.ckpt-" <<<"$out" || fail "inference did not use the best checkpoint"
# A checkpoint from a different network (base_channels 4 instead of 8): one line listing the first
# differences, exit 1, no segmentation written.
rm -rf "$model/segmentations"
set +e
err=$("$bin/voxtrain" infer -c "$config" --base_channels 4 2>&1 >/dev/null); rc=$?
set -e
echo "$err"
err=$(grep '^voxtrain:' <<<"$err")  # the error line, after the log's start-up lines
[ $rc = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "was written by a different network" <<<"$err" \
  && grep -q "shape differs for unet\." <<<"$err" || fail "a checkpoint of another network"
[ ! -e "$model/segmentations" ] || [ -z "$(ls -A "$model/segmentations")" ] || fail "segmentations written after the error"
# restore_scopes: a new run of max_iter 0 saves its initial weights, unet.down0 seeded from the best
# checkpoint and the rest as initialised.
"$bin/voxtrain" train -c "$config" --model_dir "$work/seeded" --max_iter 0 --restore_scopes "unet.down0=$best" \
  > /dev/null 2>&1 || fail "training with restore_scopes failed"
seeded="$work/seeded/models/model.ckpt-0.h5"
[ -f "$seeded" ] || fail "max_iter = 0 saved no iteration 0"
stats() { "$bin/voxtrain" inspect "$1" | grep " unet\.$2\."; }
[ -n "$(stats "$best" down0)" ] && [ "$(stats "$best" down0)" = "$(stats "$seeded" down0)" ] \
  || fail "the scope unet.down0 was not seeded from the best checkpoint"
[ "$(stats "$best" down1)" != "$(stats "$seeded" down1)" ] || fail "weights outside the scope were seeded too"
# best_metric without validation by whole volumes: one line naming both keys, exit 1.
set +e
err=$("$bin/voxtrain" train -c "$config" --model_dir "$work/no_volumes" --volume_validation_every_n -1 2>&1 >/dev/null)
rc=$?
set -e
echo "$err"
[ $rc = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "best_metric = volume_dice needs validation by whole volumes" <<<"$err" \
  || fail "best_metric without volume_validation_every_n"
set +e
err=$("$bin/voxtrain" train -c "$config" --model_dir "$work/no_saver" --event_handler console_logger 2>&1 >/dev/null)
rc=$?
set -e
echo "$err"
[ $rc = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "has no model_saver to keep the best checkpoint" <<<"$err" \
  || fail "best_metric without the model_saver handler"

# SIGTERM (SLURM's preemption) mid-run: the run stops after the current iteration, saves it and
# exits 143; nothing half-written is left.
"$bin/voxtrain" train -c "$config" --model_dir "$work/preempted" --max_iter 1000 --save_every_n 0 > /dev/null 2>&1 &
pid=$!
for _ in $(seq 300); do
  [ "$(wc -l < "$work/preempted/logs/performance.csv" 2> /dev/null || echo 0)" -ge 4 ] && break
  sleep 0.1
done
kill -TERM "$pid"
set +e
wait "$pid"; rc=$?
set -e
[ $rc = 143 ] || fail "SIGTERM gave exit $rc, not 143"
ls "$work"/preempted/models/model.ckpt-*.h5 > /dev/null 2>&1 || fail "SIGTERM saved no checkpoint"
[ -z "$(find "$work/preempted" -name '*.tmp*')" ] || fail "SIGTERM left a temporary file"

# The same command again resumes after iteration 12 and, max_iter reached, only saves nothing new.
out=$("$bin/voxtrain" train -c "$config" --max_iter 12 --validation_every_n 6 --save_every_n 4 --max_checkpoints 2 \
  --tensorboard_every_n 4 2>&1)
echo "$out"
grep -q "resuming the run in .* after iteration 12" <<<"$out" || fail "the same config did not resume"
# Training longer resumes too (max_iter does not change the run).
"$bin/voxtrain" train -c "$config" --max_iter 14 --validation_every_n 6 --save_every_n 4 --max_checkpoints 2 \
  --tensorboard_every_n 4 > /dev/null 2>&1
[ -f "$model/models/model.ckpt-14.h5" ] || fail "resumed training did not reach 14"

# A different config is refused, naming the key and both values.
set +e
err=$("$bin/voxtrain" train -c "$config" --lr 0.5 2>&1 >/dev/null); rc=$?
set -e
echo "$err"
[ $rc = 1 ] || fail "a different config gave exit $rc"
[ "$(wc -l <<<"$err")" = 1 ] || fail "the refusal is not one line"
grep -q "holds a run with a different config" <<<"$err" && grep -q "TRAINING.lr" <<<"$err" || fail "the refusal does not name lr"
# --new-run starts over and keeps the old run.
"$bin/voxtrain" train -c "$config" --lr 0.5 --max_iter 2 --save_every_n 0 --new-run > /dev/null 2>&1
ls "$model"/previous_runs/*/models/model.ckpt-14.h5 > /dev/null || fail "--new-run did not keep the old run"
[ -f "$model/models/model.ckpt-2.h5" ] || fail "--new-run did not train from scratch"

# Inference without any checkpoint: one line, exit 1.
rm -rf "$model/models"
set +e
err=$("$bin/voxtrain" infer -c "$config" 2>&1 >/dev/null); rc=$?
set -e
echo "$err"
[ $rc = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "holds no checkpoint" <<<"$err" || fail "inference without a checkpoint"
# A model_dir that cannot be created: one line naming it, exit 1, nothing written.
set +e
err=$("$bin/voxtrain" train -c "$config" --model_dir /dev/null/model 2>&1 >/dev/null); rc=$?
set -e
echo "$err"
[ $rc = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "model_dir /dev/null/model cannot be created" <<<"$err" \
  || fail "an uncreatable model_dir"
# An unknown override key: one line with a suggestion.
set +e
err=$("$bin/voxtrain" train -c "$config" --lrr 0.1 2>&1 >/dev/null); rc=$?
set -e
echo "$err"
[ $rc = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "did you mean" <<<"$err" || fail "an unknown override key"
# A step that turns non-finite (lr 1e30): stop (default) ends the run with exit 1 after writing what
# reproduces it and saving the last good iteration; skip goes on to max_iter.
set +e
err=$("$bin/voxtrain" train -c "$config" --model_dir "$work/nonfinite_stop" --lr 1e30 --max_iter 4 2>&1 >/dev/null); rc=$?
set -e
echo "$err" | tail -3
[ $rc = 1 ] || fail "a non-finite step with nonfinite = stop gave exit $rc"
report=$(ls "$work"/nonfinite_stop/nonfinite_iter_*.txt | head -1)
grep -q "^patch 0: subject = sub-" "$report" || fail "the non-finite report names no subject"
stopped=$(sed -n 's/^iteration = //p' "$report")
[ -f "$work/nonfinite_stop/models/model.ckpt-$((stopped - 1)).h5" ] || fail "the last good iteration was not saved"
[ ! -f "$work/nonfinite_stop/models/model.ckpt-$stopped.h5" ] || fail "the non-finite iteration was saved as done"
"$bin/voxtrain" train -c "$config" --model_dir "$work/nonfinite_skip" --lr 1e30 --max_iter 4 --nonfinite skip \
  > /dev/null 2>&1 || fail "nonfinite = skip did not finish"
[ -f "$work/nonfinite_skip/models/model.ckpt-4.h5" ] || fail "nonfinite = skip did not reach max_iter"
echo "demo_small.sh: all checks passed"
