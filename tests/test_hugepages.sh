#!/usr/bin/env bash
# The EAL's hugepage path (sl_eal): with enough free hugepages on a hugetlbfs
# mount, sluice-dp must pick them up by itself and relay exactly as on
# ordinary pages. Reserves 2 MB pages for the run (root only), runs the pcap
# end-to-end test on them, and puts the machine's hugepage settings back.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?}
if [ "$(id -u)" -ne 0 ]; then
	echo "skip: reserving hugepages needs root"
	exit 77
fi
nr=/proc/sys/vm/nr_hugepages
old_nr=$(cat $nr)
mnt=
restore() {
	if [ -n "$mnt" ]; then umount "$mnt" && rmdir "$mnt"; fi
	[ "$(cat $nr)" = "$old_nr" ] || echo "$old_nr" >$nr
}
trap restore EXIT
trap "exit 1" INT TERM

free_mb() { awk '/^HugePages_Free:/ {f=$2} /^Hugepagesize:/ {s=$2} END {print int(f * s / 1024)}' /proc/meminfo; }
# sluice-dp asks the EAL for 512 MB (SL_EAL_MEM_MB); a little more for slack.
want_mb=640
page_kb=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
if [ "$(free_mb)" -lt "$want_mb" ] &&
	! echo $((old_nr + (want_mb - $(free_mb)) * 1024 / page_kb)) 2>/dev/null >$nr; then
	echo "skip: $nr is not writable here"
	exit 77
fi
if [ "$(free_mb)" -lt "$want_mb" ]; then
	echo "skip: the kernel reserved only $(free_mb) MB of hugepages, $want_mb MB wanted"
	exit 77
fi
if ! grep -q ' hugetlbfs ' /proc/mounts; then
	mnt=$(mktemp -d)
	if ! mount -t hugetlbfs nodev "$mnt"; then
		rmdir "$mnt"
		mnt=
		echo "skip: cannot mount hugetlbfs here"
		exit 77
	fi
fi
echo "hugepages: $(free_mb) MB free"
SL_EXPECT_MEMORY=hugepages bash "$src/tests/netns/test_e2e_pcap.sh"
