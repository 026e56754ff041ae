#!/usr/bin/env bash
# Runs the fast path's unit tests once more in optimised builds without
# sanitizers, with gcc and with clang: the builds operators run. The
# sanitized suite (test.sh) hides what only full optimisation exposes:
# strict-aliasing violations the compiler reorders (DPDK's inline ring
# copies once: dataplane/sl_ring.h; clang -O3 showed it, gcc did not) and
# aligned vector stores into memory allocated with less alignment than its
# type declares (sl_tables once). It builds every target, so that a
# warning only -O3 raises (gcc's maybe-uninitialized, in a test twice)
# stops it, and runs only these tests.
#   SLUICE_RELEASE_BUILD_DIR  build folder prefix (default: build-release;
#                             the compiler's name is appended)
set -euo pipefail
cd "$(dirname "$0")/.."
base=${SLUICE_RELEASE_BUILD_DIR:-build-release}
tests=(pipeline ring dedup idcache srcdrops srcaddr autoblock stats txn pkt_sanity verify)
for cc in gcc clang; do
  build=$base-$cc
  if [ ! -f "$build/build.ninja" ]; then
    CC=$cc meson setup "$build" --buildtype=release >/dev/null
  fi
  ninja -C "$build"
  meson test -C "$build" --no-rebuild --print-errorlogs --num-processes 2 "${tests[@]}"
done
