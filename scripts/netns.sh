# shellcheck shell=bash
# The demo network of DP_SPEC.md, written once for scripts/demo.sh and
# tests/netns/*: source this file, then
#   sl_netns_lock          serialise with any other user of the sl-* namespaces
#   sl_netns_up            create the network (removing a stale one first)
#   sl_bg LOG NS CMD...    start CMD in namespace sl-NS in the background, logged
#   sl_cleanup             kill what sl_bg started, remove the namespaces
#   sl_relay_configs DIR   write DIR/a.ini and DIR/b.ini (af_xdp relays)
#   sl_wait_xdp NS IFACE S wait up to S seconds for an XDP program on IFACE
# Namespaces sl-c1, sl-c2 (clients), sl-a, sl-b (relays), sl-sink, each with
# one veth (veth-<node>) into the bridge br0 of namespace sl-sw.

SL_NODES=(c1 c2 a b sink)
declare -A SL_IP=([c1]=10.99.0.1 [c2]=10.99.0.2 [a]=10.99.0.11 [b]=10.99.0.12 [sink]=10.99.0.20)
SL_INGEST_PORT=8003
SL_GOSSIP_PORT=8004
SL_SINK_PORT=8001
SL_TOKEN_A_TO_B=1111 # issued by B to A: A puts it in frames to B
SL_TOKEN_B_TO_A=2222 # issued by A to B
SL_BG_PIDS=()

# 02:00:00:00:00:<last octet in hex>
sl_mac() {
	printf '02:00:00:00:00:%02x' "${SL_IP[$1]##*.}"
}

sl_ns() {
	local node=$1
	shift
	ip netns exec "sl-$node" "$@"
}

sl_netns_lock() {
	exec {SL_LOCK_FD}>/run/sluice-netns.lock
	if ! flock -w 300 "$SL_LOCK_FD"; then
		echo "netns: another run holds /run/sluice-netns.lock" >&2
		return 1
	fi
}

sl_netns_down() {
	local ns
	for ns in "${SL_NODES[@]/#/sl-}" sl-sw; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

sl_netns_up() {
	sl_netns_down
	ip netns add sl-sw
	ip -n sl-sw link add br0 type bridge
	ip -n sl-sw link set br0 up
	ip netns exec sl-sw sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	local n
	for n in "${SL_NODES[@]}"; do
		ip netns add "sl-$n"
		# No IPv6: no router solicitations or MLD reports reach the relays.
		sl_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip link add "veth-$n" netns "sl-$n" address "$(sl_mac "$n")" type veth peer name "sw-$n" netns sl-sw
		ip -n sl-sw link set "sw-$n" master br0 up
		ip -n "sl-$n" addr add "${SL_IP[$n]}/24" dev "veth-$n"
		ip -n "sl-$n" link set lo up
		ip -n "sl-$n" link set "veth-$n" up
	done
	local c relay
	for c in c1 c2; do
		# The kernel leaves UDP checksums partial on veth; what reaches the
		# relay's XDP socket must be complete on the wire.
		sl_ns "$c" ethtool -K "veth-$c" tx off >/dev/null
		# ARP for a relay's address goes to its AF_XDP socket: no reply.
		for relay in a b; do
			ip -n "sl-$c" neigh replace "${SL_IP[$relay]}" lladdr "$(sl_mac "$relay")" dev "veth-$c" nud permanent
		done
	done
}

sl_bg() {
	local log=$1 node=$2
	shift 2
	ip netns exec "sl-$node" "$@" >"$log" 2>&1 &
	SL_BG_PIDS+=($!)
}

# Stop what sl_bg started (SIGINT first, so relays write their stats), then
# remove the namespaces. Safe to call twice.
sl_cleanup() {
	local pid
	for pid in "${SL_BG_PIDS[@]}"; do
		kill -INT "$pid" 2>/dev/null || true
	done
	for pid in "${SL_BG_PIDS[@]}"; do
		timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
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

# Relay A peers with B; B peers with A and with the sink (a validator): every
# valid transaction reaches the sink once, through B.
sl_relay_configs() {
	local dir=$1
	cat >"$dir/a.ini" <<-CONF
	[relay]
	name = a
	ip = ${SL_IP[a]}
	mac = $(sl_mac a)
	ingest_port = $SL_INGEST_PORT
	gossip_port = $SL_GOSSIP_PORT
	ttl = 4
	dedup_capacity = 65536
	batch_size = 64
	batch_timeout_us = 200
	idle_sleep_us = 200
	workers = 1

	[port]
	type = af_xdp
	iface = veth-a
	queues = 1

	[peer b]
	kind = relay
	ip = ${SL_IP[b]}
	port = $SL_GOSSIP_PORT
	mac = $(sl_mac b)
	token_out = $SL_TOKEN_A_TO_B
	token_in = $SL_TOKEN_B_TO_A
	CONF
	cat >"$dir/b.ini" <<-CONF
	[relay]
	name = b
	ip = ${SL_IP[b]}
	mac = $(sl_mac b)
	ingest_port = $SL_INGEST_PORT
	gossip_port = $SL_GOSSIP_PORT
	ttl = 4
	dedup_capacity = 65536
	batch_size = 64
	batch_timeout_us = 200
	idle_sleep_us = 200
	workers = 1

	[port]
	type = af_xdp
	iface = veth-b
	queues = 1

	[peer a]
	kind = relay
	ip = ${SL_IP[a]}
	port = $SL_GOSSIP_PORT
	mac = $(sl_mac a)
	token_out = $SL_TOKEN_B_TO_A
	token_in = $SL_TOKEN_A_TO_B

	[peer sink]
	kind = validator
	ip = ${SL_IP[sink]}
	port = $SL_SINK_PORT
	mac = $(sl_mac sink)
	CONF
}
