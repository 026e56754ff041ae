#!/usr/bin/env bash
# sluicectl top against a running relay (control/README.md, "sluicectl
# top"): relay A (sluice-dp on af_xdp with the XDP prefilter, and sluiced beside it naming relay B
# by key) takes a bounded mix from c1 (valid transactions, duplicates, bad
# signatures, malformed ones) for about 15 s. Verdicts: before sluice-dp
# runs, `top --once` exits 1 with one line; with it, `top` into a pipe
# prints one 80x24 frame; under tmux (80x24) the live view shows non-zero
# rx and forwarded rates, the prefilter's lists, a drop reason and
# sluiced's peers, and `q` ends it
# with status 0. sluicectl runs in the root namespace: the telemetry and
# operator sockets are files (/var/run/dpdk/sluice-a/, $work/a.sock), not
# network-namespaced, so no `ip netns exec` is needed. Needs root.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"
ctl=$build/control/sluicectl
if ! command -v tmux >/dev/null; then
	echo "FAIL: tmux is not installed (scripts/bootstrap.sh installs it)"
	exit 1
fi
tmux_sock=sluice-top-$$
trap 'tmux -L "$tmux_sock" kill-server 2>/dev/null || true; sl_cleanup; rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}

sl_netns_up
for r in a b; do
	SL_PUBKEY[$r]=$("$ctl" keygen "$work/$r.key" --force)
done
# With the XDP prefilter (its lists' line, its drops), but no autoblock:
# c1's forged signatures would shut c1 out, and its rates with it.
SL_CONF_EXTRA[a]=$'[autoblock]\nenabled = false'
SL_XDP_PROG=$build/bpf/sl_prefilter.bpf.o SL_BY_KEY_DIR=$work \
	sl_relay_conf "$work/a.ini" a a af_xdp:veth-a b sink

rc=0
"$ctl" top "$work/a.ini" --once >"$work/none.out" 2>"$work/none.err" || rc=$?
cat "$work/none.err"
[ "$rc" = 1 ] && [ "$(wc -l <"$work/none.err")" = 1 ] && grep -q "not running" "$work/none.err" ||
	fail "top without sluice-dp: exit $rc (want 1 and one line)"

sl_bg "$work/a.log" a "$dp" --duration 120 -c "$work/a.ini"
sl_wait_xdp a veth-a 60 || { cat "$work/a.log"; fail "relay a did not attach to veth-a"; }
sl_bg "$work/a.sluiced.log" a "$build/control/sluiced" -c "$work/a.ini"
sleep 1 # the XSK rings are set up after the program is attached
sl_ns c1 timeout 60 "$build/bench/sluice-gen" --seed 1 --src "${SL_IP[c1]}" \
	--dst "${SL_IP[a]}:$SL_INGEST_PORT" --udp --valid 3000 --dup-pct 25 --bad-sig 300 \
	--malformed 270 --signers 2 --rate 300 --quiet &
gen=$!
sleep 1.5

# Not a terminal: one frame from two samples, then exit 0.
"$ctl" top "$work/a.ini" | tee "$work/pipe.out"
lines=$(wc -l <"$work/pipe.out")
[ "$lines" -le 24 ] && [ "$(awk '{ if (length > m) m = length } END { print m }' "$work/pipe.out")" -le 80 ] ||
	fail "top into a pipe: $lines lines, or one over 80 columns"
grep -q '^rx [1-9]' "$work/pipe.out" || fail "top into a pipe: no rx rate"

# The live view in an 80x24 terminal.
tmux -L "$tmux_sock" -f /dev/null new-session -d -s top -x 80 -y 24 \
	"'$ctl' top '$work/a.ini'; echo \$? >'$work/top.status'"
sleep 3
tmux -L "$tmux_sock" capture-pane -p -t top >"$work/screen.txt"
echo "--- the screen after 3 s:"
cat "$work/screen.txt"
echo "---"
/usr/bin/python3 - "$work/screen.txt" <<'PY' || fail "the screen lacks what top should show"
import re, sys
screen = open(sys.argv[1]).read().splitlines()
def rate(s):
    n = float(s.rstrip("kM"))
    return n * (1e3 if s.endswith("k") else 1e6 if s.endswith("M") else 1)
fails = []
m = next((re.match(r"rx (\S+)/s  forwarded (\S+)/s", l) for l in screen if l.startswith("rx ")), None)
if not m or rate(m.group(1)) <= 0 or rate(m.group(2)) <= 0:
    fails.append(f"no non-zero rx and forwarded rates: {m and m.groups()}")
drops = [l.split()[0] for l in screen if re.match(r"  (xdp )?drop_\w+ +[0-9.]+[kM]? ", l)]
if not drops:
    fails.append("no drop reason with a rate")
if not any(l.startswith("peers (sluiced)") for l in screen):
    fails.append("no peers from sluiced")
if not any(re.match(r"  b +\S+", l) for l in screen) or not any(re.match(r"  sink +static ", l) for l in screen):
    fails.append("peer b (managed) or sink (static) missing")
if not any(re.fullmatch(r"xdp lists: blocklist \d+\+\d+ of 16384, allowlist \d+\+\d+ of 1024 \(IPv4\+IPv6\) *", l)
           for l in screen):
    fails.append("no line of the prefilter's lists")
if len(screen) > 24 or any(len(l) > 80 for l in screen):
    fails.append("more than 80x24")
print("drop reasons on screen:", drops)
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
PY

tmux -L "$tmux_sock" send-keys -t top q
for ((i = 0; i < 50; i++)); do
	tmux -L "$tmux_sock" has-session -t top 2>/dev/null || break
	sleep 0.1
done
! tmux -L "$tmux_sock" has-session -t top 2>/dev/null || fail "top still runs 5 s after q"
[ "$(cat "$work/top.status" 2>/dev/null)" = 0 ] || fail "top exited with '$(cat "$work/top.status" 2>/dev/null)', not 0"
wait "$gen" || fail "the generator failed"
echo "sluicectl top: ok"
