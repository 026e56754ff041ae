#!/usr/bin/env bash
# Set up, build and run every test. The exit status is the verdict.
#   SLUICE_BUILD_DIR   build folder (default: build-test)
#   SLUICE_FUZZ_SECONDS  libFuzzer time per target (default: 60)
#   SLUICE_REQUIRE_VECTORS=1  fail (not skip) when ../shared/vectors is absent
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/bootstrap.sh

build=${SLUICE_BUILD_DIR:-build-test}
# clang, so that the libFuzzer targets build; ASan+UBSan on every test.
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dsanitize=true -Dbuildtype=debugoptimized
fi
ninja -C "$build"

status=0
meson test -C "$build" --print-errorlogs --num-processes 2 "$@" || status=$?

# One plain summary line that any CI reader understands.
/usr/bin/python3 - "$build/meson-logs/testlog.json" <<'PY' || true
import json, sys
ok = fail = skip = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): ok += 1
    elif r == "SKIP": skip += 1
    else: fail += 1
print(f"tests: {ok} passed, {fail} failed, {skip} skipped")
PY
exit $status
