#!/usr/bin/env bash
# The demo network without relays: two clients send straight to the sink, c1
# through a kernel UDP socket, c2 through sluice-gen's DPDK mode on af_xdp, so
# the sink must see exactly what the generators' manifests say they sent;
# then c2 sends Ethernet/IPv6/UDP frames through the DPDK mode to the sink's
# IPv6 address. Proves the namespaces, both of the generator's send paths
# (and the DPDK one's IPv6 frames) and the sink.
# Needs root.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"
sl_netns_up

sl_bg "$work/sink.log" sink "$build/bench/sluice-sink" --listen "${SL_IP[sink]}:$SL_SINK_PORT" \
	--duration 30 --idle-exit 2 --summary "$work/sink.json"
sleep 0.3
gen=(--dst "${SL_IP[sink]}:$SL_SINK_PORT" --valid 300 --dup-pct 20 --bad-sig 20 --malformed 18
	--share 100 --shared-seed 77 --rate 2000 --quiet)
sl_ns c1 timeout 20 "$build/bench/sluice-gen" --seed 1 --manifest "$work/c1.txt" --udp "${gen[@]}"
sl_ns c2 timeout 60 "$build/bench/sluice-gen" --seed 2 --manifest "$work/c2.txt" --src "${SL_IP[c2]}" \
	--dpdk af_xdp:veth-c2 "${gen[@]}"
timeout 20 tail --pid="${SL_BG_PIDS[0]}" -f /dev/null

/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
s = json.load(open(f"{w}/sink.json"))
rows = [l.split() for m in ("c1", "c2") for l in open(f"{w}/{m}.txt") if not l.startswith("#")]
count = lambda k: sum(1 for r in rows if r[1] == k)
valid = {r[2] for r in rows if r[1] == "valid"}
shared = len([r for r in rows if r[1] == "valid"]) - len(valid)
want = {"received": len(rows), "unique": len(valid), "duplicates": count("dup") + shared,
        "invalid_sig": count("bad_sig"), "malformed": count("malformed")}
have = {k: s[k] for k in want}
print("want", want, "\nhave", have)
assert have == want, "the sink did not see what the clients sent"
assert set(s["ids"]) == valid
assert shared == 100, f"the two clients shared {shared} valid transactions, not 100"
PY

# The DPDK mode over IPv6: c2's Ethernet/IPv6/UDP frames (af_xdp) to the
# sink's IPv6 address, which its kernel takes only with a right UDP
# checksum; every one must arrive.
sl_netns_ip6 c2 sink
sl_bg "$work/sink6.log" sink "$build/bench/sluice-sink" --listen "[$(sl_ip6 sink)]:$SL_SINK_PORT" \
	--duration 30 --idle-exit 2 --summary "$work/sink6.json"
sleep 0.3
sl_ns c2 timeout 60 "$build/bench/sluice-gen" --seed 4 --manifest "$work/c2-6.txt" \
	--src "[$(sl_ip6 c2)]" --dst "[$(sl_ip6 sink)]:$SL_SINK_PORT" --dpdk af_xdp:veth-c2 \
	--valid 200 --dup-pct 10 --rate 2000 --quiet
timeout 20 tail --pid="${SL_BG_PIDS[-1]}" -f /dev/null
/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
s = json.load(open(f"{w}/sink6.json"))
rows = [l.split() for l in open(f"{w}/c2-6.txt") if not l.startswith("#")]
valid = {r[2] for r in rows if r[1] == "valid"}
print("sent", len(rows), "valid", len(valid), "sink", {k: s[k] for k in ("received", "unique", "duplicates")})
assert s["received"] == len(rows) and s["unique"] == len(valid) == 200 and set(s["ids"]) == valid
PY
echo "plumbing: ok"
