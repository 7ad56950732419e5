# build_common.sh — sourced by demo.sh and test.sh: configures (re-using an existing build
# directory) and builds. VOXTRAIN_BUILD_DIR, VOXTRAIN_BUILD_TYPE and VOXTRAIN_JOBS override.

VOXTRAIN_BUILD_DIR=${VOXTRAIN_BUILD_DIR:-build}
VOXTRAIN_BUILD_TYPE=${VOXTRAIN_BUILD_TYPE:-Release}
VOXTRAIN_JOBS=${VOXTRAIN_JOBS:-$(nproc)}

# voxtrain_configure [extra cmake arguments...]
voxtrain_configure() {
  local generator=(-G Ninja)
  if [ -f "$VOXTRAIN_BUILD_DIR/CMakeCache.txt" ]; then
    generator=()  # keep whatever generator the directory was made with
  fi
  if ! cmake -S . -B "$VOXTRAIN_BUILD_DIR" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE="$VOXTRAIN_BUILD_TYPE" "$@" > "$VOXTRAIN_BUILD_DIR.configure.log" 2>&1; then
    cat "$VOXTRAIN_BUILD_DIR.configure.log" >&2
    echo "$(basename "$0"): CMake could not configure $VOXTRAIN_BUILD_DIR (see above; the full log is $VOXTRAIN_BUILD_DIR.configure.log)" >&2
    exit 1
  fi
  grep -E "^-- (voxtrain|CUDA backend)" "$VOXTRAIN_BUILD_DIR.configure.log" || true
}

# voxtrain_build [targets...]
voxtrain_build() {
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  if ! cmake --build "$VOXTRAIN_BUILD_DIR" -j "$VOXTRAIN_JOBS" "${targets[@]}"; then
    echo "$(basename "$0"): the build failed (see the compiler's messages above)" >&2
    exit 1
  fi
}
