#!/usr/bin/env bash
# The demo's traffic through sluice-dp with pcap ports: sluice-gen writes the
# mix of a client (with shared, duplicate, invalid and malformed ones) to a
# pcap; relay "pa" (at relay A's address, peers B and the sink) reads it and
# writes what it forwards to its tx pcap. Verdicts: the raw transactions to
# the sink and the gossip frames to B each carry every valid transaction of
# the manifest exactly once and nothing else; the counters add up; every
# frame of the input was counted. No namespaces needed.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_dp_test_begin "$build"

"$build/bench/sluice-gen" --seed 1 --src "${SL_IP[c1]}" --dst "${SL_IP[a]}:$SL_INGEST_PORT" \
	--pcap "$work/in.pcap" --manifest "$work/c1.txt" --valid 400 --dup-pct 25 --bad-sig 40 \
	--malformed 36 --gossip-spam 20 --share 100 --shared-seed 77 --signers 3 --rate 1000
sl_relay_conf "$work/pa.ini" pa a "pcap:$work/in.pcap:$work/out.pcap" b sink
timeout 60 "$dp" --duration 5 --stats-json "$work/pa.json" -c "$work/pa.ini" >"$work/pa.log" 2>&1 || {
	echo "sluice-dp failed:"
	cat "$work/pa.log"
	exit 1
}
# tests/test_hugepages.sh runs this test again with hugepages reserved.
if [ -n "${SL_EXPECT_MEMORY:-}" ] && ! grep -q "peer(s), $SL_EXPECT_MEMORY" "$work/pa.log"; then
	echo "FAIL: sluice-dp did not run on $SL_EXPECT_MEMORY:"
	cat "$work/pa.log"
	exit 1
fi
"$build/bench/sluice-sink" --pcap "$work/out.pcap" --port "$SL_SINK_PORT" --summary "$work/sink.json"
"$build/bench/sluice-sink" --pcap "$work/out.pcap" --port "$SL_GOSSIP_PORT" --gossip --summary "$work/gossip.json"

report=$src/scripts/e2e_report.py
echo "== raw transactions to the sink"
/usr/bin/python3 "$report" --manifest "$work/c1.txt" --relay "pa=$work/pa.json" --sink "$work/sink.json"
echo "== gossip frames to relay b"
/usr/bin/python3 "$report" --manifest "$work/c1.txt" --sink "$work/gossip.json"

/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
sent = sum(1 for l in open(f"{w}/c1.txt") if not l.startswith("#"))
c = json.load(open(f"{w}/pa.json"))["counters"]
assert c["rx_packets"] == sent, f"relay saw {c['rx_packets']} frames, the pcap has {sent}"
sink, gossip = (json.load(open(f"{w}/{n}.json")) for n in ("sink", "gossip"))
assert sink["skipped"] == gossip["received"] and gossip["skipped"] == sink["received"], \
    "the tx pcap holds frames that are neither to the sink nor to b"
assert c["tx_frames"] == sink["received"] + gossip["received"], "tx_frames differs from the tx pcap"
print("e2e pcap: ok")
PY
