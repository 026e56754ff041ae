#!/usr/bin/env bash
# Three relays A, B and C in a triangle, each sluice-dp (af_xdp, the XDP
# prefilter) beside sluiced, their peers named by key and address only: no
# token and no MAC in any config. Client c1 sends to A, c2 to B; the sink is
# a validator behind B. Batches of traffic (valid, duplicates, forged,
# malformed) run while, in turn:
#   (a) relay C is killed: A and B mark it down within the configured
#       misses, and the sink gets everything through A-B; C restarts and
#       comes back up;
#   (b) C relays forged signatures with its real token (sluice-gen
#       --as-peer): A scores it down and cuts it off, its later gossip dies
#       in A's XDP, and after the cut-off it comes back;
#   (c) sluiced on B is killed with SIGKILL and restarted: it takes the
#       sessions over, no peer sees B go down, nothing is lost;
#   (d) on A, `sluicectl peer remove` and `peer add` of C, and a SIGHUP on B
#       with C renamed in its config: nothing lost for the other peers;
#   (e) tokens rotate (every 4 s here) throughout with no loss, and frames
#       with a token older than its overlap die in A's XDP.
# At the end the sink must hold every valid transaction of every batch
# exactly once, and every relay's counters must add up. Needs root.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"
trap 'sl_cleanup; rm -rf "$work" /dev/shm/sluice-{a,b,c}.peers' EXIT

ctl=$build/control/sluicectl gen=$build/bench/sluice-gen
export SL_XDP_PROG=$build/bpf/sl_prefilter.bpf.o
# Pings every 300 ms, down after 5 misses (1.5 s: longer than sluiced takes
# to restart); tokens rotate every 4 s with a 2 s overlap; three forged
# signatures cut a peer off for 3 s.
export SL_CONTROL_EXTRA="ping_interval_ms = 300
ping_misses = 5
retry_min_ms = 200
retry_max_ms = 1600
token_rotate_s = 4
token_overlap_s = 2"
export SL_SCORE_EXTRA="invalid_weight = 50
cutoff_threshold = -100
cutoff_s = 3
cutoff_max_s = 30"
rm -f /dev/shm/sluice-{a,b,c}.peers # no session of an earlier run to take over
for r in a b c; do
	SL_PUBKEY[$r]=$("$ctl" keygen "$work/$r.key")
done
sl_sluiced_conf "$work/a.ini" a "$work" b c
sl_sluiced_conf "$work/b.ini" b "$work" a c sink
sl_sluiced_conf "$work/c.ini" c "$work" a b


declare -A DP_PID SD_PID
start_dp() {
	sl_bg "$work/$1.dp.log" "$1" "$dp" --duration 600 --stats-json "$work/$1.json" -c "$work/$1.ini"
	DP_PID[$1]=${SL_BG_PIDS[-1]}
	sl_wait_xdp "$1" "veth-$1" 60 || sl_fail "relay $1 did not attach to veth-$1"
}
start_sd() {
	sl_bg "$work/$1.sd.$2.log" "$1" "$build/control/sluiced" -c "$work/$1.ini"
	SD_PID[$1]=${SL_BG_PIDS[-1]}
}
# state NODE PEER: the peer's state in NODE's sluiced ("" when unknown)
state() {
	"$ctl" peers "$work/$1.ini" --json 2>/dev/null | /usr/bin/python3 2>/dev/null -c '
import json, sys
print(next((p["state"] for p in json.load(sys.stdin)["peers"] if p["name"] == sys.argv[1]), ""))' "$2"
}
# wait_state NODE PEER STATE SECONDS
wait_state() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(state "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
# batch NAME SEED: c1 to A and c2 to B, in the background, about 2 s each;
# the manifests in
# $work/NAME-c1.txt, $work/NAME-c2.txt. Distinct seeds: distinct transactions.
BATCHES=()
batch() {
	local mix=(--udp --valid 150 --dup-pct 25 --bad-sig 10 --malformed 10 --signers 2 --rate 100 --quiet)
	sl_ns c1 timeout 60 "$gen" --seed "$2" --src "${SL_IP[c1]}" --dst "${SL_IP[a]}:$SL_INGEST_PORT" \
		--manifest "$work/$1-c1.txt" "${mix[@]}" &
	BATCHES+=($!)
	sl_ns c2 timeout 60 "$gen" --seed $(($2 + 1000)) --src "${SL_IP[c2]}" \
		--dst "${SL_IP[b]}:$SL_INGEST_PORT" --manifest "$work/$1-c2.txt" "${mix[@]}" &
	BATCHES+=($!)
	MANIFESTS+=(--manifest "$work/$1-c1.txt" --manifest "$work/$1-c2.txt")
}
batches_done() {
	local p
	for p in "${BATCHES[@]}"; do
		wait "$p" || sl_fail "a client's sluice-gen failed"
	done
	BATCHES=()
}
MANIFESTS=()

sl_netns_up
for r in a b c; do
	start_dp "$r"
	start_sd "$r" 1
done
sl_bg "$work/sink.log" sink "$build/bench/sluice-sink" --listen "${SL_IP[sink]}:$SL_SINK_PORT" \
	--duration 300 --summary "$work/sink.json"
for r in a b c; do
	sl_peers_up "$work/$r.ini" 2 30 || sl_fail "relay $r: its peers did not all come up by key"
done
echo "handshakes: every relay has its two relay peers up, next hops resolved"
# token_out NODE PEER: the token NODE's sluiced negotiated with PEER, which
# NODE puts in its gossip frames to PEER, from NODE's peer table
# (common/sl_peertab.h, layout 2: a 32-byte header, then 32 entries of 128
# bytes, each with its state at 0, its name at 32 and token_out at 112).
token_out() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import struct, sys
d = open(f"/dev/shm/sluice-{sys.argv[1]}.peers", "rb").read()
assert d[:8] == b"PEERTAB1" and struct.unpack_from("<I", d, 8)[0] == 2, "peer table layout"
for k in range(32):
    e = d[32 + 128 * k: 32 + 128 * (k + 1)]
    if e[0] == 2 and e[32:48].rstrip(b"\0") == sys.argv[2].encode():
        print(struct.unpack_from("<Q", e, 112)[0])
PY
}
# B's token to A now: rotated out well before (e) sends with it.
old_token=$(token_out b a)
[ -n "$old_token" ] || sl_fail "relay b's peer table holds no session with a"

batch base 1
batches_done

# (a) C dies under traffic, then comes back.
batch a 11
sleep 0.5
kill -KILL "${DP_PID[c]}" "${SD_PID[c]}"
t0=$(date +%s.%N)
# A killed af_xdp process leaves its XDP program on the link: take it off,
# as a supervisor's restart would, so that the new sluice-dp can attach.
ip -n sl-c link set veth-c xdp off 2>/dev/null || true
wait_state a c down 5 || sl_fail "(a) A did not mark C down"
wait_state b c down 5 || sl_fail "(a) B did not mark C down"
echo "(a) C killed: A and B marked it down within $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
batches_done
start_dp c
start_sd c 2
wait_state a c up 20 && wait_state b c up 20 || sl_fail "(a) C did not come back up"
echo "(a) C restarted and is up again at A and B"

# (b) C, a peer with a real session, relays forged signatures (sluice-gen
# with the token C's sluiced negotiated with A); then, cut off, it goes on.
c_token=$(token_out c a)
[ -n "$c_token" ] || sl_fail "(b) relay c's peer table holds no session with a"
sl_ns c timeout 30 "$gen" --seed 21 --udp --src "${SL_IP[c]}:$SL_GOSSIP_PORT" \
	--dst "${SL_IP[a]}:$SL_GOSSIP_PORT" --as-peer c:a --valid 0 --bad-sig 5 --rate 100 \
	--manifest "$work/forged1.txt" --quiet || sl_fail "(b) sluice-gen --as-peer failed"
wait_state a c cut_off 5 || sl_fail "(b) A did not cut C off"
echo "(b) C relayed 5 forged signatures and A cut it off"
sl_ns c timeout 30 "$gen" --seed 22 --udp --src "${SL_IP[c]}:$SL_GOSSIP_PORT" \
	--dst "${SL_IP[a]}:$SL_GOSSIP_PORT" --peer-token "$c_token" --valid 0 --bad-sig 20 --rate 200 \
	--manifest "$work/forged2.txt" --quiet || sl_fail "(b) the forger's second burst failed"
wait_state a c up 20 || sl_fail "(b) C did not come back after its cut-off"
echo "(b) after the cut-off C is up again"

# (c) sluiced on B: SIGKILL and a restart under traffic.
batch c 31
sleep 0.5
kill -KILL "${SD_PID[b]}"
start_sd b 2
batches_done
for ((i = 0; i < 50; i++)); do
	[ "$(grep -c "taken over" "$work/b.sd.2.log")" = 2 ] && break
	sleep 0.1
done
[ "$(grep -c "taken over" "$work/b.sd.2.log")" = 2 ] || sl_fail "(c) B's new sluiced did not take both sessions over"
for r in a c; do
	"$ctl" peers "$work/$r.ini" --json | /usr/bin/python3 -c '
import json, sys
p = next(p for p in json.load(sys.stdin)["peers"] if p["name"] == "b")
assert p["downs"] == 0 and p["handshakes"] == 1, p' || sl_fail "(c) relay $r lost its session with B"
done
echo "(c) B's sluiced killed and restarted: sessions taken over, no peer saw B go down"

# (d) peer remove / add on A, and a SIGHUP on B with C renamed.
batch d 41
sleep 1
"$ctl" peer remove "$work/a.ini" c || sl_fail "(d) peer remove"
sleep 1
"$ctl" peer add "$work/a.ini" c --pubkey "${SL_PUBKEY[c]}" --ip "${SL_IP[c]}" || sl_fail "(d) peer add"
sed -i 's/^\[peer c\]$/[peer c-renamed]/' "$work/b.ini"
kill -HUP "${SD_PID[b]}"
wait_state a c up 20 || sl_fail "(d) C did not come back up at A"
wait_state b c-renamed up 20 || sl_fail "(d) C (renamed) did not come up at B"
batches_done
echo "(d) peer remove/add on A and a SIGHUP on B with a changed peer"

# (e) By now every token has rotated several times; B's first token to A
# is long past its overlap: frames with it die in A's XDP.
sl_ns c1 timeout 60 "$gen" --seed 51 --src "${SL_IP[b]}:$SL_GOSSIP_PORT" --src-mac "$(sl_mac c1)" \
	--dst "${SL_IP[a]}:$SL_GOSSIP_PORT" --dpdk af_xdp:veth-c1 --peer-token "$old_token" \
	--valid 30 --rate 1000 --manifest "$work/old-token.txt" --quiet >"$work/old-token.log" 2>&1 ||
	sl_fail "(e) sending with the old token failed: $(cat "$work/old-token.log")"
batch e 61
batches_done
sleep 2 # the last frames through the relays

sl_cleanup # SIGINT: sluice-dp writes its stats, the sink its summary
for r in a b c; do
	[ -s "$work/$r.json" ] || sl_fail "relay $r wrote no stats"
done
/usr/bin/python3 "$src/scripts/e2e_report.py" "${MANIFESTS[@]}" --relay "a=$work/a.json" \
	--relay "b=$work/b.json" --relay "c=$work/c.json" --sink "$work/sink.json" || sl_fail "the sink's verdict"
/usr/bin/python3 - "$work" "${SL_IP[b]}" "${SL_IP[c]}" <<'PY' || sl_fail "counters"
import json, sys
w, b_ip, c_ip = sys.argv[1:4]
a = json.load(open(f"{w}/a.json"))
pf = a["prefilter"]
forged2 = sum(1 for l in open(f"{w}/forged2.txt") if not l.startswith("#"))
old = sum(1 for l in open(f"{w}/old-token.txt") if not l.startswith("#"))
fails = []
if a["peers"].get("c", {}).get("invalid", 0) < 3:
    fails.append(f"A counted {a['peers'].get('c')} from C, not its forged signatures")
if pf["top_sources"].get(c_ip, 0) < forged2:
    fails.append(f"C's gossip during its cut-off: {pf['top_sources'].get(c_ip, 0)} dropped in XDP, {forged2} sent")
if pf["drop_bad_token"] < old:
    fails.append(f"old token: {pf['drop_bad_token']} dropped as bad_token in XDP, {old} sent")
print(f"A's XDP: {pf['drop_bad_token']} bad tokens ({old} sent with the rotated-out one), "
      f"{pf['top_sources'].get(c_ip, 0)} drops from C ({forged2} forged during its cut-off)")
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
PY
echo "sluiced e2e: ok"
