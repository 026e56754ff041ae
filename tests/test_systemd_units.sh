#!/usr/bin/env bash
# contrib/systemd: `systemd-analyze verify` on the units (an instance of each,
# relay "a"), with ExecStart pointed at this build's binaries, since verify
# checks that they exist. Any warning about our files fails the test, as does
# a verify that would not catch a broken unit. Skips (77) without
# systemd-analyze or where it cannot verify even a trivial unit. Then every
# address family sluiced opens a socket of (strace; with an ip6) must be in
# its unit's RestrictAddressFamilies.
set -euo pipefail
build=${SLUICE_BUILD_DIR:?} src=${SLUICE_SOURCE_DIR:?}
units=$src/contrib/systemd
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze is not installed (Debian: package systemd)"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '[Service]\nType=exec\nExecStart=/bin/true\n' >"$work/sluice-probe.service"
if ! systemd-analyze verify "$work/sluice-probe.service" >"$work/probe.log" 2>&1; then
	echo "SKIP: systemd-analyze verify cannot run here: $(head -n 3 "$work/probe.log")"
	exit 77
fi
rm "$work/sluice-probe.service"

for bin in dataplane/sluice-dp control/sluiced; do
	[ -x "$build/$bin" ] || { echo "FAIL: $build/$bin is not built"; exit 1; }
done
# The installed paths, as meson installs them (prefix /usr/local), become the
# build's binaries; everything else is verified as shipped.
subst() {
	sed -e "s#/usr/local/bin/sluice-dp#$build/dataplane/sluice-dp#" \
	    -e "s#/usr/local/bin/sluiced#$build/control/sluiced#" "$1" >"$2"
}
subst "$units/sluice-dp@.service" "$work/sluice-dp@a.service"
subst "$units/sluiced@.service" "$work/sluiced@a.service"
cp "$units/sluice@.target" "$work/sluice@a.target"
grep -q "^ExecStart=$build/dataplane/sluice-dp " "$work/sluice-dp@a.service"
grep -q "^ExecStart=$build/control/sluiced " "$work/sluiced@a.service"

rc=0
(cd "$work" && systemd-analyze verify sluice-dp@a.service sluiced@a.service sluice@a.target) \
	>"$work/verify.log" 2>&1 || rc=$?
# Unknown keys, bad values and the like are only warnings for verify: any
# line naming one of our units is a failure.
if [ $rc -ne 0 ] || grep -E 'sluice(-dp|d)?@' "$work/verify.log"; then
	echo "FAIL: systemd-analyze verify (exit $rc):"
	cat "$work/verify.log"
	exit 1
fi
echo "verify: ok (sluice-dp@a.service, sluiced@a.service, sluice@a.target)"

# The check has teeth: a unit with a missing binary or an unknown key is caught.
sed "s#^ExecStart=[^ ]*#ExecStart=$work/no-such-binary#" "$work/sluiced@a.service" \
	>"$work/sluice-bad@a.service"
sed 's/^NoNewPrivileges=yes/NoNewPrivilege=yes/' "$work/sluiced@a.service" >"$work/sluice-typo@a.service"
for bad in sluice-bad@a.service sluice-typo@a.service; do
	rc=0
	(cd "$work" && systemd-analyze verify "$bad") >"$work/bad.log" 2>&1 || rc=$?
	if [ $rc -eq 0 ] && ! grep -q "$bad" "$work/bad.log"; then
		echo "FAIL: systemd-analyze verify did not catch $bad"
		exit 1
	fi
done
echo "broken units caught: ok"

# What the units promise (contrib/README.md): no dependency between the two
# services, a clean stop by SIGTERM, restarts on failure only.
for u in sluice-dp@ sluiced@; do
	f=$units/$u.service
	if grep -E '^(Requires|Wants|BindsTo|Requisite|After|Before|PartOf)=.*sluice(-dp|d)@' "$f"; then
		echo "FAIL: $u.service depends on or is ordered after the other service"
		exit 1
	fi
	grep -q '^Restart=on-failure$' "$f" || { echo "FAIL: $u.service: Restart=on-failure"; exit 1; }
	grep -q '^NoNewPrivileges=yes$' "$f" || { echo "FAIL: $u.service: NoNewPrivileges"; exit 1; }
done
echo "units: ok"

# The address families sluiced opens sockets of -- with an ip6, the most it
# opens -- are all in sluiced@.service's RestrictAddressFamilies: under
# systemd a socket() of another family fails, and sluiced would not start.
# Read off the binary with strace, not off the source.
if ! command -v strace >/dev/null || ! grep -qs '^0\{31\}1 ' /proc/net/if_inet6; then
	echo "address families: SKIP (no strace, or no ::1 here)"
	exit 0
fi
"$build/control/sluicectl" keygen "$work/a.key" >/dev/null
relay=sdunit$$
trap 'rm -rf "$work" "/dev/shm/sluice-$relay.peers"' EXIT
cat >"$work/a.ini" <<INI
[relay]
name = $relay
ip = 127.0.0.1
ip6 = ::1
key = $work/a.key
control_port = $((30000 + $$ % 20000))
[control]
socket = $work/a.sock
state_file = $work/a.state
[port]
type = null
INI
# LeakSanitizer cannot run under ptrace (sanitized builds)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=socket \
	-o "$work/strace.log" "$build/control/sluiced" -c "$work/a.ini" >"$work/sluiced.log" 2>&1 &
tracer=$!
for _ in $(seq 50); do [ -S "$work/a.sock" ] && break; sleep 0.1; done
pkill -TERM -f "sluiced -c $work/a.ini" || true
wait "$tracer" || true
[ -S "$work/a.sock" ] || grep -q "stopping" "$work/sluiced.log" ||
	{ echo "FAIL: sluiced did not start under strace:"; cat "$work/sluiced.log"; exit 1; }
# shellcheck source=sl_families.sh
. "$src/tests/sl_families.sh"
sl_families_check "$work/strace.log" "$units/sluiced@.service" sluiced AF_INET6
