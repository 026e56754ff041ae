#!/usr/bin/env bash
# The prefilter's lists across restarts of sluice-dp ([prefilter] state_file,
# dataplane/sl_pfstate.h), end to end. Relay A alone (sluice-dp on af_xdp
# with the XDP prefilter; sl_bg keeps the host's mounts, so sluicectl sees
# its pinned maps), its state file in the test's folder:
#   save     sluicectl blocks an IPv4 /24 for an hour, another for 3 s, an
#            IPv6 /64 for good, allows a prefix and sets a rate; SIGINT: the
#            file holds the three blocks (ends in Unix seconds, never) and
#            the allow;
#   restore  two bad lines added by hand; once the 3 s block has ended, A
#            starts again: it logs each bad line (file:line: reason) and one
#            line of counts; sluicectl shows the hour's block with the hour
#            less the time since (+-2 s), the /64 for good, the allow, not
#            the ended block; the rate is the config's again (run time
#            only); the file is not rewritten for its bad lines alone;
#   crash    a block made with sluicectl is in the file within about a
#            second (the autoblock thread's sweep tick); A is killed with
#            SIGKILL, starts again, and has the block.
# Needs root; about 10 s.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?} build=${SLUICE_BUILD_DIR:?}
# shellcheck source=../../scripts/netns.sh
. "$src/scripts/netns.sh"
sl_netns_test_begin "$build"

ctl=$build/control/sluicectl
export SL_XDP_PROG=$build/bpf/sl_prefilter.bpf.o
conf=$work/a.ini state=$work/a.prefilter # sl_relay_conf puts the state file there
pins=/sys/fs/bpf/sluice/a

now() { date +%s.%N; }

# start_a LOG: relay A in the background; returns once it has pinned its
# maps and said it runs (a crashed run's pins are there before: not enough).
start_a() {
	local log=$work/$1 i
	sl_bg "$log" a "$dp" --duration 120 -c "$conf"
	A_PID=${SL_BG_PIDS[-1]}
	for ((i = 0; i < 600; i++)); do
		grep -q ' worker(s), ' "$log" && [ -e "$pins/sl_pf_block" ] && return 0
		kill -0 "$A_PID" 2>/dev/null || sl_fail "relay A exited at start"
		sleep 0.1
	done
	sl_fail "relay A did not start within 60 s"
}

# stop_a SIGNAL: stop A and wait for it; its exit status in A_RC.
stop_a() {
	kill "-$1" "$A_PID"
	A_RC=0
	wait "$A_PID" || A_RC=$?
	SL_BG_PIDS=() # A was the only one
}

ctl_ok() {
	"$ctl" "$@" >>"$work/ctl.log" 2>&1 || sl_fail "sluicectl $*: $(tail -n 1 "$work/ctl.log")"
}

sl_netns_up
sl_bpffs || sl_fail "no BPF file system at /sys/fs/bpf, and none could be mounted"
sl_relay_conf "$conf" a a af_xdp:veth-a b
grep -q "^state_file = $state\$" "$conf" || sl_fail "sl_relay_conf wrote no state_file: $(cat "$conf")"
rm -f "$state"

# ---- save ----
start_a a1.log
ctl_ok block "$conf" 10.99.7.0/24 --for 1h
# The block began before this, by at most sluicectl's run: what is left of
# it is at most that shorter than reckoned from here, and its end is
# rounded up twice (the file's second, sluicectl's): within +-2 s.
t_block=$(now)
ctl_ok block "$conf" 10.99.8.0/24 --for 3s
t_3s=$(now)
ctl_ok block "$conf" 2001:db8:7:1::/64
ctl_ok allow "$conf" 10.99.5.0/28
ctl_ok ratelimit "$conf" 100 100
stop_a INT
[ "$A_RC" = 0 ] || sl_fail "relay A exited with $A_RC after SIGINT"
[ ! -e "$pins" ] || sl_fail "A's pinned maps outlived its clean exit"
[ "$(stat -c %a "$state")" = 644 ] || sl_fail "the state file's mode is $(stat -c %a "$state"), not 644"
/usr/bin/python3 - "$state" "$t_block" "$t_3s" <<'PY' || sl_fail "the state file after SIGINT: $(cat "$state")"
import sys
lines = [l.split() for l in open(sys.argv[1]) if not l.startswith("#")]
t, t_3s = float(sys.argv[2]), float(sys.argv[3])
print("save: the state file holds", lines)
assert [l[:2] for l in lines] == [["block", "10.99.7.0/24"], ["block", "10.99.8.0/24"],
                                  ["block", "2001:db8:7:1::/64"], ["allow", "10.99.5.0/28"]], lines
assert lines[2][2] == "never" and len(lines[3]) == 2, lines
assert abs(int(lines[0][2]) - (t + 3600)) <= 2, (lines[0], t + 3600)
assert abs(int(lines[1][2]) - (t_3s + 3)) <= 2, (lines[1], t_3s + 3)
PY
echo "save: SIGINT wrote both families' blocks (ends in Unix seconds, never) and the allow"

# ---- restore ----
printf 'block 10.99.1.2/24 never\nallow nonsense\n' >>"$state"
bad1=$(($(wc -l <"$state") - 1)) bad2=$(wc -l <"$state")
# the 3 s block has ended: it began before t_3s, and the file rounded its
# end up to the second
sleep "$(awk -v a="$t_3s" -v b="$(now)" 'BEGIN { d = a + 4.2 - b; printf "%.2f", (d > 0 ? d : 0) }')"
start_a a2.log
grep -F "prefilter state file $state:$bad1: bad CIDR '10.99.1.2/24': host bits set past /24" \
	"$work/a2.log" >/dev/null || sl_fail "A did not report line $bad1 of its state file"
grep -F "prefilter state file $state:$bad2: bad CIDR 'nonsense'" "$work/a2.log" >/dev/null ||
	sl_fail "A did not report line $bad2 of its state file"
grep -F "prefilter state file $state: restored 2 blocks and 1 allow (1 ended while sluice-dp was down, 2 lines skipped, 0 failed)" \
	"$work/a2.log" || sl_fail "A's restore line"
blocks=$("$ctl" blocklist "$conf" --json) || sl_fail "sluicectl blocklist: $blocks"
t_list=$(now)
allows=$("$ctl" allowlist "$conf" --json) || sl_fail "sluicectl allowlist: $allows"
stats=$("$ctl" xdp-stats "$conf" --json) || sl_fail "sluicectl xdp-stats: $stats"
/usr/bin/python3 - "$blocks" "$allows" "$stats" "$t_block" "$t_list" <<'PY' || sl_fail "the lists after the restart"
import json, sys
blocks = json.loads(sys.argv[1])["blocklist"]
allows = json.loads(sys.argv[2])["allowlist"]
stats = json.loads(sys.argv[3])
t_block, t_now = float(sys.argv[4]), float(sys.argv[5])
print("restore: blocklist", blocks, "allowlist", allows)
by = {b["prefix"]: b for b in blocks}
assert sorted(by) == ["10.99.7.0/24", "2001:db8:7:1::/64"], blocks  # 10.99.8.0/24 ended
want = 3600 - (t_now - t_block)
assert by["10.99.7.0/24"]["state"] == "active", blocks
assert abs(by["10.99.7.0/24"]["remaining_s"] - want) <= 2, (by["10.99.7.0/24"], want)
assert by["2001:db8:7:1::/64"]["state"] == "permanent", blocks
assert allows == ["10.99.5.0/28"], allows
assert stats["rate_pps"] == 0, stats["rate_pps"]  # the config's: sluicectl ratelimit is run time only
print(f"restore: 10.99.7.0/24 has {by['10.99.7.0/24']['remaining_s']} s left, {want:.1f} expected")
PY
sleep 1.5 # a sweep tick or two: nothing changed, so nothing is written
grep -q '^allow nonsense$' "$state" || sl_fail "A rewrote its state file with nothing changed"
echo "restore: the lists are back, the ended block is not, the rate is the config's"

# ---- crash ----
ctl_ok block "$conf" 10.99.9.0/24 --for 1h
t0=$(now)
for ((i = 0; i < 30; i++)); do
	grep -q '^block 10.99.9.0/24 ' "$state" && break
	sleep 0.1
done
grep -q '^block 10.99.9.0/24 ' "$state" || sl_fail "the block was not saved within 3 s: $(cat "$state")"
echo "crash: the block was in the state file $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s after sluicectl"
stop_a KILL
# A killed af_xdp process leaves its XDP program on the link (and its pins)
ip -n sl-a link set veth-a xdp off 2>/dev/null || true
start_a a3.log
grep -F "restored 3 blocks and 1 allow (0 ended while sluice-dp was down, 0 lines skipped, 0 failed)" \
	"$work/a3.log" >/dev/null || sl_fail "A's restore after SIGKILL: $(grep -F 'prefilter state' "$work/a3.log")"
blocks=$("$ctl" blocklist "$conf" --json) || sl_fail "sluicectl blocklist: $blocks"
/usr/bin/python3 - "$blocks" <<'PY' || sl_fail "the lists after SIGKILL"
import json, sys
by = {b["prefix"]: b for b in json.loads(sys.argv[1])["blocklist"]}
print("crash: blocklist after SIGKILL and a restart", sorted(by))
assert sorted(by) == ["10.99.7.0/24", "10.99.9.0/24", "2001:db8:7:1::/64"], by
assert by["10.99.9.0/24"]["state"] == "active" and 3590 <= by["10.99.9.0/24"]["remaining_s"] <= 3601, by
PY
stop_a INT
[ "$A_RC" = 0 ] || sl_fail "relay A exited with $A_RC after SIGINT"
echo "pfstate: ok"
