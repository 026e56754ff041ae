#!/usr/bin/env bash
# Runs the tests that read ../shared/vectors (meson suite 'vectors') once
# more with the vectors hidden behind an empty folder, as on a user's clone,
# which has no ../shared: each must pass with its vector parts skipped.
# Seconds, not minutes: no fuzzing (seed replay only).
#   SLUICE_BUILD_DIR   build folder (default: build-test, made by test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SLUICE_BUILD_DIR:-build-test}
[ -f "$build/build.ninja" ] || { echo "test_without_vectors: run ./scripts/test.sh first ($build has no build)" >&2; exit 2; }

# The tests get SLUICE_VECTORS_DIR from the build's vectors_dir option
# (tests/meson.build); point it at an empty folder and put it back after.
was=$(meson introspect --buildoptions "$build" |
      /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "vectors_dir"))')
empty=$(mktemp -d)
trap 'meson configure "$build" -Dvectors_dir="$was" >/dev/null; rmdir "$empty"' EXIT
meson configure "$build" -Dvectors_dir="$empty" >/dev/null

env -u SLUICE_REQUIRE_VECTORS SLUICE_FUZZ_SECONDS=0 \
  meson test -C "$build" --suite vectors --print-errorlogs --num-processes 2 "$@"
