#!/usr/bin/env bash
# Runs one benchmark command and keeps its raw log for docs/PERFORMANCE.md and the README:
# bench/results/<date>-<name>.txt with the machine, library versions, exact command and full output.
# Usage: bench/record.sh NAME COMMAND [ARGS...]   (prints the output too; exits with the command's code)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "record: usage: bench/record.sh NAME COMMAND [ARGS...]" >&2; exit 1; }
name=$1
shift
bin="${VOXTRAIN_BUILD_DIR:-build}/bin"
[ -x "$bin/voxtrain" ] || { echo "record: $bin/voxtrain not found: build first (scripts/test.sh)" >&2; exit 1; }
mkdir -p bench/results
log="bench/results/$(date -u +%Y-%m-%d)-$name.txt"

header() {
  echo "# $name"
  echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "commit:   $(git rev-parse --short HEAD 2> /dev/null || echo unknown)$([ -z "$(git status --porcelain --untracked-files=no -- . ':!bench/results' 2> /dev/null)" ] || echo ' (with uncommitted changes)')"
  echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores available"
  echo "isa:      $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|fma|avx512f|avx512_vnni|avx512_bf16|avx512_fp16|amx_tile|amx_bf16' | tr '\n' ' ')"
  echo "memory:   $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min, at the start)"
  echo "os:       $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "command:  $*"
  env | grep -E '^(VOXTRAIN_|OMP_|ONEDNN_)' | sort | sed 's/^/env:      /' || true
  echo "voxtrain --version:"
  "$bin/voxtrain" --version | sed 's/^/  /'
  echo "----- output -----"
}

set +e
{
  header "$@"
  "$@" 2>&1
  status=$?
  echo "----- exit code $status -----"
  exit $status
} | tee "$log"
status=${PIPESTATUS[0]}
echo "record: wrote $log" >&2
exit "$status"
