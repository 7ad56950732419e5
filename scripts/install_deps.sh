#!/usr/bin/env bash
# Installs, without prompts, the Debian packages that building, testing and the demo need.
# Idempotent and quick when everything is there: dpkg is asked first, apt only when needed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build git pkg-config
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libdnnl-dev ocl-icd-opencl-dev libnifti2-dev zlib1g-dev libfmt-dev
  python3-venv  # scripts/tensorboard_venv.sh: the test that TensorBoard loads the event files
  catch2
)
# Extra packages a caller needs on top (space-separated), e.g. for a benchmark.
read -r -a extra <<< "${VOXTRAIN_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")

die() {
  echo "install_deps: $*" >&2
  exit 1
}

if ! command -v dpkg-query > /dev/null || ! command -v apt-get > /dev/null; then
  die "this is not a Debian-based system (no dpkg-query/apt-get): install the equivalents of ${packages[*]} and run CMake by hand (docs/BUILDING.md)"
fi

missing=()
for p in "${packages[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2> /dev/null) == *"install ok installed"* ]] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    sudo=(sudo)
  else
    die "missing packages: ${missing[*]}; run this script as root (e.g. sudo $0), or install them as root: apt-get install --no-install-recommends ${missing[*]}"
  fi
fi

echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${sudo[@]}" apt-get update -qq > "$log" 2>&1 ||
  { cat "$log" >&2; die "apt-get update failed (see above): check the network and /etc/apt/sources.list"; }
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$log" 2>&1; then
  cat "$log" >&2
  unavailable=()
  for p in "${missing[@]}"; do
    apt-cache show "$p" > /dev/null 2>&1 || unavailable+=("$p")
  done
  if [ ${#unavailable[@]} -gt 0 ]; then
    die "no package named ${unavailable[*]} in this system's apt sources: voxtrain needs Debian 12 (bookworm) or newer"
  fi
  die "apt-get could not install ${missing[*]} (see above)"
fi
echo "install_deps: done"
