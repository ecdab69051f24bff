#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run Debian's stress-ng in the guest, one stressor at a time, and print the
# results as KTAP, so kunit.py's parser counts them like any KUnit suite.
#
# Usage: stress-ng.sh [-t SECONDS] [-i INSTANCES] [-u USER] [-l LIST] [NAME...]
#   -t SECONDS    each stressor's run (default 10)
#   -i INSTANCES  workers per stressor (default 2)
#   -u USER       the unprivileged user of "user" lines (default peer)
#   -l LIST       the stressor list (default: stressors next to this script)
#   NAME...       only these stressors of the list
# stress-ng's exit status decides: 0 ok; 3 (no resource) and 4 (not
# implemented on this system) a skip, with the reason; anything else,
# a failed --verify among them, not ok.  Its own output is kept as KTAP
# diagnostic lines ("# ...") under each result.
. "$(dirname "$0")/ktap.sh"
t=10 i=2 user=peer list=$(dirname "$0")/stressors
# Where the stressors work (writable by the user) and this keeps its files.
tmp=${TMPDIR:-/tmp}
while getopts t:i:u:l: opt; do
	case $opt in
	t) t=$OPTARG ;;
	i) i=$OPTARG ;;
	u) user=$OPTARG ;;
	l) list=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-i INSTANCES] [-u USER] [-l LIST] [NAME...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# selected: the list's lines, only those named when names were given.
selected() {
	grep -v '^#' "$list" | grep -v '^$' | while read -r name who opts; do
		if [ $# = 0 ] || echo " $* " | grep -q " $name "; then
			echo "$name $who $opts"
		fi
	done
}

for name; do
	grep -q "^$name " "$list" ||
		{ echo "stress-ng.sh: $name is not a stressor of $list" >&2; exit 2; }
done
n=$(selected "$@" | wc -l)
[ "$n" -gt 0 ] || { echo "stress-ng.sh: no stressor of $list selected" >&2; exit 2; }
# One suite, "stress-ng", with a case per stressor, nested as KUnit nests.
ktap_begin stress-ng "$n"
k=0
selected "$@" | while read -r name who opts; do
	k=$((k + 1))
	# timeout: stress-ng ends itself after -t; a hung one is killed.
	cmd="timeout -k 10 $((t + 120)) stress-ng --$name $i $opts --timeout $t --verify --metrics-brief --temp-path $tmp"
	echo "    # $name as $who: $cmd"
	t0=$(date +%s)
	if [ "$who" = user ]; then
		# stdin from /dev/null: the loop's own input is the list.
		su -s /bin/sh "$user" -c "cd $tmp && $cmd" </dev/null >"$tmp/stress-ng.out" 2>&1
	else
		(cd "$tmp" && $cmd) </dev/null >"$tmp/stress-ng.out" 2>&1
	fi
	rc=$?
	awk '{ print "    # " $0 }' "$tmp/stress-ng.out"
	echo "    # $name: exit $rc after $(($(date +%s) - t0)) s"
	case $rc in
	0) echo "    ok $k $name" ;;
	3) echo "    ok $k $name # SKIP stress-ng: no resource (exit 3)" ;;
	4) echo "    ok $k $name # SKIP stress-ng: not implemented here (exit 4)" ;;
	*) echo "    not ok $k $name # exit $rc"; ktap_fail ;;
	esac
done
ktap_end stress-ng
