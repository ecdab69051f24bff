#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The peer suites in the guest (qemu/init runs it for lazymm.mode=peer):
# make the Debian userspace's environment, then run each suite, its KTAP
# between marker lines scripts/peer.sh cuts the console at.
#
# Usage: peer.sh SUITES SECONDS [short]
#   SUITES   comma-separated: selftests, stress-ng, perf
#   SECONDS  each stressor's run (stress-ng -t)
#   short    only the cases the file "short" next to this names (make test)
# Prints "lazymm-peer: suite NAME begin", the suite's KTAP, "lazymm-peer:
# suite NAME end exit N" per suite.  Exit: 0 every suite passed, else 1.
suites=$1 secs=$2 short=${3:-}
here=$(dirname "$0")

# What a Debian system has mounted and the tests expect.
mkdir -p /dev/shm /dev/pts /sys/kernel/debug
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t devpts devpts /dev/pts
mount -t debugfs debugfs /sys/kernel/debug
chmod 1777 /tmp
# test_vmalloc.sh loads its module with modprobe: give busybox's modprobe
# the flat /lib/modules the initramfs has, as this kernel's.
rel=$(uname -r)
mkdir -p "/lib/modules/$rel"
for m in /lib/modules/*.ko; do
	[ -f "$m" ] || continue
	ln -sf "$m" "/lib/modules/$rel/"
	echo "$(basename "$m"):" >>"/lib/modules/$rel/modules.dep"
done

rc=0
for s in $(echo "$suites" | tr , ' '); do
	echo "lazymm-peer: suite $s begin"
	names=
	if [ -n "$short" ]; then
		names=$(sed -n "s/^$s //p" "$here/short")
		[ -n "$names" ] || { echo "lazymm-peer: error: $here/short has no line for $s"; rc=1; continue; }
	fi
	# shellcheck disable=SC2086 # names are words
	case $s in
	selftests) "$here/selftests.sh" $names ;;
	stress-ng) "$here/stress-ng.sh" -t "$secs" $names ;;
	perf) "$here/perf.sh" $names ;;
	*) echo "lazymm-peer: error: no suite $s (selftests, stress-ng, perf)"; false ;;
	esac
	src=$?
	echo "lazymm-peer: suite $s end exit $src"
	[ $src = 0 ] || rc=1
done
exit $rc
