# shellcheck shell=bash
# The demo network (README.md, "The demo"), written once for scripts/demo.sh and
# tests/netns/*: source this file, then
#   sl_netns_usable        true when network namespaces can be made here
#   sl_test_need_netns     in a test: skip (exit 77) unless namespaces can be made
#   sl_test_need_dp BUILD  in a test: fail unless BUILD has sluice-dp
#   sl_netns_lock          serialise with any other user of the sl-* namespaces
#   sl_dp_test_begin BUILD a sluice-dp test's start: the check above, $dp,
#                          a scratch folder $work removed on exit
#   sl_netns_test_begin BUILD  a namespace test's start: sl_test_need_netns,
#                          sl_dp_test_begin, namespace cleanup on exit, the lock
#   sl_netns_up            create the network (removing a stale one first)
#   sl_bg LOG NS CMD...    start CMD in namespace sl-NS (its network, the host's
#                          mounts: pinned maps where sluicectl sees them) in the
#                          background, logged
#   sl_bpffs               true when /sys/fs/bpf is (or could be mounted as) a bpffs
#   sl_cleanup             kill what sl_bg started, remove the namespaces
#   sl_relay_conf ...      write a sluice-dp config (below)
#   sl_wait_xdp NS IFACE S wait up to S seconds for an XDP program on IFACE
#   sl_e2e_run DIR BUILD   the demo run (relays, clients, sink) and its report
#   sl_inject_pcap NS IFACE PCAP  write every frame of PCAP onto IFACE in sl-NS
#   sl_sluiced_conf ...    write a config for sluice-dp and sluiced, peers by key (below)
#   sl_peers_up CONFIG N S wait up to S seconds until sluiced has N peers up, resolved
#   sl_scrape NODE         relay NODE's metrics (GET /metrics on 127.0.0.1:9464 in sl-NODE)
#   sl_fail MSG...         in a test: print FAIL: MSG and the tail of every log in $work; exit 1
#   sl_ping NODE IP N      N ICMP (IPv6: ICMPv6) echo requests from sl-NODE to IP; true
#                          when all are answered
#   sl_ip6 NODE            NODE's IPv6 address (fd00:99::<last octet, hex>)
#   sl_netns_ip6 [NODE...] IPv6 on those nodes' veths (all when none named)
#   sl_udp_echo LOG NODE PORT  a UDP echo server on NODE's address and PORT (sl_bg)
#   sl_udp_ask NODE IP PORT N  N datagrams from sl-NODE to IP:PORT; true when all come back
#   sl_forge_until_blocked GEN DIR NODE SRC DST N RATE NET  forgeries from NODE until A
#                          logs the autoblock of NET (SL_FORGE_T_BLOCK: when)
#   sl_blocklist_shows SLUICECTL CONF NET MAX_S [alone]  sluicectl blocklist shows
#                          NET active (and alone)
# Namespaces sl-c1, sl-c2, sl-c3 (clients), sl-a, sl-b, sl-c (relays), sl-sink,
# each with one veth (veth-<node>) into the bridge br0 of namespace sl-sw.

SL_CLIENTS=(c1 c2 c3)
SL_RELAYS=(a b c)
SL_NODES=("${SL_CLIENTS[@]}" "${SL_RELAYS[@]}" sink)
declare -A SL_IP=([c1]=10.99.0.1 [c2]=10.99.0.2 [c3]=10.99.0.3 [a]=10.99.0.11 [b]=10.99.0.12
	[c]=10.99.0.13 [sink]=10.99.0.20)
declare -A SL_PUBKEY
SL_INGEST_PORT=8003
SL_GOSSIP_PORT=8004
SL_SINK_PORT=8001
SL_BG_PIDS=()
declare -A SL_BG_LOG SL_BG_STATUS
# Per relay name: lines sl_relay_conf adds to its config before the peers,
# e.g. SL_CONF_EXTRA[a]=$'[prefilter]\nrate = 200\n'.
declare -A SL_CONF_EXTRA
# libxdp leaks its UMEM struct when the af_xdp PMD closes (not sluice's code):
# keep LeakSanitizer from failing sanitizer builds over it.
: "${LSAN_OPTIONS:=suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/lsan.supp}"
export LSAN_OPTIONS

# 02:00:00:00:00:<last octet in hex>
sl_mac() {
	printf '02:00:00:00:00:%02x' "${SL_IP[$1]##*.}"
}

sl_ns() {
	local node=$1
	shift
	ip netns exec "sl-$node" "$@"
}

# Can this process make network namespaces (root, and not a container that
# forbids them)?
sl_netns_usable() {
	[ "$(id -u)" -eq 0 ] || return 1
	local probe=sl-probe-$$
	ip netns add "$probe" 2>/dev/null || return 1
	ip netns del "$probe"
}

sl_test_need_netns() {
	if ! sl_netns_usable; then
		echo "skip: cannot make network namespaces here (needs root, outside a locked-down container)"
		exit 77
	fi
}

# meson builds sluice-dp before these tests run (depends:), so its absence is
# a broken build, not a reason to skip.
sl_test_need_dp() {
	if [ ! -x "$1/dataplane/sluice-dp" ]; then
		echo "FAIL: $1/dataplane/sluice-dp is not built"
		exit 1
	fi
}

sl_netns_lock() {
	exec {SL_LOCK_FD}>/run/sluice-netns.lock
	if ! flock -w 300 "$SL_LOCK_FD"; then
		echo "netns: another run holds /run/sluice-netns.lock" >&2
		return 1
	fi
}

sl_dp_test_begin() {
	sl_test_need_dp "$1"
	dp=$1/dataplane/sluice-dp
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
}

# sl_bpffs: true when /sys/fs/bpf is a BPF file system, mounting one there
# first if it is not (systemd mounts it at boot; a container may not).
sl_bpffs() {
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null
}

sl_fail() {
	echo "FAIL: $*"
	local f
	for f in "$work"/*.log; do
		[ -e "$f" ] || continue
		echo "--- $f"
		tail -n 30 "$f"
	done
	exit 1
}

sl_netns_test_begin() {
	sl_test_need_netns
	sl_dp_test_begin "$1"
	trap 'sl_cleanup; rm -rf "$work"' EXIT
	trap 'exit 130' INT TERM
	sl_netns_lock
}

sl_netns_down() {
	local ns
	for ns in "${SL_NODES[@]/#/sl-}" sl-sw; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

sl_netns_up() {
	sl_netns_down
	# A live peer table left by an earlier run's sluiced would give a relay
	# of this run peers it was not configured with (sluice-dp reads it at
	# start); the netns lock is held, so no relay of ours is using one.
	rm -f /dev/shm/sluice-{a,b,c}.peers
	ip netns add sl-sw
	ip -n sl-sw link add br0 type bridge
	ip -n sl-sw link set br0 up
	ip netns exec sl-sw sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	# A plain switch: with br_netfilter loaded (Docker hosts) the bridge
	# would drop malformed IPv4 and IPv6 frames (br_validate_ipv6) before
	# a relay could see them.
	ip netns exec sl-sw sysctl -qew net.bridge.bridge-nf-call-iptables=0
	ip netns exec sl-sw sysctl -qew net.bridge.bridge-nf-call-ip6tables=0
	local n
	for n in "${SL_NODES[@]}"; do
		ip netns add "sl-$n"
		# No IPv6: no router solicitations or MLD reports reach the relays.
		sl_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip link add "veth-$n" netns "sl-$n" address "$(sl_mac "$n")" type veth peer name "sw-$n" netns sl-sw
		ip -n sl-sw link set "sw-$n" master br0 up
		# The bridge takes an 802.1Q tag off into the frame's metadata;
		# without tag insertion offload the port puts it back into the
		# bytes, so a relay's XDP program sees the frame as sent (tagged,
		# or QinQ) and not untagged (or single-tagged).
		ip netns exec sl-sw ethtool -K "sw-$n" txvlan off tx-vlan-stag-hw-insert off >/dev/null
		ip -n "sl-$n" addr add "${SL_IP[$n]}/24" dev "veth-$n"
		ip -n "sl-$n" link set lo up
		ip -n "sl-$n" link set "veth-$n" up
		# A static forwarding entry per node: the sink never sends, so the
		# bridge would flood frames to it to every relay as unknown unicast.
		bridge -n sl-sw fdb replace "$(sl_mac "$n")" dev "sw-$n" master static
	done
	local c relay
	for n in "${SL_NODES[@]}"; do
		# The kernel leaves UDP checksums partial on veth; what reaches a
		# relay's XDP socket, or its kernel through XDP_PASS (sluiced's
		# control port), must be complete on the wire.
		sl_ns "$n" ethtool -K "veth-$n" tx off >/dev/null
	done
	for c in "${SL_CLIENTS[@]}"; do
		# Without the prefilter, ARP for a relay's address goes to its AF_XDP
		# socket: no reply.
		for relay in "${SL_RELAYS[@]}"; do
			ip -n "sl-$c" neigh replace "${SL_IP[$relay]}" lladdr "$(sl_mac "$relay")" dev "veth-$c" nud permanent
		done
	done
}

sl_bg() {
	local log=$1 node=$2
	shift 2
	# The namespace's network, the host's mounts: `ip netns exec` mounts a
	# /sys of its own, whose /sys/fs/bpf no process outside sees, so a
	# sluice-dp started so would pin its maps where the host's sluicectl
	# cannot reach them.
	nsenter --net="/run/netns/sl-$node" "$@" >"$log" 2>&1 &
	SL_BG_PIDS+=($!)
	SL_BG_LOG[$!]=$log
}

# Stop what sl_bg started (SIGINT first, so relays write their stats; SIGKILL
# after 10 s) and remove the namespaces. Exit statuses land in
# SL_BG_STATUS[log file]. Safe to call twice.
sl_cleanup() {
	local pid i rc
	for pid in "${SL_BG_PIDS[@]}"; do
		kill -INT "$pid" 2>/dev/null || true
	done
	for pid in "${SL_BG_PIDS[@]}"; do
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		rc=0
		wait "$pid" 2>/dev/null || rc=$?
		SL_BG_STATUS[${SL_BG_LOG[$pid]}]=$rc
	done
	SL_BG_PIDS=()
	sl_netns_down
}

sl_wait_xdp() {
	local node=$1 iface=$2 secs=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		if ip -n "sl-$node" link show "$iface" | grep -q ' xdp'; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# sl_relay_conf FILE NAME NODE PORT PEER...: a sluice-dp config for relay
# NAME at NODE's address; PORT is af_xdp:IFACE or pcap:RX_FILE:TX_FILE; each
# PEER is a, b, c (relays, gossip with fixed tokens) or sink (a validator).
# SL_DP_WORKERS sets the relays' worker count (default 1); SL_XDP_PROG, an
# XDP object for af_xdp ports (xdp_prog, e.g. the prefilter). SL_BY_KEY_DIR:
# the config is sluiced's too -- identity key, socket and state file in that
# folder, relay peers named by key (SL_PUBKEY[PEER]) and address only, no
# token and no MAC; SL_CONTROL_EXTRA and SL_SCORE_EXTRA: lines for [control]
# and [score]. SL_CONF_EXTRA[NAME]: more sections for relay NAME (e.g.
# [prefilter], [autoblock]). With the prefilter, the relay keeps its lists
# in FILE's folder (FILE with .prefilter for .ini: [prefilter] state_file),
# not in the machine's /var/lib/sluice.
sl_relay_conf() {
	local file=$1 name=$2 node=$3 port=$4 peer dir=${SL_BY_KEY_DIR:-}
	local extra=${SL_CONF_EXTRA[$name]:-}
	shift 4
	if [[ $port == af_xdp:* && -n ${SL_XDP_PROG:-} ]]; then
		local pfstate="state_file = ${file%.ini}.prefilter"
		if [[ $extra == *'[prefilter]'* ]]; then # a section appears once
			extra=${extra/'[prefilter]'/$'[prefilter]\n'"$pfstate"}
		else
			extra=$'[prefilter]\n'"$pfstate"$'\n'"$extra"
		fi
	fi
	{
		printf '[relay]\nname = %s\nip = %s\nmac = %s\n' "$name" "${SL_IP[$node]}" "$(sl_mac "$node")"
		printf 'ingest_port = %s\ngossip_port = %s\nttl = 4\n' "$SL_INGEST_PORT" "$SL_GOSSIP_PORT"
		# Idle back-off, so that two relays share this machine's cores.
		printf 'dedup_capacity = 65536\nbatch_size = 64\nbatch_timeout_us = 200\n'
		printf 'idle_sleep_us = 200\nworkers = %s\n' "${SL_DP_WORKERS:-1}"
		[ -z "$dir" ] || printf 'key = %s/%s.key\n' "$dir" "$name"
		printf '\n[port]\n'
		case $port in
		af_xdp:*)
			printf 'type = af_xdp\niface = %s\nqueues = 1\n' "${port#af_xdp:}"
			[ -z "${SL_XDP_PROG:-}" ] || printf 'xdp_prog = %s\n' "$SL_XDP_PROG"
			;;
		pcap:*)
			port=${port#pcap:}
			printf 'type = pcap\nrx_pcap = %s\ntx_pcap = %s\n' "${port%%:*}" "${port#*:}"
			;;
		esac
		if [ -n "$dir" ]; then
			printf '\n[control]\nsocket = %s/%s.sock\nstate_file = %s/%s.state\n%s\n' "$dir" "$name" \
				"$dir" "$name" "${SL_CONTROL_EXTRA:-}"
			printf '[score]\n%s\n' "${SL_SCORE_EXTRA:-}"
		fi
		[ -z "$extra" ] || printf '\n%s\n' "$extra"
		for peer in "$@"; do
			printf '\n[peer %s]\n' "$peer"
			if [ "$peer" = sink ]; then
				printf 'kind = validator\nip = %s\nport = %s\nmac = %s\n' \
					"${SL_IP[sink]}" "$SL_SINK_PORT" "$(sl_mac sink)"
			elif [ -n "$dir" ]; then
				printf 'kind = relay\nip = %s\nport = %s\npubkey = %s\n' \
					"${SL_IP[$peer]}" "$SL_GOSSIP_PORT" "${SL_PUBKEY[$peer]}"
			else
				printf 'kind = relay\nip = %s\nport = %s\nmac = %s\n' \
					"${SL_IP[$peer]}" "$SL_GOSSIP_PORT" "$(sl_mac "$peer")"
				printf 'token_out = %s\ntoken_in = %s\n' "$(sl_token "$node" "$peer")" "$(sl_token "$peer" "$node")"
			fi
		done
	} >"$file"
}

# sl_sluiced_conf FILE NODE DIR PEER...: the config of relay NODE (named
# after it) for sluice-dp on af_xdp with the prefilter ($SL_XDP_PROG) and
# for sluiced, its key DIR/NODE.key, its relay peers named by key only.
sl_sluiced_conf() {
	local file=$1 node=$2 dir=$3
	shift 3
	SL_BY_KEY_DIR=$dir sl_relay_conf "$file" "$node" "$node" "af_xdp:veth-$node" "$@"
}

# sl_peers_up CONFIG N SECONDS: true once the relay's sluiced reports N peers
# up with their next hops resolved (sluicectl peers --json).
sl_peers_up() {
	local conf=$1 n=$2 secs=$3 i ctl=${SLUICE_BUILD_DIR:-build}/control/sluicectl
	for ((i = 0; i < secs * 10; i++)); do
		if "$ctl" peers "$conf" --json 2>/dev/null | /usr/bin/python3 2>/dev/null -c '
import json, sys
j = json.load(sys.stdin)
sys.exit(0 if sum(p["state"] == "up" and p["next_hop"] for p in j["peers"]) >= int(sys.argv[1]) else 1)' "$n"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# The token that relay TO issued to relay FROM (FROM puts it in its frames).
sl_token() {
	case $1-$2 in
	a-b) echo 1111 ;;
	b-a) echo 2222 ;;
	*) echo 9999 ;;
	esac
}

# Raw frames, one send each, so that a frame the link refuses (longer than
# its MTU) is skipped rather than ending the run; prints how many were sent.
sl_inject_pcap() {
	sl_ns "$1" /usr/bin/python3 - "$2" "$3" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
data = open(sys.argv[2], "rb").read()
off, sent, refused = 24, 0, 0  # after the pcap file header
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    try:
        s.send(data[off + 16:off + 16 + incl])
        sent += 1
    except OSError:
        refused += 1
    off += 16 + incl
print(f"inject: {sent} frames sent, {refused} refused by the link")
PY
}

# sl_ping NODE IP N: N ICMP echo requests from sl-NODE to IP, 100 ms apart,
# each answered within a second or not at all (a raw socket: no ping binary
# needed); prints "ping IP: K of N answered" and is true when K = N.
sl_ping() {
	sl_ns "$1" timeout 30 /usr/bin/python3 - "$2" "$3" <<'PY'
import os, select, socket, struct, sys, time
dst, n = sys.argv[1], int(sys.argv[2])
v6 = ":" in dst
# ICMPv6's checksum is the kernel's (it covers a pseudo-header); ICMP's is ours.
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW,
                  socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
request, reply = (128, 129) if v6 else (8, 0)
ident, got = os.getpid() & 0xFFFF, 0
def csum(b):
    b += b"\0" * (len(b) & 1)
    t = sum(struct.unpack(f"!{len(b) // 2}H", b))
    t = (t >> 16) + (t & 0xFFFF)
    return ~(t + (t >> 16)) & 0xFFFF
for seq in range(n):
    body = struct.pack("!d", time.time()) + b"sluice-ping"
    hdr = struct.pack("!BBHHH", request, 0, 0, ident, seq)
    sum_ = 0 if v6 else csum(hdr + body)
    s.sendto(struct.pack("!BBHHH", request, 0, sum_, ident, seq) + body, (dst, 0))
    end = time.monotonic() + 1.0
    while (left := end - time.monotonic()) > 0 and select.select([s], [], [], left)[0]:
        pkt, src = s.recvfrom(2048)
        off = 0 if v6 else (pkt[0] & 15) * 4  # raw IPv4 sockets see the IP header
        typ, _, _, rid, rseq = struct.unpack_from("!BBHHH", pkt, off)
        if src[0] == dst and typ == reply and rid == ident and rseq == seq:
            got += 1
            break
    time.sleep(0.1)
print(f"ping {dst}: {got} of {n} answered")
sys.exit(0 if got == n else 1)
PY
}

# sl_udp_echo LOG NODE PORT: in the background (sl_bg), a UDP server on
# NODE's address and PORT that sends every datagram back; it logs each.
sl_udp_echo() {
	sl_bg "$1" "$2" /usr/bin/python3 -u -c '
import signal, socket, sys
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print("echo: listening", flush=True)
while True:
    d, peer = s.recvfrom(2048)
    s.sendto(d, peer)
    print("echo:", peer[0], len(d), flush=True)' "${SL_IP[$2]}" "$3"
}

# sl_udp_ask NODE IP PORT N: N datagrams from sl-NODE to IP:PORT, one at a
# time, each to come back within a second; prints "udp IP:PORT: K of N
# echoed" and is true when K = N.
sl_udp_ask() {
	sl_ns "$1" timeout 30 /usr/bin/python3 - "$2" "$3" "$4" <<'PY'
import socket, sys
dst, n = (sys.argv[1], int(sys.argv[2])), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
got = 0
for i in range(n):
    msg = f"sluice-control-{i}".encode()
    s.sendto(msg, dst)
    try:
        got += s.recv(2048) == msg
    except socket.timeout:
        pass
print(f"udp {dst[0]}:{dst[1]}: {got} of {n} echoed")
sys.exit(0 if got == n else 1)
PY
}

# ---- the autoblock, seen from outside (tests/netns/test_spam.sh, test_ipv6.sh) ----
# sl_forge_until_blocked GEN DIR NODE SRC DST N RATE NET: sluice-gen (GEN)
# on NODE sends N forged signatures from SRC to DST at RATE/s (manifest
# DIR/NODE-forged.txt) while relay A's log (DIR/a.log) is watched for the
# autoblock of NET (a prefix as the log names it, e.g. 10.99.0.2/32); fails
# (sl_fail) unless the block is logged within 4 s. Sets SL_FORGE_T_BLOCK
# (date +%s.%N when the block was seen).
sl_forge_until_blocked() {
	local gen=$1 dir=$2 node=$3 src=$4 dst=$5 n=$6 rate=$7 net=$8 t0 i g
	t0=$(date +%s.%N)
	SL_FORGE_T_BLOCK=""
	sl_ns "$node" timeout 30 "$gen" --seed 21 --udp --src "$src" --dst "$dst" \
		--valid 0 --bad-sig "$n" --rate "$rate" --manifest "$dir/$node-forged.txt" --quiet &
	g=$!
	for ((i = 0; i < 80; i++)); do
		if grep -qF "autoblock: blocked $net for " "$dir/a.log"; then
			SL_FORGE_T_BLOCK=$(date +%s.%N)
			break
		fi
		sleep 0.05
	done
	wait "$g" || sl_fail "$node's forging sluice-gen failed"
	[ -n "$SL_FORGE_T_BLOCK" ] || sl_fail "A did not block $net within 4 s of starting $node's forger"
	echo "forger: A logged the block of $net $(awk -v a="$t0" -v b="$SL_FORGE_T_BLOCK" \
		'BEGIN { printf "%.2f", b - a }') s after $node's sluice-gen started"
}

# sl_blocklist_shows SLUICECTL CONF NET MAX_S [alone]: the operator's view
# of a block, sluicectl's blocklist --json over the relay's pinned maps
# (CONF: its config): NET is there, active, with 0 < remaining_s <= MAX_S;
# with "alone", nothing else is. Fails (sl_fail) otherwise.
sl_blocklist_shows() {
	local ctl=$1 conf=$2 net=$3 max_s=$4 alone=${5:-} out
	out=$("$ctl" blocklist "$conf" --json) || sl_fail "sluicectl blocklist: $out"
	/usr/bin/python3 - "$net" "$max_s" "$alone" "$out" <<'PY' ||
import json, sys
got = json.loads(sys.argv[4])["blocklist"]
e = [x for x in got if x["prefix"] == sys.argv[1]]
assert len(e) == 1 and e[0]["state"] == "active" and 0 < e[0]["remaining_s"] <= int(sys.argv[2]), got
assert sys.argv[3] != "alone" or len(got) == 1, got
print(f"forger: sluicectl blocklist shows {e[0]}")
PY
		sl_fail "sluicectl blocklist does not show the block of $net${alone:+ alone}"
}

# Relay NODE's Prometheus endpoint, as sl_relay_conf leaves it (the default
# [metrics] listen, in the relay's own namespace): the exposition on stdout.
SL_METRICS_URL=http://127.0.0.1:9464/metrics
sl_scrape() {
	sl_ns "$1" curl -sSf --max-time 5 "$SL_METRICS_URL"
}

# sl_e2e_metrics DIR: where each relay's metrics are, and one scrape's
# headline figures (DIR/a.metrics, DIR/b.metrics).
sl_e2e_metrics() {
	local dir=$1 r
	for r in a b; do
		echo "relay $r: metrics at $SL_METRICS_URL (in netns sl-$r)"
		sl_scrape "$r" >"$dir/$r.metrics" || { echo "e2e: relay $r's metrics did not answer" >&2; return 1; }
		awk -v r="$r" '/^sluice_rx_packets_total /{rx=$2} /^sluice_forwarded_txns_total /{f=$2}
			/^sluice_drops_total\{/{d+=$2}
			END{printf "relay %s: metrics: rx %d, forwarded %d, drops %d\n", r, rx, f, d}' "$dir/$r.metrics"
	done
}

sl_dp_bin() {
	echo "${SLUICE_BUILD_DIR:-build}/dataplane/sluice-dp"
}

# sl_e2e_peers DIR BUILD: each relay's peers as its sluiced sees them (key,
# state, RTT, score), and one line "peers: N of N up, by key".
sl_e2e_peers() {
	local dir=$1 build=$2 r up=0 all=0
	for r in a b; do
		echo "relay $r: peers (sluiced, by key):"
		"$build/control/sluicectl" peers "$dir/$r.ini" | sed 's/^/  /'
		"$build/control/sluicectl" peers "$dir/$r.ini" --json >"$dir/$r.peers.json" || return 1
		read -r n u < <(/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["peers"]
print(len(p), sum(x["state"] == "up" for x in p))' "$dir/$r.peers.json")
		all=$((all + n)) up=$((up + u))
	done
	echo "peers: $up of $all up, by key"
	[ "$up" = "$all" ]
}

# sl_e2e_run DIR BUILD: the whole demo run. Relay A (peer B) and relay B
# (peers A and the sink) on af_xdp; c1 sends a bounded mix to A, c2 to B,
# sharing 100 valid transactions, and c1 forges B's gossip frames to A; the
# sink records what B delivers. Leaves in DIR: c1.txt c2.txt spoof.txt
# (manifests), sink.json, a.json b.json (relay stats),
# *.log; prints the report and returns its verdict. Scale with SL_E2E_VALID
# (valid transactions per client, default 400; the rest of the mix in
# proportion) and SL_E2E_RATE (datagrams per second per client, default 1000).
# SL_E2E_INJECT: a pcap whose frames c1 also writes onto its link, meant for
# relay A (e.g. sluice-gen --bad-frames). SL_E2E_TELEMETRY: a DPDK telemetry
# command (e.g. /sluice/prefilter) asked of each relay once the traffic is
# over, while it still runs; the answers in DIR/a.telemetry, DIR/b.telemetry.
# SL_E2E_SLUICED=1: the relays name each other by key only (sl_sluiced_conf,
# the prefilter in SL_XDP_PROG) and sluiced runs beside each sluice-dp; the
# run prints each relay's peers and "peers: N of N up, by key" (sl_e2e_peers).
# SL_E2E_METRICS=1: once the traffic is over, each relay's metrics endpoint
# and one scrape's headline figures (sl_e2e_metrics). SL_E2E_HOOK: a command
# run as `HOOK during DIR` just after the clients start and `HOOK after DIR`
# once the traffic is over, before the relays stop; non-zero fails the run.
# SL_E2E_IP6=1: the relays have IPv6 addresses too (sl_netns_ip6) and name
# each other at those (sl_conf_ip6): gossip between them, and with
# SL_E2E_SLUICED=1 their control sessions, go over IPv6; clients and the
# sink stay IPv4 (c1's forged gossip from B's IPv4 address is then no
# peer's at all).
# SL_E2E_FLOOD=1: c3 also floods relay A's ingest port, first with copies
# of the shared transactions at 20000/s (10 of each), then with forged
# signatures at 1000/s (its manifests DIR/c3.txt, DIR/c3-forged.txt join the
# report); the report then shows, under each relay's table, what its
# prefilter and autoblock did. Give A a [prefilter] rate and an
# [autoblock] through SL_CONF_EXTRA[a].
sl_e2e_run() {
	local dir=$1 build=$2 r
	local dp=$build/dataplane/sluice-dp
	local sluiced=${SL_E2E_SLUICED:-0}
	sl_netns_up
	[ "${SL_E2E_IP6:-0}" != 1 ] || sl_netns_ip6 a b
	if [ "$sluiced" = 1 ]; then
		for r in a b; do
			SL_PUBKEY[$r]=$("$build/control/sluicectl" keygen "$dir/$r.key" --force)
		done
	fi
	for r in a b; do
		# The clients' forgeries and junk are part of the mix under test here,
		# not offences: unless the caller says otherwise, the closed loop
		# (tests/netns/test_spam.sh tests it) blocks no client for them.
		[ -n "${SL_CONF_EXTRA[$r]:-}" ] ||
			SL_CONF_EXTRA[$r]=$(printf '[autoblock]\ninvalid_sig = %s\nmalformed = %s\n' \
				"${SL_E2E_VALID:-400}" "${SL_E2E_VALID:-400}")
		if [ "$sluiced" = 1 ]; then
			sl_sluiced_conf "$dir/$r.ini" "$r" "$dir" $([ $r = a ] && echo b || echo a sink)
		else
			sl_relay_conf "$dir/$r.ini" "$r" "$r" "af_xdp:veth-$r" $([ $r = a ] && echo b || echo a sink)
		fi
		[ "${SL_E2E_IP6:-0}" != 1 ] || sl_conf_ip6 "$dir/$r.ini" "$r" $([ $r = a ] && echo b || echo a)
		sl_bg "$dir/$r.log" "$r" "$dp" --duration 120 --stats-json "$dir/$r.json" -c "$dir/$r.ini"
	done
	for r in a b; do
		if ! sl_wait_xdp "$r" "veth-$r" 60; then
			echo "e2e: relay $r did not attach to veth-$r within 60 s; its log:" >&2
			cat "$dir/$r.log" >&2
			return 1
		fi
	done
	if [ "$sluiced" = 1 ]; then
		for r in a b; do
			sl_bg "$dir/$r.sluiced.log" "$r" "$build/control/sluiced" -c "$dir/$r.ini"
		done
		for r in a b; do
			if ! sl_peers_up "$dir/$r.ini" 1 30; then
				echo "e2e: relay $r's sluiced did not bring its peer up; its log:" >&2
				cat "$dir/$r.sluiced.log" >&2
				return 1
			fi
		done
	fi
	sleep 1 # the XSK rings are set up after the program is attached
	sl_bg "$dir/sink.log" sink "$build/bench/sluice-sink" --listen "${SL_IP[sink]}:$SL_SINK_PORT" \
		--duration 60 --idle-exit 3 --summary "$dir/sink.json"
	local sink_pid=${SL_BG_PIDS[-1]}
	sleep 0.3
	local valid=${SL_E2E_VALID:-400} rate=${SL_E2E_RATE:-1000}
	local mix=(--udp --valid "$valid" --dup-pct 25 --bad-sig $((valid / 10)) --malformed $((valid * 9 / 100))
		--gossip-spam $((valid / 20)) --share $((valid / 4)) --shared-seed 77 --signers 3 --rate "$rate" --quiet)
	sl_ns c1 timeout 30 "$build/bench/sluice-gen" --seed 1 --src "${SL_IP[c1]}" \
		--dst "${SL_IP[a]}:$SL_INGEST_PORT" --manifest "$dir/c1.txt" "${mix[@]}" &
	local g1=$!
	sl_ns c2 timeout 30 "$build/bench/sluice-gen" --seed 2 --src "${SL_IP[c2]}" \
		--dst "${SL_IP[b]}:$SL_INGEST_PORT" --manifest "$dir/c2.txt" "${mix[@]}" &
	local g2=$!
	# c1 also forges gossip frames from relay B's address with tokens B does
	# not have, written straight onto its veth (sluice-gen's DPDK mode): relay
	# A must drop every one as a bad token.
	sl_ns c1 timeout 60 "$build/bench/sluice-gen" --seed 3 --src "${SL_IP[b]}:$SL_GOSSIP_PORT" \
		--src-mac "$(sl_mac c1)" --dst "${SL_IP[a]}:$SL_GOSSIP_PORT" --dpdk af_xdp:veth-c1 \
		--gossip-spam 30 --rate 1000 --manifest "$dir/spoof.txt" --quiet >"$dir/spoof.log" 2>&1 &
	local g3=$! g4="" manifests=(--manifest "$dir/c1.txt" --manifest "$dir/c2.txt" --manifest "$dir/spoof.txt")
	if [ "${SL_E2E_FLOOD:-0}" = 1 ]; then
		local c3=(timeout 30 "$build/bench/sluice-gen" --udp --src "${SL_IP[c3]}"
			--dst "${SL_IP[a]}:$SL_INGEST_PORT" --quiet)
		{ sl_ns c3 "${c3[@]}" --seed 4 --valid $((valid / 4)) --share $((valid / 4)) --shared-seed 77 \
			--dup-pct 1000 --rate 20000 --manifest "$dir/c3.txt" &&
			sl_ns c3 "${c3[@]}" --seed 5 --valid 0 --bad-sig $((valid * 3 / 4)) --rate 1000 \
				--manifest "$dir/c3-forged.txt"; } &
		g4=$!
		manifests+=(--manifest "$dir/c3.txt" --manifest "$dir/c3-forged.txt")
	fi
	if [ -n "${SL_E2E_INJECT:-}" ]; then
		sl_inject_pcap c1 veth-c1 "$SL_E2E_INJECT" >"$dir/inject.log" 2>&1 ||
			{ echo "e2e: injecting $SL_E2E_INJECT failed:" >&2; cat "$dir/inject.log" >&2; return 1; }
	fi
	if [ -n "${SL_E2E_HOOK:-}" ]; then
		"$SL_E2E_HOOK" during "$dir" || { echo "e2e: $SL_E2E_HOOK during failed" >&2; return 1; }
	fi
	wait $g1 && wait $g2 || { echo "e2e: a generator failed" >&2; return 1; }
	wait $g3 || { echo "e2e: the spoofing generator failed:" >&2; cat "$dir/spoof.log" >&2; return 1; }
	[ -z "$g4" ] || wait "$g4" || { echo "e2e: c3's flood failed" >&2; return 1; }
	timeout 70 tail --pid="$sink_pid" -f /dev/null
	if [ -n "${SL_E2E_TELEMETRY:-}" ]; then
		for r in a b; do
			printf '%s\n' "$SL_E2E_TELEMETRY" | timeout 20 dpdk-telemetry.py -f "sluice-$r" \
				>"$dir/$r.telemetry" 2>&1 || {
				echo "e2e: relay $r did not answer $SL_E2E_TELEMETRY:" >&2
				cat "$dir/$r.telemetry" >&2
				return 1
			}
		done
	fi
	if [ "$sluiced" = 1 ]; then
		sl_e2e_peers "$dir" "$build" || return 1
	fi
	if [ "${SL_E2E_METRICS:-0}" = 1 ]; then
		sl_e2e_metrics "$dir" || return 1
	fi
	if [ -n "${SL_E2E_HOOK:-}" ]; then
		"$SL_E2E_HOOK" after "$dir" || { echo "e2e: $SL_E2E_HOOK after failed" >&2; return 1; }
	fi
	sl_cleanup # SIGINT: the relays stop and write their stats
	for r in a b; do
		if [ ! -s "$dir/$r.json" ] || [ "${SL_BG_STATUS[$dir/$r.log]}" != 0 ]; then
			echo "e2e: relay $r exited with ${SL_BG_STATUS[$dir/$r.log]} (stats: $dir/$r.json); its log:" >&2
			cat "$dir/$r.log" >&2
			return 1
		fi
	done
	/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/e2e_report.py" "${manifests[@]}" \
		--relay "a=$dir/a.json:$dir/a.log" --relay "b=$dir/b.json:$dir/b.log" --sink "$dir/sink.json"
}

# ---- IPv6 (tests/netns/test_ipv6.sh) ----
# sl_netns_up leaves IPv6 off everywhere. sl_ip6 NODE: NODE's IPv6 address,
# fd00:99::<last octet of its IPv4 address, in hex> (a: fd00:99::b).
sl_ip6() {
	printf 'fd00:99::%x' "${SL_IP[$1]##*.}"
}

# sl_conf_ip6 FILE NODE PEER...: relay NODE's config FILE (written
# by sl_relay_conf) gets `ip6 = sl_ip6 NODE`, and each PEER's section
# its IPv6 address in place of its IPv4 one.
sl_conf_ip6() {
	local file=$1 node=$2 p
	shift 2
	sed -i "/^\[relay\]\$/a ip6 = $(sl_ip6 "$node")" "$file"
	for p in "$@"; do
		sed -i "s/^ip = ${SL_IP[$p]}\$/ip = $(sl_ip6 "$p")/" "$file"
		grep -qx "ip = $(sl_ip6 "$p")" "$file" || { echo "no peer $p in $file" >&2; return 1; }
	done
}

# sl_netns_ip6 [NODE...]: IPv6 on those nodes' veths (every node when none is
# named), each with its sl_ip6/64 beside its IPv4 address, so that a relay's
# kernel answers neighbour solicitations for it as it answers ARP. No
# duplicate address detection (the address is usable at once) and no
# router solicitations (there is no router). A relay takes IPv6 traffic
# only behind the prefilter (SL_XDP_PROG), which passes ICMPv6 to its
# kernel: without it, neighbour discovery goes to the AF_XDP socket.
sl_netns_ip6() {
	local n
	[ $# -gt 0 ] || set -- "${SL_NODES[@]}"
	for n in "$@"; do
		sl_ns "$n" sysctl -qw "net.ipv6.conf.veth-$n.accept_dad=0" \
			"net.ipv6.conf.veth-$n.router_solicitations=0" "net.ipv6.conf.veth-$n.disable_ipv6=0"
		ip -n "sl-$n" addr add "$(sl_ip6 "$n")/64" dev "veth-$n" nodad
	done
}

