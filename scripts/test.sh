#!/usr/bin/env bash
# Sets everything up and runs the whole test suite:
#   1. Release build with warnings as errors; every test (unit, SQL data files, end to end).
#   2. ASan + UBSan build of the core libraries' tests, run again under the sanitizers.
# Exits non-zero when any build step or test fails.
#   SLUICE_SKIP_SANITIZE=1 scripts/test.sh   skip step 2 (quicker local runs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${SLUICE_JOBS:-$(nproc)}"
say() { printf '\033[1;34m[test]\033[0m %s\n' "$*" >&2; }

export CTEST_OUTPUT_ON_FAILURE=1
SLUICE_BUILD_DIR="$ROOT/build" SLUICE_BUILD_TYPE=Release SLUICE_CMAKE_ARGS="-DSLUICE_WERROR=ON" \
  "$ROOT/scripts/setup.sh"
say "running all tests (Release)"
ctest --test-dir "$ROOT/build" -j "$JOBS" --timeout 600

if [ -z "${SLUICE_SKIP_SANITIZE:-}" ]; then
  # The libraries that carry the hot paths and parsers (and the fuzz corpus replay over
  # them) run again under AddressSanitizer + UndefinedBehaviorSanitizer.
  SAN_TESTS="core_tests log_tests sql_tests project_tests observe_tests connectors_tests stream_tests transform_tests fuzz_tests"
  SLUICE_BUILD_DIR="$ROOT/build-asan" SLUICE_BUILD_TYPE=RelWithDebInfo \
    SLUICE_CMAKE_ARGS="-DSLUICE_WERROR=ON -DSLUICE_SANITIZE=ON" SLUICE_BUILD_TARGETS="$SAN_TESTS" \
    "$ROOT/scripts/setup.sh"
  say "running the core libraries' tests under ASan + UBSan"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  ctest --test-dir "$ROOT/build-asan" -j "$JOBS" --timeout 900 -L 'core|log|sql|project|observe|connectors|stream|transform|fuzz'
fi
say "all tests passed"
