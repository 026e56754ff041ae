#!/usr/bin/env bash
# sluice-gen and sluice-sink as tools, without root or a relay: the pcap that
# sluice-gen writes, read back by sluice-sink, holds exactly the mix of the
# manifest; the same options give the same bytes; two clients with the same
# --shared-seed share exactly --share valid transactions; bad options fail.
set -euo pipefail
build=${SLUICE_BUILD_DIR:?}
gen=$build/bench/sluice-gen sink=$build/bench/sluice-sink
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mix=(--dst 10.99.0.11:8003 --valid 300 --dup-pct 30 --bad-sig 25 --malformed 27 --share 60 --shared-seed 9
	--signers 5 --memo-max 400 --gossip-spam 12)
"$gen" --seed 1 --pcap "$work/a.pcap" --manifest "$work/a.txt" "${mix[@]}" --quiet
"$gen" --seed 1 --pcap "$work/a2.pcap" --manifest "$work/a2.txt" "${mix[@]}" --quiet
cmp "$work/a.pcap" "$work/a2.pcap"
cmp "$work/a.txt" "$work/a2.txt"
"$gen" --seed 2 --pcap "$work/b.pcap" --manifest "$work/b.txt" --dst 10.99.0.12:8003 --valid 100 \
	--share 60 --shared-seed 9 --quiet
"$sink" --pcap "$work/a.pcap" --port 8003 --summary "$work/a.json" --quiet
"$sink" --pcap "$work/a.pcap" --port 8004 --gossip --summary "$work/spam.json" --quiet
"$gen" --seed 1 --pcap "$work/c.pcap" --manifest "$work/c.txt" "${mix[@]}" --count 50 --quiet
# The sink reads broken frames (runts, bad lengths, raw non-UDP frames) safely.
frames=()
[ -d "${SLUICE_VECTORS_DIR:-}/xdp-frames" ] && frames=(--frames-dir "$SLUICE_VECTORS_DIR/xdp-frames")
"$gen" --pcap "$work/bad.pcap" --manifest "$work/bad.txt" --dst 10.99.0.11:8003 --bad-frames "${frames[@]}" --quiet
"$sink" --pcap "$work/bad.pcap" --summary "$work/bad.json" --quiet

/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
rows = lambda n: [l.split() for l in open(f"{w}/{n}.txt") if not l.startswith("#")]
a, b = rows("a"), rows("b")
s = json.load(open(f"{w}/a.json"))
count = lambda rs, k: sum(1 for r in rs if r[1] == k)
valid = {r[2] for r in a if r[1] == "valid"}
assert len(valid) == 300 and count(a, "dup") == 90, "the mix is not what was asked"
assert {r[2] for r in a if r[1] == "dup"} <= valid, "a dup is not a resend of a valid one"
assert s["frames"] == len(a) and s["skipped"] == count(a, "gossip_spam") == 12
spam = json.load(open(f"{w}/spam.json"))
assert spam["unique"] == 12 and set(spam["ids"]) == {r[2] for r in a if r[1] == "gossip_spam"}
want = {"unique": 300, "duplicates": 90, "invalid_sig": 25, "malformed": 27}
assert {k: s[k] for k in want} == want, f"sink saw {s}"
assert set(s["ids"]) == valid
kinds = {r[4] for r in a if r[1] == "malformed"}
assert len(kinds) == 9, f"malformed kinds {kinds}"
shared = valid & {r[2] for r in b if r[1] == "valid"}
assert len(shared) == 60, f"{len(shared)} shared"
assert [r for r in a if r[4] == "shared" and r[1] == "valid"].__len__() == 60
assert len(rows("c")) == 50, "--count is not a bound"
bad = json.load(open(f"{w}/bad.json"))
assert bad["frames"] == len(rows("bad")) and bad["frames"] == bad["received"] + bad["skipped"]
print("gen/sink: ok")
PY

# Each argument, a set of sluice-gen options, is refused with status 2,
# never a run.
gen_refuses() {
	local bad rc
	for bad in "$@"; do
		rc=0
		# shellcheck disable=SC2086
		"$gen" $bad 2>/dev/null || rc=$?
		if [ $rc -ne 2 ]; then
			echo "FAIL: sluice-gen $bad exited with $rc, not 2"
			exit 1
		fi
	done
}

# Every bad option is refused.
gen_refuses "--valid 1" "--dst 10.0.0.1 --udp" "--dst 10.0.0.1:1 --udp --rate 999999999" \
	"--dst 10.0.0.1:1 --udp --bad-frames" "--dst 10.0.0.1:1 --pcap $work/x --valid 2 --share 3" \
	"--dst 10.0.0.1:1 --pcap $work/x --signers 9" "--dst 10.0.0.1:1 --pcap $work/x --dup-pct 5" \
	"--dst 10.0.0.1:1 --udp --rate 0" "--dst 10.0.0.1:1 --udp --dpdk null" "--dst 10.0.0.1:1 --dpdk eth0" \
	"--dst 10.0.0.1:1 --dpdk null --loop" "--dst 10.0.0.1:1 --udp --loop --count 5"
rc=0
"$sink" --pcap "$work/a.pcap" --listen 1.2.3.4:5 2>/dev/null || rc=$?
[ $rc -eq 2 ] || { echo "FAIL: sluice-sink with two sources exited with $rc"; exit 1; }
echo "options: ok"

# IPv6: the same mix as Ethernet/IPv6/UDP frames reads back as the IPv4 one
# did; what builds IPv4 frames, or mixes the families, is refused.
"$gen" --seed 1 --pcap "$work/a6.pcap" --manifest "$work/a6.txt" "${mix[@]}" \
	--dst "[fd00:99::b]:8003" --src "[fd00:99::1]:40000" --quiet
cmp "$work/a.txt" "$work/a6.txt"
"$sink" --pcap "$work/a6.pcap" --port 8003 --summary "$work/a6.json" --quiet
/usr/bin/python3 - "$work/a.json" "$work/a6.json" <<'PY'
import json, sys
v4, v6 = (json.load(open(p)) for p in sys.argv[1:3])
differ = {k for k in v4.keys() | v6.keys() if v4.get(k) != v6.get(k)} - {"source"}
assert not differ, f"the IPv6 pcap reads back otherwise in {sorted(differ)}"
PY
gen_refuses "--dst [::1]:1 --pcap $work/x --bad-frames" \
	"--dst [::1]:1 --src 10.0.0.1 --udp" "--dst 10.0.0.1:1 --src [::1] --udp" "--dst ::1 --udp" \
	"--dst [::1] --udp" "--dst [::1]:0 --udp" "--dst [::1:1 --udp" "--dst [::1]1 --udp"
echo "ipv6: ok"

# The DPDK mode builds IPv6 frames too: the same mix sent over IPv6 is
# exactly 20 bytes a frame longer (a 40-byte IPv6 header for a 20-byte IPv4
# one), on a null port.
dpdk_bytes() {
	"$gen" --seed 3 --valid 40 --malformed 9 --rate 0 --dpdk null "$@" 2>&1 |
		sed -n 's/.*dpdk null: \([0-9]*\) frames, \([0-9]*\) bytes.*/\1 \2/p'
}
read -r n4 b4 < <(dpdk_bytes --dst 10.99.0.11:8003)
read -r n6 b6 < <(dpdk_bytes --dst "[fd00:99::b]:8003")
[ -n "$n4" ] && [ "$n4" = "$n6" ] && [ "$b6" = $((b4 + 20 * n4)) ] ||
	{ echo "FAIL: dpdk null over IPv6: $n6 frames, $b6 bytes; over IPv4 $n4 frames, $b4 bytes"; exit 1; }
echo "dpdk null, ipv6: ok ($n6 frames, $b6 bytes)"

# The DPDK mode on a null port: the mix (93 frames) repeats up to exactly
# --count frames; its jumbo frame (the 74th) does not fit an mbuf: skipped.
out=$("$gen" --dst 10.0.0.1:1 --dpdk null --valid 50 --malformed 9 --bad-frames --rate 0 --loop \
	--count 5000 --quiet 2>&1)
echo "$out" | grep -q "dpdk null: 4947 frames.*, 53 frames too large" || { echo "FAIL: dpdk null run: $out"; exit 1; }
echo "dpdk null: ok"

# The progress line: drawn in place (\r) on a terminal, never when stderr is a
# pipe or with --quiet. 200 datagrams at 400/s over loopback UDP: 0.5 s.
if command -v script >/dev/null; then
	run=("$gen" --dst 127.0.0.1:9 --udp --valid 200 --rate 400)
	tty=$(script -qec "${run[*]}" /dev/null </dev/null)
	piped=$("${run[@]}" 2>&1 | cat)
	quiet=$(script -qec "${run[*]} --quiet" /dev/null </dev/null)
	if ! printf '%s' "$tty" | grep -q $'\rsluice-gen: sent [0-9]*/200 ([0-9]*%), [0-9]*/s, .* s left'; then
		echo "FAIL: no progress line under a pty: $(printf '%s' "$tty" | cat -A)"
		exit 1
	fi
	printf '%s' "$tty" | grep -q 'sluice-gen: sent 200/200 (100%)' ||
		{ echo "FAIL: the progress line does not end at 200/200: $(printf '%s' "$tty" | cat -A)"; exit 1; }
	if printf '%s' "$piped" | grep -q 'sent \|'$'\r'; then
		echo "FAIL: a progress line on a pipe: $(printf '%s' "$piped" | cat -A)"
		exit 1
	fi
	printf '%s' "$piped" | grep -q '^sluice-gen: 200 datagrams' || { echo "FAIL: no summary: $piped"; exit 1; }
	[ -z "$quiet" ] || { echo "FAIL: output with --quiet under a pty: $(printf '%s' "$quiet" | cat -A)"; exit 1; }
	echo "progress: ok"
else
	echo "progress: skipped (no 'script' command, util-linux)"
fi
