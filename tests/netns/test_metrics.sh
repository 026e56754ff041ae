#!/usr/bin/env bash
# sluice-dp's Prometheus endpoint on the demo network (relays on af_xdp with
# the XDP prefilter, no sluiced): relay A answers a scrape while traffic
# flows, and promtool accepts it; 100 concurrent scrapers, some trickling
# their request a byte a second, some reading the answer a byte a second,
# change nothing the relays forward or drop (the run's verdicts: every valid
# transaction once at the sink, counters add up; relay A saw exactly its
# client's datagrams and B's gossip) and the endpoint still answers after
# them; a scrape taken once the traffic is over agrees exactly with the
# --stats-json relay A writes at shutdown: every counter, every peer's, the
# top sources, the prefilter's counters and top sources. Needs root.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"
command -v curl >/dev/null || { echo "FAIL: no curl (scripts/bootstrap.sh installs it)"; exit 1; }
command -v promtool >/dev/null || { echo "FAIL: no promtool (Debian's prometheus; scripts/bootstrap.sh)"; exit 1; }

# 100 scrapers at once from inside sl-a, by i % 5: 0 and 1 send their
# request a byte a second, 2 and 3 send it whole and read the answer a byte
# a second through a small receive buffer, 4 connects and says nothing
# (the relay takes 8 from one address: the rest are closed at once). All
# close after $1 seconds. Prints what they got.
cat >"$work/scrapers.py" <<'PY'
import socket, sys, time
secs = float(sys.argv[1])
req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
socks, refused = [], 0
for i in range(100):
    s = socket.socket()
    if i % 5 in (2, 3):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", 9464))
    except OSError:
        refused += 1
        continue
    s.setblocking(False)
    socks.append((i, s, 0))
got = closed = 0
end = time.time() + secs
while time.time() < end:
    nxt = []
    for i, s, sent in socks:
        try:
            if i % 5 in (0, 1) and sent < len(req):
                s.send(req[sent:sent + 1])
                sent += 1
            elif i % 5 in (2, 3):
                if sent == 0:
                    s.send(req)
                    sent = 1
                b = s.recv(1)
                if not b:
                    closed += 1
                    s.close()
                    continue
                got += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
            s.close()
            continue
        nxt.append((i, s, sent))
    socks = nxt
    time.sleep(1)
for _, s, _ in socks:
    s.close()
print(f"scrapers: {100 - refused} connected, {refused} refused, {closed} closed by the relay, "
      f"{got} bytes read slowly")
PY

scrapers_pid=
metrics_hook() {
	local phase=$1 dir=$2
	case $phase in
	during)
		sl_scrape a >"$dir/a.during.prom" || { echo "FAIL: relay a's metrics did not answer during the run"; return 1; }
		grep -q '^sluice_rx_packets_total ' "$dir/a.during.prom"
		promtool check metrics <"$dir/a.during.prom" || { echo "FAIL: promtool rejects the scrape"; return 1; }
		echo "metrics: relay a answered during the run; promtool check metrics: ok"
		sl_ns a /usr/bin/python3 "$work/scrapers.py" 8 >"$dir/scrapers.log" 2>&1 &
		scrapers_pid=$!
		;;
	after)
		wait "$scrapers_pid" || { echo "FAIL: the scrapers failed:"; cat "$dir/scrapers.log"; return 1; }
		cat "$dir/scrapers.log"
		sl_scrape a >"$dir/a.after.prom" || { echo "FAIL: relay a's metrics did not answer after the scrapers"; return 1; }
		promtool check metrics <"$dir/a.after.prom"
		# The final scrape: when two in a row agree (but for the clocks),
		# nothing is moving; the relays stop right after.
		local i prev=
		for ((i = 0; i < 20; i++)); do
			sl_scrape a >"$dir/a.final.prom"
			cur=$(grep -v -e '^#' -e '^sluice_uptime_seconds ' -e '^sluice_dedup_window_seconds ' "$dir/a.final.prom")
			[ "$cur" = "$prev" ] && return 0
			prev=$cur
			sleep 0.5
		done
		echo "FAIL: relay a's counters kept moving after the traffic"
		return 1
		;;
	esac
}

export SL_XDP_PROG=$build/bpf/sl_prefilter.bpf.o
# Slower clients: the scrapers overlap the traffic.
SL_E2E_VALID=200 SL_E2E_RATE=150 SL_E2E_HOOK=metrics_hook sl_e2e_run "$work" "$build"

/usr/bin/python3 - "$work" <<'PY'
import json, re, sys
w = sys.argv[1]
stats = {r: json.load(open(f"{w}/{r}.json")) for r in ("a", "b")}
prom = {}
for line in open(f"{w}/a.final.prom"):
    if line.startswith("#"):
        continue
    m = re.fullmatch(r'(\w+)(?:\{(.*)\})? (\S+)\n', line)
    assert m, line
    labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")))
    prom[(m.group(1), labels)] = m.group(3)

def val(name, **labels):
    key = (name, tuple(sorted(labels.items())))
    assert key in prom, f"the scrape has no {key}"
    return int(prom.pop(key))

a = stats["a"]
checked = 0
for name, v in a["counters"].items():
    got = val("sluice_drops_total", reason=name[5:]) if name.startswith("drop_") else val(f"sluice_{name}_total")
    assert got == v, f"{name}: scrape {got}, --stats-json {v}"
    checked += 1
assert val("sluice_dedup_fill_entries", cache="bytes") == a["dedup_fill"]
for peer, cs in a["peers"].items():
    for k, v in cs.items():
        assert val(f"sluice_peer_{k}_total", peer=peer) == v, (peer, k)
        checked += 1
for ip, cs in a["sources"].items():
    for k, v in cs.items():
        assert val("sluice_source_drops_total", source=ip, **{"class": k}) == v, (ip, k)
        checked += 1
pf = a["prefilter"]
for k, v in pf.items():
    if k == "top_sources":
        for ip, n in v.items():
            assert val("sluice_prefilter_source_drops_total", source=ip) == n, ip
            checked += 1
    else:
        assert val("sluice_prefilter_packets_total", reason=k) == v, k
        checked += 1
assert val("sluice_prefilter_loaded") == 1
for lst, fams in a["prefilter_lists"].items():
    for fam in ("ipv4", "ipv6"):
        assert val("sluice_prefilter_list_entries", list=lst, family=fam) == fams[fam], (lst, fam)
        assert val("sluice_prefilter_list_capacity_entries", list=lst, family=fam) == fams["capacity"], lst
        checked += 2
ab = a["autoblock"]
for k, v in ab.items():
    if k.startswith("blocks_"):
        assert val("sluice_autoblock_blocks_total", **{"class": k[7:]}) == v, k
    elif k in ("protected", "errors"):
        assert val(f"sluice_autoblock_{k}_total") == v, k
    elif k == "active":
        assert val("sluice_autoblock_active") == v, k
    else:
        assert k == "blocks" and v == sum(n for c, n in ab.items() if c.startswith("blocks_")), k
    checked += 1
# Nothing left of those families that the JSON does not have.
left = [k for k in prom if k[0].startswith(("sluice_peer_", "sluice_source_", "sluice_prefilter_", "sluice_drops_",
                                            "sluice_autoblock_"))
        or (k[0].endswith("_total") and not k[1])]
assert not left, f"in the scrape, not in --stats-json: {left}"
c = a["counters"]
drops = sum(v for k, v in c.items() if k.startswith("drop_"))
assert c["rx_packets"] == c["forwarded_txns"] + drops, c
# The scrapers changed nothing: the run's verdicts held (sl_e2e_run), and
# the prefilter dropped each of c1's gossip frames forged in B's name.
lines = lambda n: [l for l in open(f"{w}/{n}.txt") if not l.startswith("#")]
assert pf["drop_bad_token"] == len(lines("spoof")) == 30, pf
print(f"metrics: the last scrape agrees with --stats-json on {checked} counters")
PY
echo "metrics: ok"
