#!/usr/bin/env bash
# The main job: a namespace network of two clients, two relays (sluice-dp on
# af_xdp over veth with the XDP prefilter, and sluiced: peers named by key)
# and a sink, fed by sluice-gen with a bounded mix of valid,
# duplicate, invalid and malformed transactions, while a third client floods
# relay A, which limits each ingest source's rate in XDP and blocks sources
# that keep sending forged or malformed transactions. Prints what each relay
# did, whom it rate limited and blocked, and whether every valid transaction
# reached the sink exactly once; exits 0 only then. Needs root (network
# namespaces). Topology: README.md, "The demo".
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
if [ ! -f build/build.ninja ]; then
	CC=${CC:-clang} meson setup build >/dev/null
fi
ninja -C build
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root for network namespaces" >&2
	exit 1
fi
if [ ! -x build/dataplane/sluice-dp ]; then
	echo "demo: build/dataplane/sluice-dp was not built" >&2
	exit 1
fi

# shellcheck source=netns.sh
. scripts/netns.sh
work=$(mktemp -d /tmp/sluice-demo.XXXXXX)
trap 'sl_cleanup' EXIT
trap 'echo "demo: interrupted" >&2; exit 130' INT TERM
sl_netns_lock

echo "demo: clients c1 -> relay a (${SL_IP[a]}), c2 -> relay b (${SL_IP[b]}); a <-> b; b -> sink (${SL_IP[sink]})"
echo "demo: each relay runs sluice-dp (af_xdp, XDP prefilter) and sluiced; the relays know each other by key and address only"
# Relay A lets each ingest source through at 1000/s after a burst of 600 (c1
# sends it fewer than 600 in all); both relays block a source for its forged
# signatures or malformed transactions past what c1 and c2 send in a second
# (40 and 36).
autoblock="[autoblock]
invalid_sig = 60
malformed = 100"
SL_CONF_EXTRA[a]="[prefilter]
rate = 1000
burst = 600

$autoblock"
SL_CONF_EXTRA[b]=$autoblock
echo "demo: c3 floods relay a (${SL_IP[a]}), which takes at most 1000/s (burst 600) from one source and blocks forgers"
status=0
SL_E2E_SLUICED=1 SL_E2E_METRICS=1 SL_E2E_FLOOD=1 SL_XDP_PROG=build/bpf/sl_prefilter.bpf.o \
	sl_e2e_run "$work" build || status=$?
echo "demo: logs, manifests and stats in $work"
exit $status
