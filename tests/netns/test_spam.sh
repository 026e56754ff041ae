#!/usr/bin/env bash
# Spam against relay A (issue 11): the prefilter's per-source rate limit and
# the autoblock loop, end to end on the demo network. Relay A (sluice-dp on
# af_xdp with the XDP prefilter, [prefilter] rate 200/s burst 200,
# [autoblock] on invalid signatures: 5 within 1000 ms block for 3 s) gossips
# to relay B, which forwards to the sink. Steps, one function each:
#   flood      c1 sends its normal mix (valid, a few duplicates) at 100/s,
#              under the limit, while c3 floods A's ingest port at 5000/s
#              for 4 s with copies of c1's transactions and junk; c3 must be
#              cut to burst + rate x time in XDP (drop_rate_limited), c1 not
#              at all;
#   kernel     meanwhile ARP (c2 forgets A's address and asks again), ping
#              from c1 and the control port (UDP 8005, a kernel echo server
#              in sl-a) go through A's interface;
#   protected  bad signatures sent to A's ingest port from relay B's address
#              (raw frames written by c3): past the threshold, but a
#              configured peer is never blocked (the autoblock counts it as
#              protected);
#   forger     c2 sends forged signatures at 100/s: blocked within one
#              second of crossing the threshold (counters: how many reached
#              the dataplane), its valid transactions during the block die in
#              XDP as drop_blocklisted, and after the block (3 s) they reach
#              the sink again.
# Then every valid transaction of c1 and of c2 after its block must reach the
# sink exactly once and none of c2's during its block, and the counters must
# add up: A's redirected = its rx = the sum of what each source got past
# XDP; A's forwarded = its frames to B = B's rx; B's frames to the sink = the
# sink's receipts. Needs root; about 30 s.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"

gen=$build/bench/sluice-gen
export SL_XDP_PROG=$build/bpf/sl_prefilter.bpf.o
RATE=200 BURST=200            # A's limit per ingest source
FLOOD_RATE=5000 FLOOD_N=20000 # c3: 4 s of flood
INVALID_SIG=5 BLOCK_S=3       # A's autoblock
FORGE_RATE=100 FORGE_N=120    # c2's forged signatures: 1.2 s, past the 1 s allowed
SL_CONF_EXTRA[a]="[prefilter]
rate = $RATE
burst = $BURST

[autoblock]
enabled = true
malformed = 0
invalid_sig = $INVALID_SIG
window_ms = 1000
block_s = $BLOCK_S
block_max_s = 30"
SL_CONF_EXTRA[b]="[prefilter]
sources = 4096

[autoblock]
enabled = false"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

start_relays() {
	sl_netns_up
	sl_relay_conf "$work/a.ini" a a af_xdp:veth-a b
	sl_relay_conf "$work/b.ini" b b af_xdp:veth-b a sink
	local r
	# sluicectl reads A's pinned maps (sl_bg keeps the host's mounts)
	sl_bpffs || sl_fail "no BPF file system at /sys/fs/bpf, and none could be mounted"
	sl_bg "$work/a.log" a "$dp" --duration 120 --stats-json "$work/a.json" \
		-c "$work/a.ini"
	sl_bg "$work/b.log" b "$dp" --duration 120 --stats-json "$work/b.json" -c "$work/b.ini"
	for r in a b; do
		sl_wait_xdp "$r" "veth-$r" 60 || sl_fail "relay $r did not attach to veth-$r within 60 s"
	done
	sleep 1 # the XSK rings are set up after the program is attached
	# both relays' pinned maps are the host's sluicectl's (sl_bg); a relay
	# pins them just after it fills them, within 5 s of attaching
	local i
	for r in a b; do
		for i in $(seq 50); do
			"$build/control/sluicectl" xdp-stats "$work/$r.ini" --json >"$work/$r.xdp.json" \
				2>"$work/$r.xdp.err" && break
			sleep 0.1
		done
		grep -q "\"relay\": *\"$r\"" "$work/$r.xdp.json" ||
			sl_fail "the host's sluicectl cannot read relay $r's pinned maps: $(cat "$work/$r.xdp.err")"
	done
	# B's [prefilter] sources: the PMD loaded a copy sized so; A's object as built
	grep -q '"source_slots":4096,' "$work/b.xdp.json" ||
		sl_fail "relay b's source slots are not its [prefilter] sources (4096): $(cat "$work/b.xdp.json")"
	grep -q '"source_slots":131072,' "$work/a.xdp.json" ||
		sl_fail "relay a's source slots are not the object's 131072: $(cat "$work/a.xdp.json")"
	sl_bg "$work/sink.log" sink "$build/bench/sluice-sink" --listen "${SL_IP[sink]}:$SL_SINK_PORT" \
		--duration 120 --summary "$work/sink.json"
	# The control port's stand-in: a kernel socket in A's namespace.
	sl_udp_echo "$work/echo.log" a 8005
	sleep 0.3
}

# ARP, ICMP and the control port through A's interface (the prefilter passes
# them to the kernel). c2 forgets its static entry for A: the answer must
# come from A's kernel.
step_kernel() {
	ip -n sl-c2 neigh del "${SL_IP[a]}" dev veth-c2
	sl_ping c2 "${SL_IP[a]}" 3 || sl_fail "c2 could not ping A after forgetting its address"
	local neigh
	neigh=$(ip -n sl-c2 neigh show "${SL_IP[a]}" dev veth-c2)
	echo "arp: c2 learned A again: $neigh"
	[[ $neigh == *"lladdr $(sl_mac a) "* && $neigh != *PERMANENT* ]] ||
		sl_fail "c2's neighbour entry for A is not a learned one with A's MAC: $neigh"
	sl_ping c1 "${SL_IP[a]}" 5 || sl_fail "c1 could not ping A"
	sl_udp_ask c1 "${SL_IP[a]}" 8005 5 || sl_fail "A's control port did not answer c1"
}

# c1's mix at 100/s (3.3 s) and c3's flood at 5000/s (4 s): c1's 300 valid
# transactions (both take them from the stream shared by seed 77), each
# copied 10 times, and 16700 malformed datagrams; the kernel step while c3
# floods.
step_flood() {
	sl_ns c1 timeout 30 "$gen" --seed 1 --udp --src "${SL_IP[c1]}" --dst "${SL_IP[a]}:$SL_INGEST_PORT" \
		--valid 300 --dup-pct 10 --share 300 --shared-seed 77 --rate 100 \
		--manifest "$work/c1.txt" --quiet &
	local g1=$!
	sl_ns c3 timeout 30 "$gen" --seed 3 --udp --src "${SL_IP[c3]}" --dst "${SL_IP[a]}:$SL_INGEST_PORT" \
		--valid 300 --share 300 --shared-seed 77 --dup-pct 1000 --malformed $((FLOOD_N - 300 - 3000)) \
		--rate "$FLOOD_RATE" --manifest "$work/c3.txt" 2>"$work/c3.gen.log" &
	local g3=$! i
	# The flood has begun once sluice-gen's manifest has its first lines.
	for ((i = 0; i < 100; i++)); do
		[ -s "$work/c3.txt" ] && break
		sleep 0.1
	done
	[ -s "$work/c3.txt" ] || sl_fail "c3's flood did not start within 10 s"
	local t0
	t0=$(now)
	step_kernel
	kill -0 "$g3" 2>/dev/null || sl_fail "c3's flood was over before the kernel step was ($(since "$t0") s)"
	echo "kernel: ARP, ping and the control port answered while c3 flooded ($(since "$t0") s)"
	wait "$g1" || sl_fail "c1's sluice-gen failed"
	wait "$g3" || sl_fail "c3's sluice-gen failed: $(cat "$work/c3.gen.log")"
	cat "$work/c3.gen.log"
}

# Bad signatures to A's ingest port from relay B's address, as raw frames
# from c3 (10 at once: past the threshold within the window).
step_protected() {
	"$gen" --seed 4 --src "${SL_IP[b]}" --src-mac "$(sl_mac c3)" --dst "${SL_IP[a]}:$SL_INGEST_PORT" \
		--pcap "$work/spoof.pcap" --manifest "$work/spoof.txt" --valid 0 --bad-sig 10 --quiet
	sl_inject_pcap c3 veth-c3 "$work/spoof.pcap"
	sleep 0.5 # two autoblock polls
}

# c2: forged signatures at 100/s, then valid transactions during the block
# and after it.
step_forger() {
	sl_forge_until_blocked "$gen" "$work" c2 "${SL_IP[c2]}" "${SL_IP[a]}:$SL_INGEST_PORT" \
		"$FORGE_N" "$FORGE_RATE" "${SL_IP[c2]}/32"
	local t_block=$SL_FORGE_T_BLOCK
	sl_blocklist_shows "$build/control/sluicectl" "$work/a.ini" "${SL_IP[c2]}/32" "$BLOCK_S"
	sl_ns c2 timeout 30 "$gen" --seed 22 --udp --src "${SL_IP[c2]}" --dst "${SL_IP[a]}:$SL_INGEST_PORT" \
		--valid 50 --rate "$FORGE_RATE" --manifest "$work/c2-blocked.txt" --quiet ||
		sl_fail "c2's sluice-gen failed during its block"
	# Sent while blocked: the block ends BLOCK_S after it began, which was
	# before it was seen in the log.
	local during
	during=$(awk -v a="$t_block" -v b="$(now)" -v s="$BLOCK_S" 'BEGIN { print (b - a < s - 0.2) }')
	[ "$during" = 1 ] || sl_fail "c2's valid transactions took too long to send within its block (this machine is too slow for the test)"
	# Past the end of the block (it began no later than t_block).
	sleep "$(awk -v a="$t_block" -v b="$(now)" -v s="$BLOCK_S" 'BEGIN { d = a + s + 0.3 - b; printf "%.2f", (d > 0 ? d : 0) }')"
	sl_ns c2 timeout 30 "$gen" --seed 23 --udp --src "${SL_IP[c2]}" --dst "${SL_IP[a]}:$SL_INGEST_PORT" \
		--valid 100 --rate "$FORGE_RATE" --manifest "$work/c2-after.txt" --quiet ||
		sl_fail "c2's sluice-gen failed after its block"
	echo "forger: c2's valid transactions sent $(since "$t_block") s after the block was logged"
}

# IPv6 clients, and an IPv6 forger blocked as its /64, are
# tests/netns/test_ipv6.sh's.

start_relays
step_flood
step_protected
step_forger
sleep 1.5 # the last transactions through A and B to the sink

sl_cleanup # SIGINT: the relays write their stats, the sink its summary
for r in a b; do
	if [ ! -s "$work/$r.json" ] || [ "${SL_BG_STATUS[$work/$r.log]}" != 0 ]; then
		sl_fail "relay $r exited with ${SL_BG_STATUS[$work/$r.log]} (stats: $work/$r.json)"
	fi
done
[ -s "$work/sink.json" ] || sl_fail "the sink wrote no summary"
[ ! -e /sys/fs/bpf/sluice/a ] || sl_fail "A's pinned maps outlived its clean exit"
# The sink: every valid transaction of c1 and of c2 after its block exactly
# once, nothing else (c3's valid ones are c1's); the relays' counters each add up.
/usr/bin/python3 "$src/scripts/e2e_report.py" --manifest "$work/c1.txt" --manifest "$work/c3.txt" \
	--manifest "$work/spoof.txt" --manifest "$work/c2-forged.txt" --manifest "$work/c2-after.txt" \
	--relay "a=$work/a.json:$work/a.log" --relay "b=$work/b.json" --sink "$work/sink.json" || sl_fail "the sink's verdict"

/usr/bin/python3 - "$work" "$RATE" "$BURST" "$INVALID_SIG" "$FORGE_RATE" "$BLOCK_S" \
	"${SL_IP[c1]}" "${SL_IP[c2]}" "${SL_IP[c3]}" "${SL_IP[b]}" <<'PY' || sl_fail "the numbers"
import json, re, sys
w = sys.argv[1]
rate, burst, thresh, forge_rate, block_s = map(int, sys.argv[2:7])
c1_ip, c2_ip, c3_ip, b_ip = sys.argv[7:11]
a, b = (json.load(open(f"{w}/{r}.json")) for r in ("a", "b"))
sink = json.load(open(f"{w}/sink.json"))
rows = lambda n: [l.split() for l in open(f"{w}/{n}.txt") if not l.startswith("#")]
ids = lambda n, kind="valid": {r[2] for r in rows(n) if r[1] == kind}
fails = []
def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        fails.append(what)

pf, ac = a["prefilter"], a["counters"]
top = pf["top_sources"]
print("A's prefilter:", {k: v for k, v in pf.items() if v and k != "top_sources"}, "top:", top)

# (1) The rate limit. c3's oversize datagrams drop in XDP for their size,
# before the bucket; everything else it sent meets its bucket. A bucket that
# starts full passes burst, then rate a second: over the span T of the
# flood, burst + rate*T. T is sluice-gen's own send time; what XDP sees of
# the same span differs by the delivery delay of the first and the last
# frame (veth, a softirq on the sender's CPU: well under 50 ms on a loaded
# machine), so allow rate*0.05 + 2 frames (the partial token at each end).
c3 = rows("c3")
c3_oversize = sum(1 for r in c3 if r[1] == "malformed" and r[-1] == "oversize")
c3_eligible = len(c3) - c3_oversize
t = float(re.search(r"in ([0-9.]+) s over udp", open(f"{w}/c3.gen.log").read()).group(1))
expect_pass = burst + rate * t
tol = rate * 0.05 + 2
c3_passed = len(c3) - top.get(c3_ip, 0)  # c3's only XDP drops: oversize, rate limited
print(f"c3 sent {len(c3)} in {t:.3f} s ({c3_oversize} oversize); passed XDP {c3_passed}, "
      f"expected burst + rate*T = {expect_pass:.0f} +- {tol:.0f}")
check(ids("c3") <= ids("c1"), "c3's valid transactions are copies of c1's")
check(pf["drop_oversize"] == c3_oversize, f"drop_oversize {pf['drop_oversize']} = c3's oversize {c3_oversize}")
check(pf["drop_rate_limited"] == c3_eligible - c3_passed,
      f"drop_rate_limited {pf['drop_rate_limited']} = c3's {c3_eligible} under the limit - {c3_passed} passed")
check(abs(pf["drop_rate_limited"] - (c3_eligible - expect_pass)) <= tol,
      f"drop_rate_limited {pf['drop_rate_limited']} ~ {c3_eligible} - {expect_pass:.0f} (+- {tol:.0f})")
check(c3_passed <= expect_pass + tol, f"c3 passed {c3_passed} <= burst + rate*T + slack {expect_pass + tol:.0f}")
check(c1_ip not in top, f"c1 (100/s, under the limit) lost nothing in XDP: {top.get(c1_ip)}")

# (2) The autoblock. c2's forged signatures reach the dataplane until the
# block; the threshold is crossed at the thresh-th, so those that came after
# it measure how late the block was, at forge_rate a second.
blocks = [l for l in open(f"{w}/a.log") if "autoblock: blocked" in l]
print("A's autoblock log:", "".join(blocks).strip())
ab = a.get("autoblock")
check(ab is not None, "A's stats have an autoblock section")
ab = ab or {}
print("A's autoblock:", ab)
c2_lines = [l for l in blocks if f"blocked {c2_ip}/32 " in l]
check(len(c2_lines) == 1 and f"for {block_s} s" in c2_lines[0] and "invalid_sig" in c2_lines[0],
      f"c2 blocked once, for {block_s} s, for invalid signatures")
check(len(blocks) == 1, "no one else blocked (not c1, c3, the relays' or the sink's addresses)")
check(ab.get("blocks") == 1 and ab.get("blocks_invalid_sig") == 1 and ab.get("blocks_malformed") == 0,
      "autoblock counted one block, for invalid signatures")
check(ab.get("active") == 0 and ab.get("errors", 0) == 0,
      "no block active at the end (c2's expired), no failed block")
forged = len(rows("c2-forged"))
reached = a["sources"].get(c2_ip, {}).get("invalid_sig", 0)
late = (reached - thresh) / forge_rate
print(f"c2: {forged} forged sent, {reached} reached the dataplane: blocked {late:.2f} s after the "
      f"threshold ({thresh}) was crossed")
check(thresh <= reached <= thresh + forge_rate, "c2 blocked within 1 s of crossing the threshold")
during, after = ids("c2-blocked"), ids("c2-after")
got = set(sink["ids"])
check(not (during & got), f"none of c2's {len(during)} valid transactions sent during its block reached the sink")
check(after <= got, f"all {len(after)} of c2's valid transactions after its block reached the sink")
check(top.get(c2_ip) == forged - reached + len(during),
      f"c2's XDP drops {top.get(c2_ip)} = forged after the block {forged - reached} + {len(during)} during it")
check(pf["drop_blocklisted"] == top.get(c2_ip), f"drop_blocklisted {pf['drop_blocklisted']} all c2's")
# A configured peer's address past the threshold: counted, not blocked.
spoofed = len(rows("spoof"))
check(a["sources"].get(b_ip, {}).get("invalid_sig") == spoofed,
      f"A counted the {spoofed} bad signatures from B's address")
check(ab.get("protected", 0) >= 1, f"autoblock counted B's address as protected ({ab.get('protected')})")

# (3) The counters add up. A's sockets got what XDP redirected, and that is
# what each source got past XDP: c1 all, c3 what its bucket let through, c2
# all but its blocked frames, the spoofed frames, B's gossip.
rx = ac["rx_packets"] + ac.get("rx_missed", 0)
c2_sent = forged + len(during) + len(after)
passed = len(rows("c1")) + c3_passed + (c2_sent - top.get(c2_ip, 0)) + spoofed + b["peers"]["a"]["frames_out"]
check(pf["redirected"] == rx, f"A: redirected {pf['redirected']} = rx_packets + rx_missed {rx}")
check(rx == passed, f"A: rx {rx} = the sources' frames past XDP {passed}")
check(ac["forwarded_txns"] == a["peers"]["b"]["frames_out"] == b["counters"]["rx_packets"],
      f"A forwarded {ac['forwarded_txns']} = its frames to B {a['peers']['b']['frames_out']} "
      f"= B's rx {b['counters']['rx_packets']}")
check(b["counters"]["forwarded_txns"] == b["peers"]["sink"]["frames_out"] == sink["received"],
      f"B forwarded {b['counters']['forwarded_txns']} = its frames to the sink "
      f"{b['peers']['sink']['frames_out']} = the sink's receipts {sink['received']}")

# (4) The kernel's share, counted by the prefilter.
# (pass_not_ip was pass_not_ipv4 before the prefilter took IPv6)
not_ip = next(pf[k] for k in ("pass_not_ip", "pass_not_ipv4") if k in pf)
check(not_ip >= 1, f"ARP passed to A's kernel ({not_ip})")
check(pf["pass_not_udp"] >= 8, f"ICMP passed to A's kernel ({pf['pass_not_udp']} >= 8 echo requests)")
check(pf["pass_not_ours"] >= 5, f"the control port passed to A's kernel ({pf['pass_not_ours']} >= 5)")
sys.exit(1 if fails else 0)
PY
echo "spam: ok"
