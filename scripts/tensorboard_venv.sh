#!/usr/bin/env bash
# Makes (once) a Python virtual environment with pip's tensorboard, for the check that TensorBoard
# loads voxtrain's event files (tests/tensorboard/) and for viewing them: prints its python.
#   scripts/tensorboard_venv.sh <venv directory>     (CTest uses <build dir>/venv-tensorboard)
# Exits 2 with one line on stderr when the venv cannot be made (no venv module, PyPI unreachable).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 <venv directory>" >&2
  exit 1
fi
venv=$1
python=${PYTHON:-python3}
done_marker="$venv/.voxtrain-venv-complete"

if [ -f "$done_marker" ] && "$venv/bin/python" -c "import tensorboard" > /dev/null 2>&1; then
  echo "$venv/bin/python"
  exit 0
fi

refuse() {
  echo "tensorboard_venv: $*" >&2
  exit 2
}

command -v "$python" > /dev/null || refuse "no $python on PATH: install Debian's python3 and python3-venv"
rm -rf "$venv"  # an earlier attempt that did not finish
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "$python" -m venv "$venv" > "$log" 2>&1; then
  rm -rf "$venv"
  refuse "'$python -m venv $venv' failed ($(tail -n 1 "$log")): install Debian's python3-venv"
fi
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --retries 1 --timeout 20 \
  tensorboard > "$log" 2>&1; then
  rm -rf "$venv"
  refuse "pip could not install tensorboard into $venv ($(grep -m 1 -iE 'error|warning' "$log" || tail -n 1 "$log")): is PyPI reachable?"
fi
touch "$done_marker"
echo "$venv/bin/python"
