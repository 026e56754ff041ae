#!/usr/bin/env bash
# IPv6 clients and an IPv6 peer (issue 11): the demo network with IPv6 on
# c1, c2, relay A and the sink (sl_netns_ip6), relay A on af_xdp with the
# prefilter and `[relay] ip6 = fd00:99::b`, the sink its one peer, a
# validator at its IPv6 address with `mac = resolve` (sluice-dp takes its
# MAC from A's kernel's IPv6 neighbour entry; A sends it Ethernet/IPv6/UDP
# frames, which the sink's kernel takes only with a right UDP checksum). A's [autoblock]
# blocks a source after 5 invalid signatures within 1000 ms, for 30 s.
# Steps:
#   kernel   c1 forgets its static ARP entry for A; then ping (ARP on the
#            way) and ping -6 (neighbour discovery on the way) from c1 to A
#            are answered by A's kernel through the XDP interface, and so is
#            the control port (UDP 8005, a kernel echo server in sl-a);
#   forger   c2 sends forged signatures at 100/s from fd00:99:0:2::2, a /64
#            of its own (c1's fd00:99::/64 holds A's ip6 and the sink, which
#            protect it): A blocks fd00:99:0:2::/64 within one second of
#            the threshold, `sluicectl blocklist --json` shows it active,
#            and what c2 sends from it afterwards (valid transactions too)
#            dies in XDP as drop_blocklisted;
#   traffic  c1 sends a mix over IPv6 to [fd00:99::b]:8003: valid
#            transactions, duplicates, forged signatures (past the
#            threshold, but its /64 is protected: counted, not blocked),
#            malformed ones (the oversize among them die in XDP) and gossip
#            frames to [fd00:99::b]:8004 (IPv6 gossip is no peer's:
#            drop_unknown_peer in XDP).
# Verdicts: every valid transaction of c1 reaches the sink exactly once and
# nothing else does (scripts/e2e_report.py), none of c2's, A's counters add
# up, and A's prefilter and dataplane agree: XDP redirected exactly c1's
# IPv6 datagrams that are neither oversize nor gossip and c2's forgeries
# before the block, the dataplane received just those, each as an ingest
# transaction, and none was a layer 2-4 defect or not for us. Needs root;
# about 15 s.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"

export SL_XDP_PROG=$build/bpf/sl_prefilter.bpf.o
gen=$build/bench/sluice-gen
CONTROL_PORT=8005
INVALID_SIG=5 BLOCK_S=30   # A's autoblock: the block outlasts the test
FORGE_RATE=100 FORGE_N=120 # c2's forged signatures: 1.2 s, past the 1 s allowed
FORGER6=fd00:99:0:2::2 FORGER6_NET=fd00:99:0:2::/64 # c2's own /64
SL_CONF_EXTRA[a]="[autoblock]
enabled = true
malformed = 0
invalid_sig = $INVALID_SIG
window_ms = 1000
block_s = $BLOCK_S
block_max_s = 60"

start() {
	sl_netns_up
	sl_netns_ip6 c1 c2 a sink
	# c2's forger address, in a /64 of its own; A's address is on-link
	# through c2's fd00:99::/64, and a static neighbour entry keeps c2
	# from soliciting it from an address A has no route back to.
	ip -n sl-c2 addr add "$FORGER6/64" dev veth-c2 nodad
	ip -n sl-c2 -6 neigh replace "$(sl_ip6 a)" lladdr "$(sl_mac a)" dev veth-c2 nud permanent
	sl_relay_conf "$work/a.ini" a a af_xdp:veth-a sink
	sl_conf_ip6 "$work/a.ini" a sink || sl_fail "the sink is not an IPv6 peer of A"
	# the sink's MAC from A's kernel: its IPv6 neighbour entry, which
	# sluice-dp reads over netlink at start (sl_nexthop)
	sed -i "s/^mac = $(sl_mac sink)\$/mac = resolve/" "$work/a.ini"
	grep -qx "mac = resolve" "$work/a.ini" || sl_fail "the sink's mac is not resolved"
	ip -n sl-a -6 neigh replace "$(sl_ip6 sink)" lladdr "$(sl_mac sink)" dev veth-a nud permanent
	# sluicectl reads A's pinned maps (sl_bg keeps the host's mounts)
	sl_bpffs || sl_fail "no BPF file system at /sys/fs/bpf, and none could be mounted"
	sl_bg "$work/a.log" a "$dp" --duration 60 --stats-json "$work/a.json" \
		-c "$work/a.ini"
	sl_wait_xdp a veth-a 60 || sl_fail "relay a did not attach to veth-a within 60 s"
	sleep 1 # the XSK rings are set up after the program is attached
	sl_bg "$work/sink.log" sink "$build/bench/sluice-sink" --listen "[$(sl_ip6 sink)]:$SL_SINK_PORT" \
		--duration 40 --idle-exit 3 --summary "$work/sink.json"
	sink_pid=${SL_BG_PIDS[-1]}
	sl_udp_echo "$work/echo.log" a "$CONTROL_PORT"
	sleep 0.3
}

step_kernel() {
	ip -n sl-c1 neigh del "${SL_IP[a]}" dev veth-c1
	sl_ping c1 "${SL_IP[a]}" 3 || sl_fail "c1 could not ping A over IPv4"
	sl_ping c1 "$(sl_ip6 a)" 3 || sl_fail "c1 could not ping A over IPv6"
	local ip neigh
	for ip in "${SL_IP[a]}" "$(sl_ip6 a)"; do
		neigh=$(ip -n sl-c1 neigh show "$ip" dev veth-c1)
		echo "neighbour: c1 learned $neigh"
		[[ $neigh == *"lladdr $(sl_mac a) "* && $neigh != *PERMANENT* ]] ||
			sl_fail "c1's neighbour entry for $ip is not a learned one with A's MAC: $neigh"
	done
	sl_udp_ask c1 "${SL_IP[a]}" "$CONTROL_PORT" 3 || sl_fail "A's control port did not answer c1"
}

# c2: forged signatures from its own /64 until A blocks it, then valid
# transactions from it during the block.
step_forger() {
	sl_forge_until_blocked "$gen" "$work" c2 "[$FORGER6]" "[$(sl_ip6 a)]:$SL_INGEST_PORT" \
		"$FORGE_N" "$FORGE_RATE" "$FORGER6_NET"
	sl_blocklist_shows "$build/control/sluicectl" "$work/a.ini" "$FORGER6_NET" "$BLOCK_S" alone
	sl_ns c2 timeout 30 "$gen" --seed 22 --udp --src "[$FORGER6]" --dst "[$(sl_ip6 a)]:$SL_INGEST_PORT" \
		--valid 50 --rate 200 --manifest "$work/c2-blocked.txt" --quiet ||
		sl_fail "c2's sluice-gen failed during its block"
}

step_traffic() {
	sl_ns c1 timeout 30 "$gen" --seed 6 --udp --src "[$(sl_ip6 c1)]" \
		--dst "[$(sl_ip6 a)]:$SL_INGEST_PORT" --gossip-port "$SL_GOSSIP_PORT" --valid 300 \
		--dup-pct 25 --bad-sig 20 --malformed 18 --gossip-spam 10 --signers 3 --rate 1000 \
		--manifest "$work/c1.txt" --quiet || sl_fail "c1's sluice-gen failed"
	timeout 30 tail --pid="$sink_pid" -f /dev/null
}

start
step_kernel
step_forger
step_traffic
sl_cleanup # SIGINT: the relay writes its stats, the sink its summary
if [ ! -s "$work/a.json" ] || [ "${SL_BG_STATUS[$work/a.log]}" != 0 ]; then
	sl_fail "relay a exited with ${SL_BG_STATUS[$work/a.log]} (stats: $work/a.json)"
fi
[ -s "$work/sink.json" ] || sl_fail "the sink wrote no summary"
[ ! -e /sys/fs/bpf/sluice/a ] || sl_fail "A's pinned maps outlived its clean exit"
# c2's forgeries are in the verdict (none may reach the sink); its valid
# transactions sent during the block are not (none may either: below).
/usr/bin/python3 "$src/scripts/e2e_report.py" --manifest "$work/c1.txt" --manifest "$work/c2-forged.txt" \
	--relay "a=$work/a.json:$work/a.log" --sink "$work/sink.json" || sl_fail "the sink's verdict"

/usr/bin/python3 - "$work" "$INVALID_SIG" "$FORGE_RATE" "$BLOCK_S" "$FORGER6_NET" <<'PY' || sl_fail "the numbers"
import json, sys
w = sys.argv[1]
thresh, forge_rate, block_s = map(int, sys.argv[2:5])
forger_net = sys.argv[5]
a = json.load(open(f"{w}/a.json"))
pf, c = a["prefilter"], a["counters"]
load = lambda n: [l.split() for l in open(f"{w}/{n}.txt") if not l.startswith("#")]
rows, forged, blocked = load("c1"), load("c2-forged"), load("c2-blocked")
fails = []
def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        fails.append(what)

print("A's prefilter:", {k: v for k, v in pf.items() if v and k != "top_sources"},
      "top:", pf.get("top_sources"))
oversize = sum(1 for r in rows if r[1] == "malformed" and r[-1] == "oversize")
spam = sum(1 for r in rows if r[1] == "gossip_spam")
ingest = len(rows) - oversize - spam
check(oversize > 0 and spam > 0, f"c1 sent oversize ({oversize}) and gossip ({spam}) datagrams")

# The forger: blocked as its /64 within a second of crossing the threshold
# (its forgeries that reached the dataplane past the threshold measure how
# late, at forge_rate a second); everything it sent after died in XDP.
src = a["sources"]
reached = src.get(forger_net, {}).get("invalid_sig", 0)
print(f"c2: {len(forged)} forged sent, {reached} reached the dataplane: blocked "
      f"{(reached - thresh) / forge_rate:.2f} s after the threshold ({thresh}) was crossed")
check(thresh <= reached <= thresh + forge_rate, f"{forger_net} blocked within 1 s of crossing the threshold")
blocks = [l for l in open(f"{w}/a.log") if "autoblock: blocked" in l]
check(len(blocks) == 1 and f"blocked {forger_net} for {block_s} s (invalid_sig" in blocks[0],
      f"A blocked {forger_net} once, for {block_s} s, and nothing else: {blocks}")
ab = a.get("autoblock", {})
print("A's autoblock:", ab)
check(ab.get("blocks") == 1 and ab.get("blocks_invalid_sig") == 1 and ab.get("errors") == 0
      and ab.get("active") == 1, "autoblock: one block, for invalid signatures, still active")
xdp = pf["top_sources"].get(forger_net, 0)
check(xdp == len(forged) - reached + len(blocked),
      f"XDP dropped {xdp} of {forger_net}'s = forged after the block {len(forged) - reached} "
      f"+ valid during it {len(blocked)}")
check(pf["drop_blocklisted"] == xdp, f"drop_blocklisted {pf['drop_blocklisted']}: all {forger_net}'s")
sink = json.load(open(f"{w}/sink.json"))
during = {r[2] for r in blocked}
check(len(during) == 50 and not during & set(sink["ids"]),
      f"none of the {len(during)} valid transactions c2 sent from {forger_net} reached the sink")
# c1's /64 holds A's ip6 and the sink: past the threshold, counted, not blocked.
c1_net = "fd00:99::/64"
c1_bad = sum(1 for r in rows if r[1] == "bad_sig")
check(src.get(c1_net, {}).get("invalid_sig") == c1_bad > thresh,
      f"A counted c1's {c1_bad} forged signatures against {c1_net}: {src.get(c1_net)}")
check(ab.get("protected", 0) >= 1 and any(f"not blocking {c1_net} (protected" in l for l in open(f"{w}/a.log")),
      f"autoblock counted {c1_net} as protected ({ab.get('protected')})")

# Every datagram c1 sent is IPv6, and A took no other traffic on its ports
# but c2's forgeries before its block.
check(pf["redirected"] == ingest + reached,
      f"XDP redirected {pf['redirected']} = c1's IPv6 ingest datagrams {ingest} + c2's forgeries before the block {reached}")
check(pf["drop_oversize"] == oversize, f"XDP drop_oversize {pf['drop_oversize']} = c1's oversize {oversize}")
check(pf["drop_unknown_peer"] == spam, f"XDP drop_unknown_peer {pf['drop_unknown_peer']} = c1's IPv6 gossip {spam}")
rx = c["rx_packets"] + c.get("rx_missed", 0)
check(rx == pf["redirected"], f"A: rx_packets + rx_missed {rx} = XDP redirected {pf['redirected']}")
check(c.get("ingest_txns") == c["rx_packets"], f"A: ingest_txns {c.get('ingest_txns')} = rx_packets {c['rx_packets']}")
wrong = {k: c.get(k, 0) for k in ("drop_l2", "drop_l3", "drop_l4", "drop_not_for_us", "drop_unknown_peer")}
check(not any(wrong.values()), f"A's dataplane saw no defect, nothing not for it and no gossip: {wrong}")
valid = len({r[2] for r in rows if r[1] in ("valid", "dup")})
check(list(a["peers"]) == ["sink"], f"A's one peer is the sink: {list(a['peers'])}")
check(c["forwarded_txns"] == valid == a["peers"]["sink"]["frames_out"],
      f"A forwarded {c['forwarded_txns']} = c1's distinct valid {valid} = its frames to the sink "
      f"{a['peers']['sink']['frames_out']}")
# The kernel's share: ICMPv6 (neighbour discovery, the echo requests, MLD),
# ICMP and ARP passed; the control port is not ours.
check(pf["pass_not_udp"] >= 6, f"ICMP and ICMPv6 passed to A's kernel ({pf['pass_not_udp']} >= 6)")
check(pf["pass_not_ip"] >= 1, f"ARP passed to A's kernel ({pf['pass_not_ip']})")
check(pf["pass_not_ours"] >= 3, f"the control port passed to A's kernel ({pf['pass_not_ours']} >= 3)")
sys.exit(1 if fails else 0)
PY
echo "ipv6: ok"
