#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Count a peer run's results, suite by suite, with kunit.py's own KTAP
# parser (the tree's tools/testing/kunit/kunit.py parse).
#
# Usage: scripts/peer-results.sh RUN_DIR KDIR SUITES
#   RUN_DIR  a torture.sh --peer run dir (its console.log)
#   KDIR     the tree whose kunit.py parses
#   SUITES   the suites the run was asked for, comma-separated
# Writes RUN_DIR/peer/SUITE.ktap (the suite's KTAP, cut from the console
# between qemu/peer/peer.sh's marker lines), SUITE.json (kunit.py's),
# SUITE.counts ("passed failed skipped") and SUITE.txt (what did not pass),
# and RUN_DIR/peer/counts, their sum.  A suite that never began (the guest
# died first) counts one failure.  Prints a line per suite.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,15p' "$0"
}

# cut_suite CONSOLE SUITE: the lines between the suite's begin and end
# markers, less the kernel's timestamped lines that interleave with them.
cut_suite() {
	awk -v s="$2" '
		index($0, "lazymm-peer: suite " s " begin") { on = 1; next }
		index($0, "lazymm-peer: suite " s " end") { on = 0 }
		on && !/^\[ *[0-9]+\.[0-9]+\]/ { print }' "$1" | tr -d '\r'
}

main() {
	[ $# = 1 ] && case $1 in -h|--help) usage; exit 0 ;; esac
	[ $# = 3 ] || die "usage: $0 RUN_DIR KDIR SUITES; see $0 --help"
	local res=$1 kdir=$2 suites=$3 s out p f k tp=0 tf=0 tk=0
	[ -f "$res/console.log" ] || die "$res has no console.log; give the run dir of a torture.sh --peer run"
	# kunit.py changes into its tree: give it absolute paths.
	res=$(cd "$res" && pwd)
	[ -f "$kdir/tools/testing/kunit/kunit.py" ] || die "KDIR=$kdir has no tools/testing/kunit/kunit.py"
	out=$res/peer
	mkdir -p "$out"
	for s in $(echo "$suites" | tr , ' '); do
		p=0 f=0 k=0
		cut_suite "$res/console.log" "$s" >"$out/$s.ktap"
		if ! grep -q "lazymm-peer: suite $s begin" "$res/console.log"; then
			f=1
			echo "FAIL $s: the suite never began (see judge.txt)" >"$out/$s.txt"
		else
			python3 "$kdir/tools/testing/kunit/kunit.py" parse \
				--json="$out/$s.json" "$out/$s.ktap" >"$out/$s.parse" 2>&1 || true
			python3 "$LAZYMM_TOP/scripts/kunit-summary.py" "$out/$s.json" \
				>"$out/$s.txt" 2>>"$out/$s.parse" || true
			if ! { read -r p f k <"$out/$s.txt" && [[ "$p $f $k" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]]; }; then
				p=0 f=1 k=0
				echo "FAIL $s: kunit.py found no results in $s.ktap (see $s.parse)" >"$out/$s.txt"
			fi
			# A suite cut short (no end marker) is a failure however
			# many of its cases ran.
			grep -q "lazymm-peer: suite $s end" "$res/console.log" || {
				f=$((f + 1))
				echo "FAIL $s: cut short, no end marker (see judge.txt)" >>"$out/$s.txt"
			}
		fi
		echo "$p $f $k" >"$out/$s.counts"
		tp=$((tp + p)) tf=$((tf + f)) tk=$((tk + k))
		echo "  $s: $p passed, $f failed, $k skipped"
		grep -v '^[0-9]' "$out/$s.txt" | sed 's/^/    /' || true
	done
	echo "$tp $tf $tk" >"$out/counts"
}

main "$@"
