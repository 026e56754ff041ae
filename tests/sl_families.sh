# Sourced by tests/test_systemd_units.sh and tests/test_systemd_caps.sh.
#
# sl_families_check TRACE UNIT WHO MUST...: the address families of the
# socket() calls in TRACE (strace -e trace=socket) must all be in UNIT's
# RestrictAddressFamilies (under systemd a socket() of another family fails),
# and each family MUST must be among them (the trace saw what it was meant
# to). Prints them; exits the test with FAIL otherwise.
sl_families_check() {
	local trace=$1 unit=$2 who=$3 used allowed f
	shift 3
	used=$(grep -o 'socket(AF_[A-Z0-9]*' "$trace" | sed 's/socket(//' | sort -u | tr '\n' ' ')
	allowed=$(sed -n 's/^RestrictAddressFamilies=//p' "$unit")
	for f in $used; do
		[[ " $allowed " == *" $f "* ]] ||
			{ echo "FAIL: $who opens $f sockets, which $(basename "$unit") does not allow ($allowed)"; exit 1; }
	done
	for f in "$@"; do
		[[ " $used" == *" $f "* ]] || { echo "FAIL: no $f socket of $who in the trace: $used"; exit 1; }
	done
	echo "address families: ok ($who opens ${used% })"
}
