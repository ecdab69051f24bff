#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the kernel's selftests in the guest, one at a time, from kselftest's
# install directory, and print the results as KTAP, so kunit.py's parser
# counts them like any KUnit suite.
#
# Usage: selftests.sh [-d DIR] [-l LIST] [NAME...]
#   -d DIR    kselftest's install directory (default: kselftest next to
#             this script)
#   -l LIST   the list (default: selftests next to this script)
#   NAME...   only these of the list
# The exit status decides, as kselftest's runner does: 0 ok, 4 a skip, a
# timeout or anything else not ok; and so does the kernel: a report in its
# log while the program ran (a warning, BUG, Oops, a "Bad rss-counter", the
# series' lazy TLB checks, test_vmalloc's "failed: N") fails the case.  A
# line's words before its program: SYSCTL=VALUE (a /proc/sys name with
# dots) is set for the program and put back after it; kmsg=TEXT is a fixed
# text the kernel log must show while it runs (test_vmalloc.sh exits 0
# whatever its module did); machine=M,M... runs it only where uname -m is
# one of them (a skip elsewhere, the reason beside it in the list).
# Output is kept as KTAP diagnostic lines.
. "$(dirname "$0")/ktap.sh"
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/kselftest list=$here/selftests
while getopts d:l: opt; do
	case $opt in
	d) dir=$OPTARG ;;
	l) list=$OPTARG ;;
	*) echo "usage: $0 [-d DIR] [-l LIST] [NAME...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
tmp=${TMPDIR:-/tmp}
# The list's words are never globs.
set -f
# The kernel log reader (the host tests give their own: dmesg -c there
# would clear the host's log).
dmesg=${PEER_DMESG:-dmesg}
REPORTS='WARNING:|BUG[: ]|Oops|Unable to handle kernel|Call Trace:|Call trace:|Kernel panic|Bad rss-counter|non-zero pgtables_bytes|lazy tlb: |KASAN:|Summary: .* failed: [1-9]'

# selected: the list's lines, only those named when names were given.
selected() {
	grep -v '^#' "$list" | grep -v '^$' | while read -r name secs rest; do
		if [ $# = 0 ] || echo " $* " | grep -q " $name "; then
			echo "$name $secs $rest"
		fi
	done
}

# sysctl_path NAME: /proc/sys/vm/overcommit_memory for vm.overcommit_memory
# (PEER_SYSCTL_ROOT for /proc/sys: the host tests' own directory).
sysctl_path() {
	echo "${PEER_SYSCTL_ROOT:-/proc/sys}/$(echo "$1" | tr . /)"
}

# indent FILE: FILE as KTAP diagnostic lines, a last line without its
# newline included (it must not swallow the result line after it).
indent() {
	awk '{ print "    # " $0 }' "$1"
}

# run_case NAME SECS WORD...: one line of the list; prints its diagnostics
# and sets why (empty: ok; "SKIP ...": a skip; else not ok).
run_case() {
	local name=$1 secs=$2 prog want= n=0 rc v t0
	shift 2
	why=
	rm -f "$tmp"/sysctl.*
	while [ $# -gt 0 ]; do
		case $1 in
		kmsg=*) want=${1#kmsg=} ;;
		machine=*)
			case ",${1#machine=}," in
			*,"$(uname -m)",*) ;;
			*) why="SKIP only on ${1#machine=}, not $(uname -m) (see the list)" ;;
			esac ;;
		*=*)
			n=$((n + 1))
			v=$(sysctl_path "${1%%=*}")
			echo "${1%%=*}" >"$tmp/sysctl.$n.name"
			cat "$v" >"$tmp/sysctl.$n.old" 2>/dev/null
			echo "${1#*=}" >"$v" 2>/dev/null
			if [ "$(cat "$v" 2>/dev/null)" != "${1#*=}" ]; then
				why="cannot set ${1%%=*} to ${1#*=}"
			else
				echo "    # $name: ${1%%=*} set to ${1#*=}"
			fi ;;
		*) break ;;
		esac
		shift
	done
	prog=$1
	shift
	echo "    # $name: $prog $* (timeout $secs s)"
	if [ -z "$why" ]; then
		$dmesg -c >/dev/null 2>&1
		t0=$(date +%s)
		# In its own directory, as kselftest runs it (some write files
		# next to themselves); KILL 10 s after a TERM it ignores.
		(cd "$dir/$(dirname "$prog")" &&
			timeout -k 10 "$secs" "./$(basename "$prog")" "$@") </dev/null >"$tmp/selftest.out" 2>&1
		rc=$?
		$dmesg -c >"$tmp/selftest.kmsg" 2>/dev/null
		indent "$tmp/selftest.out"
		echo "    # $name: exit $rc after $(($(date +%s) - t0)) s"
		case $rc in
		0) ;;
		4) why="SKIP (exit 4)" ;;
		124 | 137 | 143) why="TIMEOUT after $secs s" ;;
		*) why="exit $rc" ;;
		esac
		v=$(grep -E "$REPORTS" "$tmp/selftest.kmsg" | head -n 1)
		if [ -n "$v" ]; then
			why="the kernel reported: $v"
		elif [ -z "$why" ] && [ -n "$want" ] && ! grep -qF "$want" "$tmp/selftest.kmsg"; then
			why="no \"$want\" in the kernel log"
		fi
	fi
	# Put every sysctl back, as it was.
	while [ "$n" -gt 0 ]; do
		cat "$tmp/sysctl.$n.old" >"$(sysctl_path "$(cat "$tmp/sysctl.$n.name")")" 2>/dev/null
		n=$((n - 1))
	done
}

for name; do
	grep -q "^$name " "$list" ||
		{ echo "selftests.sh: $name is not in $list" >&2; exit 2; }
done
n=$(selected "$@" | wc -l)
[ "$n" -gt 0 ] || { echo "selftests.sh: nothing of $list selected" >&2; exit 2; }
ktap_begin selftests "$n"
k=0
selected "$@" | while read -r line; do
	k=$((k + 1))
	# shellcheck disable=SC2086 # the line's words
	run_case $line
	set -- $line
	case $why in
	'') echo "    ok $k $1" ;;
	SKIP*) echo "    ok $k $1 # $why" ;;
	*) echo "    not ok $k $1 # $why"; ktap_fail ;;
	esac
done
ktap_end selftests
