#!/usr/bin/env bash
# sluice-dp as a program: --check verdicts and messages; a run on a null port
# (endless junk frames) stopped by --duration and by SIGINT, each time with
# the table on stdout, the JSON written and every packet in one final bucket;
# telemetry answering /sluice/stats, /sluice/peers and /sluice/sources while it runs; the
# metrics endpoint at an IPv6 address; a run with two workers on a ring port.
# About 10 s.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
dp=$build/dataplane/sluice-dp
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$work" /var/run/dpdk/sluice-tdp-null /var/run/dpdk/sluice-tdp-ring /var/run/dpdk/sluice-tdp-mgd \
		/var/run/dpdk/sluice-tdp-m6
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# --check: every example config is good; a bad one lists every problem.
for c in "$src"/tests/configs/*.ini; do
	out=$("$dp" --check -c "$c") || fail "--check $c: $out"
	[ "$out" = "config OK" ] || fail "--check $c printed '$out'"
done
printf '[relay]\nname = x\nip = 10.0.0.300\nbogus line\n[port]\ntype = tap\n' >"$work/bad.ini"
if "$dp" --check -c "$work/bad.ini" >"$work/out" 2>&1; then fail "bad config accepted"; fi
grep -q "^$work/bad.ini:3: ip: '10.0.0.300' is not an IPv4 address" "$work/out" || fail "no line 3: $(cat "$work/out")"
grep -q "^$work/bad.ini:4: expected 'key = value'" "$work/out" || fail "no line 4"
grep -q "^$work/bad.ini:6: type: 'tap' is not one of" "$work/out" || fail "no line 6"
if "$dp" --check -c "$work/missing.ini" 2>"$work/out"; then fail "missing file accepted"; fi
grep -q "missing.ini:0: cannot read" "$work/out" || fail "missing file: $(cat "$work/out")"
if "$dp" -c "$work/bad.ini" >/dev/null 2>&1; then fail "started on a bad config"; fi
if "$dp" --bogus -c x >/dev/null 2>&1; then fail "unknown option accepted"; fi

check_json() { # file, expected relay name
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["relay"] == sys.argv[2], d["relay"]
c = d["counters"]
assert d["sources"] == {}, d["sources"]  # junk frames never reach a worker
for k in ("rx_packets", "forwarded_txns", "drop_l2", "drop_duplicate", "drop_invalid_sig",
          "drop_parse_truncated", "tx_frames", "tx_dropped"):
    assert k in c, k
drops = sum(v for k, v in c.items() if k.startswith("drop_"))
assert c["rx_packets"] == c["forwarded_txns"] + drops, (c["rx_packets"], drops)
assert set(d["peers"]) == {"b"}, d["peers"]
assert set(d["peers"]["b"]) == {"frames_in", "first_deliveries", "duplicates", "invalid",
                                "malformed", "frames_out"}
print(f"{sys.argv[1]}: rx_packets {c['rx_packets']}, all accounted for")
PY
}

cat >"$work/null.ini" <<'CFG'
[relay]
name = tdp-null
ip = 10.99.0.11
idle_sleep_us = 0
[port]
type = null
[peer b]
kind = relay
ip = 10.99.0.12
port = 8004
mac = 02:00:00:00:00:0c
token_out = 1
token_in = 2
CFG

# --duration: stops by itself
timeout 30 "$dp" --duration 1 --stats-json "$work/d.json" -c "$work/null.ini" >"$work/d.out" 2>&1 \
	|| fail "--duration run: $(cat "$work/d.out")"
grep -q "rx_packets" "$work/d.out" || fail "no table on stdout"
check_json "$work/d.json" tdp-null
/usr/bin/python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['counters']; assert c['rx_packets'] > 0 and c['drop_l2'] == c['rx_packets']" "$work/d.json" \
	|| fail "null port frames are not all drop_l2"

# SIGINT: clean stop; telemetry answers while it runs
"$dp" --duration 60 --stats-json "$work/i.json" -c "$work/null.ini" >"$work/i.out" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S /var/run/dpdk/sluice-tdp-null/dpdk_telemetry.v2 ] && break; sleep 0.1; done
sleep 0.5
tel=$(printf '/sluice/stats\n' | timeout 10 dpdk-telemetry.py -f sluice-tdp-null 2>&1) || fail "telemetry: $tel"
echo "$tel" | grep -q '"relay": "tdp-null"' || fail "telemetry /sluice/stats: $tel"
echo "$tel" | grep -q '"rx_packets"' || fail "telemetry counters: $tel"
tel=$(printf '/sluice/peers\n' | timeout 10 dpdk-telemetry.py -f sluice-tdp-null 2>&1)
echo "$tel" | grep -q '"b": {"frames_in"' || fail "telemetry /sluice/peers: $tel"
tel=$(printf '/sluice/sources\n' | timeout 10 dpdk-telemetry.py -f sluice-tdp-null 2>&1)
echo "$tel" | grep -q '"sources": \[\]' || fail "telemetry /sluice/sources: $tel"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "exit status $rc after SIGINT: $(cat "$work/i.out")"
check_json "$work/i.json" tdp-null

# [metrics] listen at an IPv6 address: scraped over IPv6 while it runs
# (where ::1 is up and curl is there)
if grep -qs '^0\{31\}1 ' /proc/net/if_inet6 && command -v curl >/dev/null; then
	mport=$((20000 + $$ % 20000))
	sed -e 's/tdp-null/tdp-m6/' "$work/null.ini" >"$work/m6.ini"
	printf '[metrics]\nlisten = [::1]:%s\n' "$mport" >>"$work/m6.ini"
	"$dp" --duration 30 -c "$work/m6.ini" >"$work/m6.out" 2>&1 &
	pid=$!
	body=
	for _ in $(seq 100); do
		body=$(curl -g -s --max-time 2 "http://[::1]:$mport/metrics") && [ -n "$body" ] && break
		sleep 0.1
	done
	grep -q "^sluice_rx_packets_total " <<<"$body" || fail "no metrics at [::1]:$mport: $(cat "$work/m6.out")"
	kill -INT "$pid"
	wait "$pid" || fail "the IPv6 metrics run: $(cat "$work/m6.out")"
	pid=
	grep -q "metrics at http://\[::1\]:$mport/metrics" "$work/m6.out" || fail "no metrics line: $(cat "$work/m6.out")"
	echo "metrics over IPv6: ok"
else
	echo "metrics over IPv6: SKIP (no ::1 or no curl)"
fi

# two workers on a ring port (its tx loops back into rx)
sed -e 's/tdp-null/tdp-ring/; s/type = null/type = ring/; s/idle_sleep_us = 0/workers = 2/' \
	"$work/null.ini" >"$work/ring.ini"
timeout 30 "$dp" --duration 1 --stats-json "$work/r.json" -c "$work/ring.ini" >"$work/r.out" 2>&1 \
	|| fail "two workers: $(cat "$work/r.out")"
grep -q "2 worker(s)" "$work/r.out" || fail "not two workers: $(cat "$work/r.out")"
check_json "$work/r.json" tdp-ring

# managed peers (a pubkey; tokens and next hop left to the control daemon):
# --check takes tests/configs/managed.ini (the loop above) and this file;
# a run starts even with "mac = resolve" for an address the neighbour table
# lacks, sends nothing to them and ends cleanly.
sed -e 's/tdp-ring/tdp-mgd/' "$work/ring.ini" >"$work/managed.ini"
cat >>"$work/managed.ini" <<'CFG'
[peer m]
kind = relay
ip = 10.99.0.13
port = 8004
pubkey = 8dHBEQnqZA4Rkppiah1eqwWZX52YChMTXcft22C6o9aq
[peer n]
kind = relay
ip = 203.0.113.77
port = 8004
pubkey = HJKn6qA9YRo7xnsLYETVa5A3Bye8BfQrvZm3JeSCGiYY
mac = resolve
CFG
out=$("$dp" --check -c "$work/managed.ini") || fail "--check managed: $out"
[ "$out" = "config OK" ] || fail "--check managed printed '$out'"
timeout 30 "$dp" --duration 1 --stats-json "$work/m.json" -c "$work/managed.ini" >"$work/m.out" 2>&1 \
	|| fail "managed peers: $(cat "$work/m.out")"
/usr/bin/python3 - "$work/m.json" <<'PY' || fail "managed peers: $(cat "$work/m.out")"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["counters"]
drops = sum(v for k, v in c.items() if k.startswith("drop_"))
assert c["rx_packets"] == c["forwarded_txns"] + drops, (c["rx_packets"], drops)
assert "b" in d["peers"], d["peers"]
for m in ("m", "n"):
    assert d["peers"].get(m, {}).get("frames_out", 0) == 0, d["peers"][m]
PY
echo "sluice-dp: ok"
