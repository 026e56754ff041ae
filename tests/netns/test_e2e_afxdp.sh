#!/usr/bin/env bash
# End to end on the demo network: relays A and B run sluice-dp on af_xdp over
# veth; two clients send a mix that shares 100 valid transactions. Verdicts
# (scripts/e2e_report.py): every valid transaction reaches the sink exactly
# once, nothing else does (nor any of 30 gossip frames forged in relay B's
# name), each relay's counters add up, each relay exits 0.
# Also: each relay received exactly its client's datagrams and its peer's
# gossip frames (and at most 3 foreign frames); relay A's "sources" holds c1
# with exactly c1's distinct malformed and forged transactions. Needs root.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"

sl_e2e_run "$work" "$build"

/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
stats = {r: json.load(open(f"{w}/{r}.json")) for r in ("a", "b")}
lines = lambda n: [l for l in open(f"{w}/{n}.txt") if not l.startswith("#")]
for relay, client, other in (("a", "c1", "b"), ("b", "c2", "a")):
    sent = len(lines(client)) + (len(lines("spoof")) if relay == "a" else 0)
    c = stats[relay]["counters"]
    gossip_in = stats[other]["peers"][relay]["frames_out"]
    # Exactly the client's datagrams and the other relay's gossip frames: the
    # network loses nothing. Frames that are not sluice traffic at all (a
    # kernel's ARP or ICMP in the shared bridge) are tolerated, a few.
    stray = sum(c.get(k, 0) for k in ("drop_l2", "drop_l3", "drop_l4", "drop_not_for_us"))
    assert c["rx_packets"] - stray == sent + gossip_in and stray <= 3, \
        f"relay {relay} saw {c['rx_packets']} packets ({stray} not sluice traffic), " \
        f"not {sent} from {client} + {gossip_in} from {other}: {c}"
    assert c.get("tx_dropped", 0) == 0, f"relay {relay} could not send {c['tx_dropped']} frames"
# Relay A names c1 as the source of exactly its distinct malformed and
# forged transactions: a repeat of the same bytes is a duplicate, counted by
# no source (manifest lines with an id "-" have distinct bytes but for the
# empty datagrams); B's gossip carries none, as B drops them.
def distinct(client, kind):
    payloads = set()
    for l in lines(client):
        seq, k, txid, size, _ = l.split()
        if k == kind:
            payloads.add(txid if txid != "-" else "empty" if size == "0" else seq)
    return len(payloads)
want = {"10.99.0.1": {"malformed": distinct("c1", "malformed"), "invalid_sig": distinct("c1", "bad_sig")}}
assert want["10.99.0.1"]["malformed"] and want["10.99.0.1"]["invalid_sig"], want
assert stats["a"]["sources"] == want, f"relay a sources {stats['a']['sources']}, c1 sent {want}"
forged = len(lines("spoof"))
bad_token = stats["a"]["counters"].get("drop_bad_token", 0)
assert forged == 30 and bad_token == forged, f"relay a dropped {bad_token} of {forged} forged frames as bad_token"
print("e2e af_xdp: ok")
PY
