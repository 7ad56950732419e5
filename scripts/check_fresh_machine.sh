#!/usr/bin/env bash
# Runs the README's two commands (scripts/demo.sh, then scripts/test.sh) on a freshly debootstrapped
# minimal Debian 12 root, on a clean clone of this repository's HEAD. Slow; not part of CI.
set -euo pipefail

usage() {
  cat << 'EOF'
Usage: scripts/check_fresh_machine.sh [--logs DIR] [--keep] [--mirror URL] [--help]

Builds a minimal Debian 12 root (debootstrap --variant=minbase bookworm) in a temporary
directory, clones this repository's HEAD commit into it (committed files only), and runs, as
root inside a chroot, first scripts/demo.sh and then scripts/test.sh, as a new user on a fresh
machine would. Prints the commit, each command's exit code and wall time; exits non-zero when
either command failed. Needs root, mount and debootstrap (apt-get install debootstrap), and the
network: the root and apt inside it use the Debian mirror of this machine's apt sources.

  --logs DIR    where to keep debootstrap.log, demo.log, test.log and summary.txt
                (default: /var/tmp/voxtrain-fresh-machine-<date>-<commit>)
  --keep        leave the root (mounts undone) for debugging; its path is printed
  --mirror URL  the Debian mirror to use instead of the one in /etc/apt/sources*
  --help        this text

Environment: VOXTRAIN_JOBS, when set, is passed on to the two commands; TMPDIR chooses where
the temporary root goes (default /var/tmp; it needs about 3 GB).
EOF
}

die() {
  echo "check_fresh_machine: $*" >&2
  exit 1
}

say() {
  echo "check_fresh_machine: $*"
}

# ---- options and preconditions ----------------------------------------------------------------
logs=""
keep=0
mirror=""
parse_options() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --logs) [ $# -ge 2 ] || die "--logs needs a directory; e.g. --logs /var/tmp/fresh-logs"
        logs=$2; shift 2 ;;
      --logs=*) logs=${1#--logs=}; shift ;;
      --keep) keep=1; shift ;;
      --mirror) [ $# -ge 2 ] || die "--mirror needs a URL; e.g. --mirror http://deb.debian.org/debian"
        mirror=$2; shift 2 ;;
      --mirror=*) mirror=${1#--mirror=}; shift ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown argument '$1'; see scripts/check_fresh_machine.sh --help" ;;
    esac
  done
}

check_preconditions() {
  [ "$(id -u)" -eq 0 ] ||
    die "needs root (debootstrap, mount and chroot); run it as root or with sudo"
  command -v debootstrap > /dev/null ||
    die "debootstrap is not installed; install it with: apt-get install debootstrap"
  command -v git > /dev/null || die "git is not installed; install it with: apt-get install git"
}

# ---- apt sources ------------------------------------------------------------------------------
# Prints "URI SUITE" for each Debian source of this machine, one-line and deb822 formats alike.
list_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URI SUITE COMPONENTS...
    sed -E 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      function flush() {
        if (enabled && types ~ /(^| )deb( |$)/)
          for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
        types = ""; nu = 0; ns = 0; enabled = 1
      }
      BEGIN { enabled = 1 }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      tolower($1) == "types:" { $1 = ""; types = $0 }
      tolower($1) == "uris:" { for (i = 2; i <= NF; i++) u[++nu] = $i }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) s[++ns] = $i }
      tolower($1) == "enabled:" && tolower($2) == "no" { enabled = 0 }
      END { flush() }' "$f"
  done
}

# The mirror that serves bookworm itself, and the one (if any) that serves bookworm-security.
find_mirrors() {
  local sources
  sources=$(list_sources)
  if [ -z "$mirror" ]; then
    mirror=$(awk '$2 == "bookworm" { print $1; exit }' <<< "$sources")
    [ -n "$mirror" ] ||
      die "no 'bookworm' suite in /etc/apt/sources.list or /etc/apt/sources.list.d/; pass --mirror http://deb.debian.org/debian"
  fi
  security_mirror=$(awk '$2 == "bookworm-security" { print $1; exit }' <<< "$sources")
}

write_root_sources() {
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$mirror"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    if [ -n "$security_mirror" ]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\n' "$security_mirror"
      printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    fi
  } > "$root/etc/apt/sources.list.d/debian.sources"
}

# ---- mounts and cleanup -----------------------------------------------------------------------
mounted=()  # mount points inside the root, in the order they were mounted

mount_in_root() {  # mount_in_root <target below root> <mount arguments...>
  local target="$root$1"
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}

mount_root_filesystems() {
  mount_in_root /proc -t proc proc
  mount_in_root /sys -t sysfs sysfs
  mount_in_root /dev --bind /dev
  mount_in_root /dev/pts --bind /dev/pts
  mount_in_root /dev/shm -t tmpfs -o mode=1777,nosuid,nodev tmpfs
}

# run_logged LOG COMMAND...: runs the command with its output in LOG, in the background and in a
# process group of its own (setsid; no fork, as the script has no job control), and waits for
# it: a TERM or INT sent to this script then runs its trap at once (bash delays traps until a
# foreground command ends), and the trap can end the whole group.
child=""
run_logged() {
  local log=$1 rc=0
  shift
  setsid "$@" > "$log" 2>&1 < /dev/null &
  child=$!
  wait "$child" || rc=$?
  child=""
  return "$rc"
}

# Ends every process whose root directory is the chroot (left over after an interruption).
kill_root_processes() {
  local signal proc
  for signal in TERM KILL; do
    for proc in /proc/[0-9]*; do
      [ "$(readlink "$proc/root" 2> /dev/null)" = "$root" ] && kill -s "$signal" "${proc#/proc/}" 2> /dev/null
    done
    sleep 1
  done
  return 0
}

unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2> /dev/null || umount -l "${mounted[i]}" ||
      echo "check_fresh_machine: could not unmount ${mounted[i]}; unmount it by hand" >&2
  done
  mounted=()
  # What an interrupted debootstrap may have left mounted, deepest first.
  local target
  for target in $(still_mounted_below "$workdir" | sort -r); do
    umount "$target" 2> /dev/null || umount -l "$target" || true
  done
}

still_mounted_below() {  # prints mount points at or below $1
  awk -v p="$1" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/self/mounts
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "${root:-}" ] || exit "$rc"
  [ -z "$child" ] || kill -s TERM -- "-$child" 2> /dev/null || kill -s TERM "$child" 2> /dev/null || true
  kill_root_processes
  unmount_all
  if [ -n "$(still_mounted_below "$workdir")" ]; then
    echo "check_fresh_machine: still mounted below $workdir: $(still_mounted_below "$workdir" | tr '\n' ' '); not removing it — unmount those and rm -rf $workdir by hand" >&2
  elif [ "$keep" -eq 1 ]; then
    say "kept the root (--keep): $root"
  else
    say "removing $workdir"
    rm -rf --one-file-system "$workdir"
  fi
  exit "$rc"
}

# ---- the steps --------------------------------------------------------------------------------
bootstrap_root() {
  local start=$SECONDS
  say "debootstrap --variant=minbase bookworm from $mirror (log: $logs/debootstrap.log)"
  if ! run_logged "$logs/debootstrap.log" debootstrap --variant=minbase bookworm "$root" "$mirror"; then
    tail -n 20 "$logs/debootstrap.log" >&2
    die "debootstrap failed (see above; full log $logs/debootstrap.log); check the network and --mirror"
  fi
  say "debootstrap took $(duration $((SECONDS - start)))"
  write_root_sources
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  [ -s "$root/etc/hosts" ] || cp /etc/hosts "$root/etc/hosts"
  copy_site_certificates
}

# This site's network, like resolv.conf: a local CA (an HTTPS proxy's) and pip's setting to trust
# it, so pip reaches PyPI from the root as it does here. Nothing of voxtrain's is copied.
copy_site_certificates() {
  local certs=(/usr/local/share/ca-certificates/*.crt)
  if [ -e "${certs[0]}" ]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp "${certs[@]}" "$root/usr/local/share/ca-certificates/"
  fi
  [ ! -f /etc/pip.conf ] || cp /etc/pip.conf "$root/etc/pip.conf"
}

clone_repository() {
  git clone --quiet --no-checkout "$repo" "$root/root/voxtrain"
  git -C "$root/root/voxtrain" checkout --quiet --detach "$commit"
}

duration() {  # 754 -> 12m34s
  printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}

# run_in_root <name> <script>: runs the script in the clone as root with a login-like environment.
results=()
run_in_root() {
  local name=$1 script=$2 start rc=0 elapsed
  local env=(HOME=/root LANG=C.UTF-8 TERM=dumb
             PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
  [ -z "${VOXTRAIN_JOBS:-}" ] || env+=("VOXTRAIN_JOBS=$VOXTRAIN_JOBS")
  say "running $script in the fresh root (log: $logs/$name.log)"
  start=$SECONDS
  run_logged "$logs/$name.log" chroot "$root" /usr/bin/env -i "${env[@]}" \
    /bin/bash -c "cd /root/voxtrain && $script" || rc=$?
  elapsed=$((SECONDS - start))
  results+=("$script: exit $rc, wall time $(duration "$elapsed") (${elapsed} s)")
  say "${results[-1]}"
  if [ "$rc" -ne 0 ]; then
    echo "---- last 30 lines of $logs/$name.log" >&2
    tail -n 30 "$logs/$name.log" >&2
  fi
  return "$rc"
}

main() {
  parse_options "$@"
  check_preconditions
  repo=$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel)
  commit=$(git -C "$repo" rev-parse HEAD)
  find_mirrors
  [ -n "$logs" ] || logs="/var/tmp/voxtrain-fresh-machine-$(date +%Y-%m-%d)-${commit:0:12}"
  mkdir -p "$logs"
  logs=$(cd "$logs" && pwd)

  workdir=$(mktemp -d "${TMPDIR:-/var/tmp}/voxtrain-fresh-root.XXXXXX")
  workdir=$(realpath "$workdir")
  root="$workdir/root"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  say "started $(date '+%Y-%m-%d %H:%M:%S %z') on $(hostname 2> /dev/null || echo this machine)"
  say "commit $commit ($(git -C "$repo" log -1 --format=%s "$commit" | cut -c1-80))"
  [ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] ||
    say "note: $repo has uncommitted changes; they are not part of the check (committed HEAD only)"
  say "cpu: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
  say "root: $root; logs: $logs"

  bootstrap_root
  clone_repository
  mount_root_filesystems

  local failed=0
  run_in_root demo scripts/demo.sh || failed=1
  run_in_root test scripts/test.sh || failed=1

  {
    echo "commit $commit"
    printf '%s\n' "${results[@]}"
  } > "$logs/summary.txt"
  say "summary (also in $logs/summary.txt):"
  printf '  %s\n' "${results[@]}"
  say "logs: $logs"
  return "$failed"
}

main "$@"
