#!/usr/bin/env bash
# Sets up everything sluice needs on a fresh Debian 12 machine, then configures and builds.
# Idempotent: a second run installs nothing and downloads nothing.
#
#   scripts/setup.sh                 Release build in build/
#   SLUICE_BUILD_DIR=... SLUICE_BUILD_TYPE=... SLUICE_CMAKE_ARGS="..." scripts/setup.sh
#   SLUICE_SETUP_ONLY=1 scripts/setup.sh   install dependencies only, no build
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${SLUICE_BUILD_DIR:-$ROOT/build}"
BUILD_TYPE="${SLUICE_BUILD_TYPE:-Release}"
CACHE_DIR="${SLUICE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice}"

# DuckDB's C library, pinned: the shared library from the npm package
# @duckdb/node-bindings-linux-x64 and the matching duckdb.h from the duckdb package.
DUCKDB_VERSION="1.4.4"
DUCKDB_LIB_PKG="@duckdb/node-bindings-linux-x64@1.4.4-r.4"
DUCKDB_LIB_TGZ="duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz"
DUCKDB_LIB_SHA256="732fac4dc6b8f198870b9c4bb6ddf13544466daca00ad28ba2f1d80de5d7aa4b"
DUCKDB_HDR_PKG="duckdb@1.4.4"
DUCKDB_HDR_TGZ="duckdb-1.4.4.tgz"
DUCKDB_HDR_SHA256="5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed"
DUCKDB_ROOT="$ROOT/.deps/duckdb-$DUCKDB_VERSION"

APT_PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config ccache git ca-certificates
  libyaml-cpp-dev libfmt-dev libspdlog-dev libsimdjson-dev libre2-dev libxxhash-dev
  libzstd-dev liblz4-dev libcli11-dev libcpp-httplib-dev libgtest-dev libgmock-dev
  libbenchmark-dev python3 libpq-dev postgresql zlib1g-dev librocksdb-dev
)

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[setup] error:\033[0m %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 && SUDO="sudo" || true
fi

install_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  # npm fetches the pinned DuckDB library; any npm will do, Debian's only if none is there.
  if ! command -v npm >/dev/null 2>&1; then
    missing+=(npm)
  fi
  if [ "${#missing[@]}" -eq 0 ]; then
    say "system packages: all ${#APT_PACKAGES[@]} present"
    return
  fi
  say "installing missing Debian packages: ${missing[*]}"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install these packages by hand: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# fetch_npm PKG TGZ SHA256: puts the verified package tarball into the cache.
fetch_npm() {
  local pkg="$1" tgz="$2" sha="$3"
  mkdir -p "$CACHE_DIR"
  if [ -f "$CACHE_DIR/$tgz" ] && echo "$sha  $CACHE_DIR/$tgz" | sha256sum -c --status; then
    say "cached: $tgz"
    return
  fi
  say "downloading $pkg from the npm registry"
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1) || die "npm pack $pkg failed (is the npm registry reachable?)"
  [ -f "$tmp/$tgz" ] || die "npm pack $pkg did not produce $tgz"
  echo "$sha  $tmp/$tgz" | sha256sum -c --status || die "checksum mismatch for $tgz (expected $sha)"
  mv "$tmp/$tgz" "$CACHE_DIR/$tgz"
  rm -rf "$tmp"
}

install_duckdb() {
  if [ -f "$DUCKDB_ROOT/lib/libduckdb.so" ] && [ -f "$DUCKDB_ROOT/include/duckdb.h" ]; then
    say "DuckDB $DUCKDB_VERSION: present in ${DUCKDB_ROOT#$ROOT/}"
  else
    fetch_npm "$DUCKDB_LIB_PKG" "$DUCKDB_LIB_TGZ" "$DUCKDB_LIB_SHA256"
    fetch_npm "$DUCKDB_HDR_PKG" "$DUCKDB_HDR_TGZ" "$DUCKDB_HDR_SHA256"
    say "unpacking DuckDB $DUCKDB_VERSION into ${DUCKDB_ROOT#$ROOT/}"
    local tmp
    tmp="$(mktemp -d)"
    tar -xzf "$CACHE_DIR/$DUCKDB_LIB_TGZ" -C "$tmp" package/libduckdb.so
    tar -xzf "$CACHE_DIR/$DUCKDB_HDR_TGZ" -C "$tmp" package/src/duckdb/src/include/duckdb.h
    mkdir -p "$DUCKDB_ROOT/lib" "$DUCKDB_ROOT/include"
    mv "$tmp/package/libduckdb.so" "$DUCKDB_ROOT/lib/"
    mv "$tmp/package/src/duckdb/src/include/duckdb.h" "$DUCKDB_ROOT/include/"
    rm -rf "$tmp"
  fi
  ln -sfn "duckdb-$DUCKDB_VERSION" "$ROOT/.deps/duckdb"
}

configure_and_build() {
  local args=(-S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
              -DDUCKDB_ROOT="$DUCKDB_ROOT")
  # shellcheck disable=SC2206
  [ -n "${SLUICE_CMAKE_ARGS:-}" ] && args+=(${SLUICE_CMAKE_ARGS})
  say "configuring ${BUILD_DIR#$ROOT/} ($BUILD_TYPE${SLUICE_CMAKE_ARGS:+, $SLUICE_CMAKE_ARGS})"
  cmake "${args[@]}" >/dev/null
  say "building ${BUILD_DIR#$ROOT/}${SLUICE_BUILD_TARGETS:+ ($SLUICE_BUILD_TARGETS)}"
  # shellcheck disable=SC2086
  cmake --build "$BUILD_DIR" -- ${SLUICE_BUILD_TARGETS:-}
}

install_packages
install_duckdb
if [ -z "${SLUICE_SETUP_ONLY:-}" ]; then
  configure_and_build
  say "done: binary at ${BUILD_DIR#$ROOT/}/src/cli/sluice"
fi
