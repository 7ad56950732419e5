#!/usr/bin/env bash
# CTest's tensorboard_loads_event_files: a venv with pip's tensorboard (scripts/tensorboard_venv.sh;
# "VOXTRAIN_SKIPPED" when it cannot be made, e.g. offline), an event file from
# voxtrain_write_events, and check_events.py loading it.
#   run_check.sh <venv script> <venv dir> <voxtrain_write_events> <work dir> <check_events.py>
set -uo pipefail
venv_script=$1 venv=$2 writer=$3 work=$4 check=$5

if ! python=$("$venv_script" "$venv" 2> "$work.venv.log"); then
  echo "VOXTRAIN_SKIPPED: no Python venv with tensorboard: $(tail -n 1 "$work.venv.log")"
  exit 0
fi
rm -rf "$work"
mkdir -p "$work"
"$writer" "$work/logs" || exit 1
exec "$python" "$check" "$work/logs"
