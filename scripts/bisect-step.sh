#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One step of make bisect: test the commit checked out in a series tree, and
# exit the way git bisect run wants.  scripts/bisect.sh runs it.
#
# Usage: scripts/bisect-step.sh --tree DIR --test kunit:GLOB|torture:SECONDS
#          --arch A [--mmu M] --scheme S --build-dir DIR --results DIR
#          [--build-fail skip|bad] [--overlay PATCH]
#   --overlay PATCH  for kunit: the series patch that adds the suite; applied
#                    on top for this step when the commit does not have the
#                    suite yet (then undone), so earlier commits are testable
# Exit: 0 good, 1 bad, 125 untestable (skip), 255 the step itself could not
# run (git bisect run stops).  Untestable: the scheme's options do not exist
# at this commit (exit 77 of the test), the overlay does not apply, or the
# kernel does not configure or build (--build-fail bad makes that bad).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series-tree.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,15p' "$0"
}

tree= test= arch= mmu= scheme= build_dir= results= build_fail=skip overlay=
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--tree) tree=${2:?}; shift ;;
	--test) test=${2:?}; shift ;;
	--arch) arch=${2:?}; shift ;;
	--mmu) mmu=${2:-}; shift ;;
	--scheme) scheme=${2:?}; shift ;;
	--build-dir) build_dir=${2:?}; shift ;;
	--results) results=${2:?}; shift ;;
	--build-fail) build_fail=${2:?}; shift ;;
	--overlay) overlay=${2:-}; shift ;;
	*) echo "lazymm: unknown option $1; see $0 --help" >&2; exit 255 ;;
	esac
	shift
done
[ -n "$tree" ] && [ -n "$test" ] && [ -n "$results" ] || {
	usage >&2
	exit 255
}

commit=$(git -C "$tree" rev-parse HEAD)
patch=$(series_patch_of "$tree" "$commit")
patch=${patch:-base}
n=$(($(cat "$results/steps" 2>/dev/null | wc -l) + 1))
run=$results/step-$(printf %02d "$n")-${patch%.patch}
mkdir -p "$run"
start=$(date +%s)
overlaid=0

# undo_overlay: put the tree back to the commit, for git bisect's checkout.
undo_overlay() {
	[ $overlaid = 1 ] || return 0
	git -C "$tree" reset -q --hard
	git -C "$tree" clean -q -fdx
	overlaid=0
}

# verdict V WHY: record the step and exit with git bisect run's code for V.
verdict() {
	local code
	case $1 in good) code=0 ;; bad) code=1 ;; skip) code=125 ;; *) code=255 ;; esac
	undo_overlay
	echo "$n ${commit:0:12} $patch $1 $(($(date +%s) - start))s $2" >>"$results/steps"
	note "step $n: $patch: $1 ($2; $run)"
	exit $code
}
trap 'verdict abort "interrupted"' INT TERM

# kunit_has_suite SUITE: does the checked-out tree define a KUnit suite SUITE?
kunit_has_suite() {
	git -C "$tree" grep -q -E "\.name[[:space:]]*=[[:space:]]*\"$1\"" HEAD -- '*.c'
}

run_kunit() {
	local glob=$1 suite=${1%%.*} rc=0
	if [ -n "$overlay" ] && ! kunit_has_suite "$suite"; then
		git -C "$tree" apply "$overlay" 2>"$run/overlay.err" ||
			verdict skip "$(basename "$overlay"), which adds suite $suite, does not apply here"
		overlaid=1
	fi
	LAZYMM_NO_APPLY=1 "$LAZYMM_TOP/scripts/kunit.sh" --no-deps --arch "$arch" \
		${mmu:+--mmu "$mmu"} --scheme "$scheme" --kdir "$tree" \
		--build-dir "$build_dir" --run-dir "$run" -- "$glob" \
		>"$run/step.log" 2>&1 </dev/null || rc=$?
	case $rc in
	0) verdict good "kunit $glob passed" ;;
	77) verdict skip "SCHEME=$scheme does not exist here" ;;
	esac
	# kunit.py prints this only once the kernel is configured and built:
	# before it, a failure is the build's, not the test's.
	if ! grep -q 'Starting KUnit Kernel' "$run/kunit.out" 2>/dev/null; then
		[ "$build_fail" = bad ] && verdict bad "the kernel does not configure or build (see $run/step.log)"
		verdict skip "the kernel does not configure or build (see $run/step.log)"
	fi
	verdict bad "kunit $glob failed: $(tail -n1 "$run/step.log")"
}

run_torture() {
	local secs=$1 rc=0
	LAZYMM_NO_APPLY=1 "$LAZYMM_TOP/scripts/torture.sh" --no-deps --arch "$arch" \
		${mmu:+--mmu "$mmu"} --scheme "$scheme" --duration "$secs" \
		--kdir "$tree" --build-dir "$build_dir" --run-dir "$run" \
		>"$run/step.log" 2>&1 </dev/null || rc=$?
	case $rc in
	0) verdict good "torture ${secs}s passed" ;;
	77) verdict skip "torture.sh cannot run this (exit 77; see $run/step.log)" ;;
	1) verdict bad "torture ${secs}s failed: $(tail -n1 "$run/step.log")" ;;
	*) verdict abort "torture.sh exited $rc (see $run/step.log)" ;;
	esac
}

case $test in
kunit:?*) run_kunit "${test#kunit:}" ;;
torture:?*) run_torture "${test#torture:}" ;;
*) verdict abort "unknown test $test" ;;
esac
