#!/usr/bin/env bash
# The capability set of contrib/systemd/sluice-dp@.service, exercised: in a
# namespace of its own, sluice-dp runs on af_xdp over a veth with the XDP
# prefilter under exactly the unit's CapabilityBoundingSet (setpriv, as root,
# which is what systemd does), and fails to start without any one of them.
# RLIMIT_MEMLOCK is the kernel's default 8 MiB, as outside systemd. Then
# sluiced runs with no capability at all, as sluiced@.service has it. Also:
# every address family sluice-dp opens (strace) is one its unit allows.
# Needs root, iproute2 and setpriv; skips (77) otherwise.
set -euo pipefail
build=${SLUICE_BUILD_DIR:?} src=${SLUICE_SOURCE_DIR:?}
unit=$src/contrib/systemd/sluice-dp@.service
dp=$build/dataplane/sluice-dp prog=$build/bpf/sl_prefilter.bpf.o
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (namespaces, XDP)"; exit 77; fi
for c in ip setpriv prlimit; do
	command -v $c >/dev/null || { echo "SKIP: no $c"; exit 77; }
done
# As the namespace tests: libxdp's and libbpf's own leaks are not ours.
: "${LSAN_OPTIONS:=suppressions=$src/tests/lsan.supp}"
export LSAN_OPTIONS
name=slcap$$ ns=slcap$$
work=$(mktemp -d)
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -f "/dev/shm/sluice-$name.peers"
	rm -rf "$work"
}
trap cleanup EXIT

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[ -n "$caps" ] || { echo "FAIL: no CapabilityBoundingSet in $unit"; exit 1; }
# CAP_NET_ADMIN CAP_IPC_LOCK -> +net_admin,+ipc_lock (setpriv's form)
setpriv_caps() { local out="" c; for c in "$@"; do c=${c#CAP_}; out+=",+${c,,}"; done; echo "${out#,}"; }

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add slcap0 type veth peer name slcap1
ip -n "$ns" link set slcap0 up
ip -n "$ns" link set slcap1 up
ip -n "$ns" addr add 10.98.7.1/24 dev slcap0
cat >"$work/relay.ini" <<INI
[relay]
name = $name
ip = 10.98.7.1
dedup_capacity = 65536
[port]
type = af_xdp
iface = slcap0
queues = 1
xdp_prog = $prog
[prefilter]
state_file = $work/relay.prefilter
INI

# run LABEL CAP...: sluice-dp for a second with only those capabilities.
run() {
	local label=$1
	shift
	local rc=0
	ip netns exec "$ns" prlimit --memlock=8388608 setpriv --bounding-set="-all,$(setpriv_caps "$@")" \
		--inh-caps=-all -- "$dp" -c "$work/relay.ini" --duration 1 >"$work/$label.log" 2>&1 || rc=$?
	return $rc
}

# shellcheck disable=SC2086
if ! run all $caps || ! grep -q 'prefilter (XDP)' "$work/all.log"; then
	echo "FAIL: sluice-dp with the unit's capabilities ($caps):"
	cat "$work/all.log"
	exit 1
fi
echo "with $caps: ok, prefilter attached"
for drop in $caps; do
	rest=()
	for c in $caps; do [ "$c" = "$drop" ] || rest+=("$c"); done
	if run "no-$drop" "${rest[@]}"; then
		echo "FAIL: sluice-dp started without $drop: the unit asks for more than it needs"
		exit 1
	fi
	echo "without $drop: refused ($(grep -m1 -iE 'fail|denied|not permitted' "$work/no-$drop.log" || echo exit 1))"
done

# Every address family sluice-dp opens a socket of (read off the binary
# with strace) is in the unit's RestrictAddressFamilies, under which a
# socket() of another family fails.
# With its metrics endpoint at [::1]: every family it can open.
if command -v strace >/dev/null; then
	{ cat "$work/relay.ini"; printf '[metrics]\nlisten = [::1]:9464\n'; } >"$work/strace.ini"
	# LeakSanitizer cannot run under ptrace (sanitized builds)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		ip netns exec "$ns" prlimit --memlock=8388608 strace -f -qq --seccomp-bpf -e trace=socket \
		-o "$work/dp.strace" "$dp" -c "$work/strace.ini" --duration 1 >"$work/strace.log" 2>&1 ||
		{ echo "FAIL: sluice-dp under strace:"; cat "$work/strace.log"; exit 1; }
	grep -q 'metrics at http://\[::1\]:9464/' "$work/strace.log" ||
		{ echo "FAIL: no metrics endpoint at [::1]:"; cat "$work/strace.log"; exit 1; }
	# shellcheck source=sl_families.sh
	. "$src/tests/sl_families.sh"
	sl_families_check "$work/dp.strace" "$unit" sluice-dp AF_XDP AF_INET6
else
	echo "address families: SKIP (no strace)"
fi

# sluiced@.service gives sluiced no capability at all: it still binds its
# control port, reads netlink, opens its socket and the peer table.
sd=$build/control/sluiced ctl=$build/control/sluicectl
"$ctl" keygen "$work/id.key" >/dev/null
sed -i "s|^dedup_capacity = 65536|&\nkey = $work/id.key|" "$work/relay.ini"
printf '[control]\nsocket = %s/ctl.sock\nstate_file = %s/state.peers\n' "$work" "$work" >>"$work/relay.ini"
grep -q '^CapabilityBoundingSet=$' "$src/contrib/systemd/sluiced@.service" ||
	{ echo "FAIL: sluiced@.service does not empty the bounding set"; exit 1; }
ip netns exec "$ns" setpriv --bounding-set=-all --inh-caps=-all -- "$sd" -c "$work/relay.ini" \
	>"$work/sluiced.log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$work/ctl.sock" ] && break; sleep 0.1; done
out=$("$ctl" peers "$work/relay.ini" 2>&1) || { echo "FAIL: sluicectl peers: $out"; cat "$work/sluiced.log"; exit 1; }
kill -TERM $pid
rc=0
wait $pid || rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL: sluiced without capabilities exited $rc:"
	cat "$work/sluiced.log"
	exit 1
fi
echo "sluiced without capabilities: ok (answers sluicectl, exit 0 on SIGTERM)"
