#!/usr/bin/env bash
# The main job: a namespace network of clients, two relays and a sink, fed by
# sluice-gen. Needs the dataplane (sluice-dp), which has not landed yet.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
meson setup build >/dev/null 2>&1 || true
ninja -C build
echo "demo: the dataplane (sluice-dp) has not landed yet; nothing to run." >&2
exit 1
