#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the kernel's selftests in the guest, one at a time, from kselftest's
# install directory (this script's own), and print the results as KTAP, so
# kunit.py's parser counts them like any KUnit suite.
#
# Usage: selftests.sh [-l LIST] [NAME...]
#   -l LIST   the list (default: selftests next to this script)
#   NAME...   only these of the list
# The exit status decides, as kselftest's runner does: 0 ok, 4 a skip,
# a timeout or anything else not ok.  A line's SYSCTL=VALUE words are set
# in /proc/sys for its program and put back after it.  The program's own output is kept as
# KTAP diagnostic lines ("# ...") under its result.
dir=$(cd "$(dirname "$0")" && pwd)
list=$dir/selftests
while getopts l: opt; do
	case $opt in
	l) list=$OPTARG ;;
	*) echo "usage: $0 [-l LIST] [NAME...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
tmp=${TMPDIR:-/tmp}

# selected: the list's lines, only those named when names were given.
selected() {
	grep -v '^#' "$list" | grep -v '^$' | while read -r name secs prog args; do
		if [ $# = 0 ] || echo " $* " | grep -q " $name "; then
			echo "$name $secs $prog $args"
		fi
	done
}

for name; do
	grep -q "^$name " "$list" ||
		{ echo "selftests.sh: $name is not in $list" >&2; exit 2; }
done
n=$(selected "$@" | wc -l)
[ "$n" -gt 0 ] || { echo "selftests.sh: nothing of $list selected" >&2; exit 2; }
echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: selftests"
echo "    1..$n"
failed=$tmp/selftests.failed
rm -f "$failed"
k=0
# sysctl_path NAME: /proc/sys/vm/overcommit_memory for vm.overcommit_memory
# (PEER_SYSCTL_ROOT for /proc/sys: the host tests' own directory).
sysctl_path() {
	echo "${PEER_SYSCTL_ROOT:-/proc/sys}/$(echo "$1" | tr . /)"
}

selected "$@" | while read -r name secs prog args; do
	k=$((k + 1))
	restore=
	while case $prog in *=*) true ;; *) false ;; esac; do
		f=$(sysctl_path "${prog%%=*}")
		restore="$restore ${prog%%=*}=$(cat "$f")"
		echo "${prog#*=}" >"$f"
		echo "    # $name: ${prog%%=*} set to ${prog#*=}"
		set -- $args
		prog=$1
		shift
		args=$*
	done
	echo "    # $name: $prog $args (timeout $secs s)"
	# Each runs in its own directory, as kselftest runs it (some write
	# files next to themselves).
	(cd "$dir/$(dirname "$prog")" &&
		timeout "$secs" "./$(basename "$prog")" $args) </dev/null >"$tmp/selftest.out" 2>&1
	rc=$?
	for kv in $restore; do
		echo "${kv#*=}" >"$(sysctl_path "${kv%%=*}")"
	done
	sed 's/^/    # /' "$tmp/selftest.out"
	case $rc in
	0) echo "    ok $k $name" ;;
	4) echo "    ok $k $name # SKIP (exit 4)" ;;
	124 | 143) echo "    not ok $k $name # TIMEOUT after $secs s"; touch "$failed" ;;
	*) echo "    not ok $k $name # exit $rc"; touch "$failed" ;;
	esac
done
if [ -e "$failed" ]; then
	echo "not ok 1 selftests"
	exit 1
fi
echo "ok 1 selftests"
