#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything CI checks: the host-side tests of the scripts, then the KUnit
# matrix of kunit/matrix, each line followed by a short torture boot of the
# same kernel (scripts/torture.sh).  Ends with one line "N passed, N failed[,
# N skipped]" summing every check it ran; each torture run is one check.
#
# Usage: scripts/test.sh [--host-only] [--kdir DIR] [--torture-seconds N]
#   --host-only          only the host-side tests (no kernel build, seconds)
#   --kdir DIR           run the matrix on this 6.1.y tree, not the default
#   --torture-seconds N  workload seconds of each torture boot (default 60,
#                        or $LAZYMM_TORTURE_SECONDS); 0: no torture boots
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,13p' "$0"
}

host_only=0 kdir_opt=() torture_seconds=${LAZYMM_TORTURE_SECONDS:-60}
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--host-only) host_only=1 ;;
	--kdir) kdir_opt=(--kdir "${2:?--kdir needs a value}"); shift ;;
	--torture-seconds) torture_seconds=$(optarg "$@"); shift ;;
	*) die "unknown option $1; see $0 --help" ;;
	esac
	shift
done

passed=0 failed=0 skipped=0
# add P F S: add one part's counts to the totals.
add() {
	passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3))
}

# run_host_tests: the scripts' own tests, on fixture trees.
run_host_tests() {
	local counts
	counts=$(mktemp)
	python3 "$LAZYMM_TOP/tests/host_test.py" --counts "$counts" || true
	# shellcheck disable=SC2046
	add $(cat "$counts" 2>/dev/null || echo 0 1 0)
	rm -f "$counts"
}

# run_torture ARCH MMU SCHEME RUN: a short torture boot of the kernel the
# KUnit run just built (so no second build), counted as one check.
run_torture() {
	local rc=0
	"$LAZYMM_TOP/scripts/torture.sh" --no-deps --arch "$1" ${2:+--mmu "$2"} \
		--scheme "$3" --duration "$torture_seconds" --run-dir "$4/torture" \
		"${kdir_opt[@]}" </dev/null || rc=$?
	case $rc in
	0) add 1 0 0 ;;
	77) add 0 0 1 ;;
	*) add 0 1 0 ;;
	esac
}

# run_kunit_matrix: one scripts/kunit.sh per line of kunit/matrix.
run_kunit_matrix() {
	local arch mmu scheme rc run stamp
	stamp=$(date +%Y%m%d-%H%M%S)
	while read -r arch mmu scheme; do
		[ "$mmu" != - ] || mmu=
		run=$LAZYMM_RESULTS/test-$stamp/$arch${mmu:+-$mmu}-$scheme
		rc=0
		"$LAZYMM_TOP/scripts/kunit.sh" --no-deps --arch "$arch" \
			${mmu:+--mmu "$mmu"} --scheme "$scheme" --run-dir "$run" \
			"${kdir_opt[@]}" </dev/null || rc=$?
		if [ $rc = 77 ]; then
			add 0 0 1
		else
			# A run that died before counting anything is one failure.
			# shellcheck disable=SC2046
			add $(cat "$run/counts" 2>/dev/null || echo 0 1 0)
			[ "$torture_seconds" = 0 ] || run_torture "$arch" "$mmu" "$scheme" "$run"
		fi
	done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LAZYMM_TOP/kunit/matrix")
}

# install_host_test_tools: what make check runs, and no more.  Without it (not
# root), the host tests still run: those that need a missing tool are
# skipped, naming it.
install_host_test_tools() {
	"$LAZYMM_TOP/scripts/deps.sh" --host-tests ||
		note "running the host tests anyway; those that need a missing tool are skipped"
}

start=$(date +%s)
install_host_test_tools
run_host_tests
if [ $host_only = 0 ]; then
	# The kernels: every arch's cross compiler and QEMU, and Debian's tree
	# unless --kdir names one.
	"$LAZYMM_TOP/scripts/deps.sh" ${kdir_opt[@]:+--no-tree}
	run_kunit_matrix
fi
target=test
[ $host_only = 0 ] || target=check
note "make $target took $(($(date +%s) - start)) s"
line="$passed passed, $failed failed"
[ $skipped = 0 ] || line="$line, $skipped skipped"
echo "$line"
[ $failed = 0 ]
