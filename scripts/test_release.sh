#!/usr/bin/env bash
# Runs the fast path's unit tests once more in an optimised build without
# sanitizers, with gcc: the build operators run. The sanitized suite
# (test.sh) hides what only full optimisation exposes: type-punned loads
# (the reason for -fno-strict-aliasing) and aligned vector stores into
# memory allocated with less alignment than its type declares (sl_tables
# once). Minutes: it builds only these tests.
#   SLUICE_RELEASE_BUILD_DIR  build folder (default: build-release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SLUICE_RELEASE_BUILD_DIR:-build-release}
tests=(pipeline dedup idcache srcdrops autoblock stats txn pkt_sanity verify)
if [ ! -f "$build/build.ninja" ]; then
  CC=gcc meson setup "$build" --buildtype=release >/dev/null
fi
ninja -C "$build" "${tests[@]/#/tests/test_}"
meson test -C "$build" --no-rebuild --print-errorlogs --num-processes 2 "${tests[@]}"
