#!/usr/bin/env bash
# sluice-dp fed only bad input from a pcap: every malformed transaction kind,
# forged signatures, every layer 2-4 and gossip-header defect (sl_bad_frame),
# a 9000-byte jumbo, and the raw non-sluice frames of the shared vectors
# (xdp-frames). It must exit cleanly, forward nothing, and count every frame
# as exactly one drop.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_dp_test_begin "$build"

frames=()
vec=${SLUICE_VECTORS_DIR:-}/xdp-frames
if [ -d "$vec" ]; then
	frames=(--frames-dir "$vec")
elif [ "${SLUICE_REQUIRE_VECTORS:-}" = 1 ]; then
	echo "FAIL: $vec is absent and SLUICE_REQUIRE_VECTORS=1"
	exit 1
else
	echo "note: $vec is absent (see ../shared/README.md); running without the raw frames"
fi
"$build/bench/sluice-gen" --seed 5 --src "${SL_IP[c1]}" --dst "${SL_IP[a]}:$SL_INGEST_PORT" \
	--pcap "$work/in.pcap" --manifest "$work/in.txt" --malformed 90 --bad-sig 20 --signers 4 \
	--bad-frames "${frames[@]}"
sl_relay_conf "$work/m.ini" m a "pcap:$work/in.pcap:$work/out.pcap" b sink
rc=0
timeout 60 "$dp" --duration 4 --stats-json "$work/m.json" -c "$work/m.ini" >"$work/m.log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL: sluice-dp exited with $rc:"
	cat "$work/m.log"
	exit 1
fi

/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
kinds = {}
for l in open(f"{w}/in.txt"):
    if not l.startswith("#"):
        k = l.split()[1]
        kinds[k] = kinds.get(k, 0) + 1
sent = sum(kinds.values())
c = json.load(open(f"{w}/m.json"))["counters"]
drops = {k: v for k, v in c.items() if k.startswith("drop_") and v}
print(f"in: {sent} frames {kinds}")
print(f"relay: rx_packets {c['rx_packets']}, forwarded_txns {c['forwarded_txns']}, "
      f"tx_frames {c.get('tx_frames', 0)}, drops {drops}")
fails = []
if c["rx_packets"] != sent:
    fails.append(f"rx_packets {c['rx_packets']} != {sent} frames in the pcap")
if c["forwarded_txns"] or c.get("tx_frames", 0):
    fails.append("something was forwarded")
if sum(drops.values()) != c["rx_packets"]:
    fails.append(f"drops add up to {sum(drops.values())}, not rx_packets {c['rx_packets']}")
if c.get("drop_invalid_sig", 0) != kinds.get("bad_sig", 0):
    fails.append(f"drop_invalid_sig {c.get('drop_invalid_sig', 0)} != {kinds.get('bad_sig', 0)} forged")
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
PY
echo "malformed pcap: ok"
