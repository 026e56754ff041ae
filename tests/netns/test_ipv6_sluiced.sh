#!/usr/bin/env bash
# Managed relay peers over IPv6: the demo network (relays A and B on af_xdp
# with the XDP prefilter, sluiced beside each sluice-dp), the relays with
# IPv6 addresses beside their IPv4 ones and naming each other by key at
# their IPv6 addresses only (sl_e2e_run, SL_E2E_IP6=1). sluiced's
# handshakes, pings and tokens go over IPv6 (its control socket at [relay]
# ip6), it resolves the other relay's MAC from the kernel's IPv6 neighbour
# entry, and sluice-dp sends the other relay Ethernet/IPv6/UDP gossip, which
# the other's prefilter passes by its live sl_pf_peers6 entry. Clients and
# the sink stay IPv4; c1's gossip forged from B's IPv4 address is no peer's.
# Verdicts: the run's (every valid transaction at the sink exactly once,
# nothing else; counters add up), each relay shows the other up at its IPv6
# address, every gossip frame one relay sent the other arrived and went on
# (no IPv6 gossip dropped in XDP or the dataplane as a stranger's or with a
# bad token), and each relay's XDP redirected exactly its client's and its
# peer's datagrams. Needs root.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"
trap 'sl_cleanup; rm -rf "$work" /dev/shm/sluice-{a,b}.peers' EXIT

export SL_XDP_PROG=$build/bpf/sl_prefilter.bpf.o
SL_E2E_SLUICED=1 SL_E2E_IP6=1 SL_E2E_VALID=200 sl_e2e_run "$work" "$build"

/usr/bin/python3 - "$work" "$(sl_ip6 a)" "$(sl_ip6 b)" <<'PY'
import json, sys
w, ip6 = sys.argv[1], {"a": sys.argv[2], "b": sys.argv[3]}
stats = {r: json.load(open(f"{w}/{r}.json")) for r in ("a", "b")}
lines = lambda n: [l for l in open(f"{w}/{n}.txt") if not l.startswith("#")]
fails = []
def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        fails.append(what)

for relay, other, client in (("a", "b", "c1"), ("b", "a", "c2")):
    peers = {p["name"]: p for p in json.load(open(f"{w}/{relay}.peers.json"))["peers"]}
    p = peers.get(other, {})
    check(p.get("state") == "up" and p.get("ip") == ip6[other] and p.get("next_hop") is True,
          f"{relay}'s sluiced: {other} up at {ip6[other]}, next hop resolved: {p}")
    check(p.get("handshakes", 0) >= 1 and p.get("drops", {}).get("wrong_address", 1) == 0,
          f"{relay}'s session with {other}: handshakes {p.get('handshakes')}, drops {p.get('drops')}")
    s, o = stats[relay], stats[other]
    sent = o["peers"][relay]["frames_out"]
    got = s["peers"][other]
    check(sent > 0 and got["frames_in"] == sent,
          f"{relay} took all {sent} gossip frames {other} sent it over IPv6: frames_in {got['frames_in']}")
    check(got["first_deliveries"] > 0, f"{other}'s gossip delivered firsts at {relay}: {got['first_deliveries']}")
    c, pf = s["counters"], s["prefilter"]
    check(c.get("drop_bad_token", 0) == 0 and c.get("drop_peer_down", 0) == 0 and
          c.get("drop_unknown_peer", 0) == 0,
          f"{relay}'s dataplane dropped no gossip as a stranger's, for its token or a down peer: {c}")
    # The prefilter's drops: the client's oversize datagrams and its gossip
    # spam (no peer's), and at A the gossip c1 forged from B's IPv4 address,
    # no peer's either now that B is A's peer at its IPv6 address.
    rows = [l.split() for l in lines(client)]
    oversize = sum(1 for r in rows if r[1] == "malformed" and r[-1] == "oversize")
    spam = sum(1 for r in rows if r[1] == "gossip_spam")
    spoof = len(lines("spoof")) if relay == "a" else 0
    drops = {k: v for k, v in pf.items() if k.startswith("drop_") and v}
    want = {k: v for k, v in (("drop_oversize", oversize), ("drop_unknown_peer", spam + spoof)) if v}
    check(drops == want and spam > 0 and (relay == "b" or spoof == 30),
          f"{relay}'s XDP drops {drops} = oversize {oversize}, no peer's {spam} + {spoof} (forged)")
    want = len(rows) - oversize - spam + sent
    check(pf["redirected"] == want,
          f"{relay}'s XDP redirected {pf['redirected']} = {client}'s {len(rows) - oversize - spam} "
          f"+ {other}'s gossip {sent}")
sys.exit(1 if fails else 0)
PY
echo "ipv6 sluiced: ok"
