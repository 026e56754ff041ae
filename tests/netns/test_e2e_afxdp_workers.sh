#!/usr/bin/env bash
# The af_xdp end-to-end run with two workers per relay: one af_xdp queue, so
# the rx lcore steers by dedup tag to two shards and sends the frames the
# workers hand back. Same verdicts as test_e2e_afxdp.sh (every valid
# transaction reaches the sink exactly once, nothing else does, counters add
# up), plus: no packet was lost between the stages. Needs root.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"

SL_DP_WORKERS=2 sl_e2e_run "$work" "$build"
grep -q "2 worker(s)" "$work/a.log" || { echo "relay a did not run two workers"; cat "$work/a.log"; exit 1; }
/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
for r in ("a", "b"):
    c = json.load(open(f"{w}/{r}.json"))["counters"]
    assert c["drop_steer_full"] == 0 and c["tx_dropped"] == 0, (r, c)
print("e2e af_xdp, two workers: ok")
PY
