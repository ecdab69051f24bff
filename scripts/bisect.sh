#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Find the first patch of the series that fails a test, with git bisect run.
#
# Usage: scripts/bisect.sh --good PATCH --bad PATCH|end --test TEST [options]
#   --good PATCH     a patch that passes: its file name in patches/series, its
#                    number (0008 or 8), or "base" (the tree without the series)
#   --bad PATCH      a patch that fails, or "end" (the whole series)
#   --test TEST      kunit:GLOB      scripts/kunit.sh with kunit.py's filter GLOB
#                                    (a suite name, or suite.case)
#                    torture:SECONDS scripts/torture.sh --duration SECONDS
#   --arch A, --mmu M, --scheme S    as for make kunit (x86_64, -, refcount)
#   --kdir DIR       bisect on your own 6.1.y git tree (its HEAD, or the base of
#                    the series make apply put there) instead of Debian's tarball
#   --build-fail skip|bad  a commit whose kernel does not build (default skip)
#   --no-deps        do not check for (or install) Debian packages
# Prints "first bad patch: FILE" and "subject: SUBJECT".  Exit: 0 found, 1 bad
# input, an error, or no single first bad patch (untestable commits in the way).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The command as run, for the results dir's record.
cmdline=("$0" "$@")
. "$(dirname "$0")/series-tree.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,18p' "$0"
}

good= bad= test= arch=x86_64 mmu= scheme=refcount kdir= build_fail=skip deps=1
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--good) good=$(optarg "$@"); shift ;;
	--bad) bad=$(optarg "$@"); shift ;;
	--test) test=$(optarg "$@"); shift ;;
	--arch) arch=$(optarg "$@"); shift ;;
	--mmu) mmu=$(optarg "$@"); shift ;;
	--scheme) scheme=$(optarg "$@"); shift ;;
	--kdir) kdir=$(optarg "$@"); shift ;;
	--build-fail) build_fail=$(optarg "$@"); shift ;;
	--no-deps) deps=0 ;;
	*) die "unknown option $1; see $0 --help" ;;
	esac
	shift
done

# Every bad choice fails here, before anything slow happens.
[ -n "$good" ] || die "no GOOD patch; give GOOD=<patch that passes> (a file name, its number, or base)"
[ -n "$bad" ] || die "no BAD patch; give BAD=<patch that fails> (a file name, its number, or end)"
[ -n "$test" ] || die "no TEST; give TEST=kunit:SUITE or TEST=torture:SECONDS"
case $test in
kunit:?*) ;;
torture:*)
	[[ ${test#torture:} =~ ^[1-9][0-9]*$ ]] ||
		die "TEST=$test needs a duration in seconds; e.g. TEST=torture:60"
	[ -x "$LAZYMM_TOP/scripts/torture.sh" ] ||
		die "TEST=$test needs scripts/torture.sh, which this clone does not have yet (issue 5); use TEST=kunit:SUITE" ;;
*) die "unknown TEST=$test; use kunit:SUITE (e.g. kunit:lazy_tlb) or torture:SECONDS" ;;
esac
case $build_fail in skip|bad) ;; *) die "unknown BUILD_FAIL=$build_fail; use skip or bad" ;; esac
load_arch "$arch" "$mmu"
scheme_fragment "$scheme" >/dev/null
n=$(series_patches | wc -l)
[ "$n" -gt 0 ] || die "patches/series names no patch; there is nothing to bisect"
gi=$(series_index "$good")
[ -n "$gi" ] || die "GOOD=$good is not a patch in patches/series; use a file name from it, its number, or base"
[ "$bad" != base ] || die "BAD=base: the tree without the series cannot be the bad one; use a patch or end"
if [ "$bad" = end ]; then bi=$n; else bi=$(series_index "$bad"); fi
[ -n "$bi" ] || die "BAD=$bad is not a patch in patches/series; use a file name from it, its number, or end"
[ "$gi" -lt "$bi" ] ||
	die "GOOD=$good is not before BAD=$bad in patches/series; GOOD must be an earlier patch (or base)"

# The suite's patch, to overlay on commits that do not have the suite yet.
overlay=
if [[ $test == kunit:* ]]; then
	suite=${test#kunit:}
	suite=${suite%%.*}
	if [[ $suite != *[][*?]* ]]; then
		# shellcheck disable=SC2046 # one argument per patch is wanted
		overlay=$(cd "$LAZYMM_TOP/patches" && grep -l -E "^\+.*\.name[[:space:]]*=[[:space:]]*\"$suite\"" \
			$(series_patches) 2>/dev/null | head -n1) || true
		[ -z "$overlay" ] || overlay=$LAZYMM_TOP/patches/$overlay
	fi
fi

# series_suites: the KUnit suites the series adds (.name = "..." in a patch).
series_suites() {
	# shellcheck disable=SC2046 # one argument per patch is wanted
	(cd "$LAZYMM_TOP/patches" && sed -nE 's/^\+.*\.name[[:space:]]*=[[:space:]]*"([A-Za-z0-9_]+)".*/\1/p' \
		$(series_patches)) | sort -u
}

# check_kunit_glob GLOB: die unless GLOB (SUITE or SUITE.CASE, globs allowed)
# names a suite lazymm runs, and a case of it the series adds: a misspelt
# name would otherwise bisect every step to "no case ran".
check_kunit_glob() {
	local glob=$1 sglob cglob known s hit=
	sglob=${glob%%.*}
	cglob=
	[ "$sglob" = "$glob" ] || cglob=${glob#*.}
	# The kernel's own example suite runs too (kunit/lazymm.kunitconfig).
	known="$(echo $(series_suites)) example"
	for s in $known; do
		# shellcheck disable=SC2053 # GLOB is a pattern
		[[ $s == $sglob ]] && hit=$s
	done
	[ -n "$hit" ] ||
		die "TEST=kunit:$glob names no suite lazymm runs; use one of: $known (or SUITE.CASE)"
	[ -n "$cglob" ] && [[ $cglob != *[][*?]* ]] && [[ $sglob != *[][*?]* ]] &&
		[ "$sglob" != example ] || return 0
	# shellcheck disable=SC2046
	(cd "$LAZYMM_TOP/patches" && grep -qE "^\+.*KUNIT_CASE[A-Z_]*\($cglob[,)]" $(series_patches)) ||
		die "TEST=kunit:$glob: suite $sglob has no case $cglob in the series; see its KUNIT_CASE list, or give the suite alone"
}
[[ $test != kunit:* ]] || check_kunit_glob "${test#kunit:}"

[ $deps = 0 ] || "$LAZYMM_TOP/scripts/deps.sh" ${kdir:+--no-tree} "$arch"

# The tree: a worktree lazymm owns, of the cached import or of KDIR.
if [ -n "$kdir" ]; then
	kdir=$(resolve_kdir "$kdir")
	is_git_tree "$kdir" ||
		die "KDIR=$kdir is not a git tree, and make bisect needs one; use a git tree, or leave KDIR unset for Debian's tarball"
	[ -z "$(git -C "$kdir" status --porcelain --untracked-files=no)" ] ||
		die "KDIR=$kdir has uncommitted changes, which a bisect of commits would leave out; commit or stash them first"
	base=HEAD
	# A tree make apply patched: bisect the series on the tree below it.
	if [ "$(git -C "$kdir" rev-parse -q --verify refs/lazymm/applied)" = "$(git -C "$kdir" rev-parse HEAD)" ]; then
		base=refs/lazymm/base
	fi
	base=$(git -C "$kdir" rev-parse --verify "$base^{commit}")
	work=$LAZYMM_CACHE/bisect-kdir/$(echo "$kdir" | sha256sum | cut -c1-12)
	repo=$kdir
else
	repo=$("$LAZYMM_TOP/scripts/base-git.sh")
	base=$(git -C "$repo" rev-parse refs/lazymm/pristine)
	work=$LAZYMM_CACHE/series
fi
tree=$work/linux
mkdir -p "$work"
prepare_series_tree "$work" "$repo" "$tree" "$base"

if [[ $test == kunit:* ]]; then
	build_dir=$work/build/$arch-$scheme
else
	build_dir=$work/build/torture-$TARGET-$scheme
fi
res=$LAZYMM_RESULTS/bisect-$(date +%Y%m%d-%H%M%S)-$TARGET-$scheme
mkdir -p "$res" "$build_dir"
: >"$res/steps"
goodc=$(series_commit "$tree" "$gi")
badc=$(series_commit "$tree" "$bi")
step=("$LAZYMM_TOP/scripts/bisect-step.sh" --tree "$tree" --test "$test"
	--arch "$arch" --mmu "$MMU" --scheme "$scheme" --build-dir "$build_dir"
	--results "$res" --build-fail "$build_fail" --overlay "$overlay")
printf '%q ' "$0" --good "$good" --bad "$bad" --test "$test" --arch "$arch" \
	${mmu:+--mmu "$mmu"} --scheme "$scheme" ${kdir:+--kdir "$kdir"} \
	--build-fail "$build_fail" >"$res/bisect.cmd"
echo >>"$res/bisect.cmd"
write_record "$res" "$tree" "${cmdline[@]}"

start=$(date +%s)
# cleanup: end the bisection where HEAD is, then check out the series' end.
cleanup() {
	reset_tree "$tree"
	git -C "$tree" checkout -q -f --detach "$(series_commit "$tree" "$n")" 2>/dev/null || true
}
trap 'kill "${relay_pid:-}" 2>/dev/null; cleanup; echo >&2; die "interrupted; results so far in $res"' INT TERM
goodp=$(series_patch_of "$tree" "$goodc")
note "bisecting $((bi - gi)) patches after GOOD=${goodp:-base} up to BAD=$(series_patch_of "$tree" "$badc"), TEST=$test on $TARGET/$scheme; results in $res"

# test_at COMMIT: run the step on one commit outside git bisect; print its verdict.
test_at() {
	local rc=0
	git -C "$tree" checkout -q -f --detach "$1"
	"${step[@]}" >/dev/null 2>&1 || rc=$?
	case $rc in 0) echo good ;; 1) echo bad ;; 125) echo skip ;; *) echo abort ;; esac
}

# relay_steps: print each line bisect-step.sh adds to steps as the step
# ends (git bisect run's own output goes to run.log), with the steps git
# bisect expects are left; relay_steps_end prints the rest and stops.
# The count relayed so far is in a file: the relay runs in the background.
# It is asked to stop (a file), never killed: killed between counting a
# step and printing it, it lost that step's line (seen under load).
echo 0 >"$res/.relayed"
rm -f "$res/.relay-stop"
relay_new_steps() {
	local n left relayed
	relayed=$(cat "$res/.relayed")
	n=$(wc -l <"$res/steps")
	while [ "$relayed" -lt "$n" ]; do
		relayed=$((relayed + 1))
		echo "$relayed" >"$res/.relayed"
		left=$(sed -n 's/^Bisecting: .*(roughly \([0-9]*\) steps\{0,1\})$/\1/p' "$res/run.log" | tail -n 1)
		note "step $(sed -n "${relayed}p" "$res/steps")${left:+ ($left more to go, roughly)}"
	done
}
relay_steps() {
	while [ ! -e "$res/.relay-stop" ] && nap 1; do
		relay_new_steps
	done
}
relay_steps_end() {
	touch "$res/.relay-stop"
	wait "$relay_pid" 2>/dev/null || true
	relay_new_steps
	rm -f "$res/.relay-stop"
}

rc=0
git -C "$tree" bisect start "$badc" "$goodc" >"$res/run.log" 2>&1 || rc=$?
relay_steps &
relay_pid=$!
[ $rc != 0 ] || git -C "$tree" bisect run "${step[@]}" >>"$res/run.log" 2>&1 || rc=$?
relay_steps_end
git -C "$tree" bisect log >"$res/bisect.log" 2>/dev/null || true
first=$(sed -n 's/^\([0-9a-f]\{40\}\) is the first bad commit$/\1/p' "$res/run.log" | head -n1)
cleanup
trap - INT TERM
if [ -z "$first" ]; then
	if grep -q "could be any of" "$res/run.log"; then
		note "no single first bad patch: untestable commits in the way; it is one of:"
		sed -n '/could be any of/,/^We cannot bisect more/p' "$res/run.log" | grep -E '^[0-9a-f]{40}$' |
		while read -r c; do
			p=$(series_patch_of "$tree" "$c")
			echo "  $p: $(patch_subject "$LAZYMM_TOP/patches/$p")" >&2
		done
		die "bisect inconclusive after $(wc -l <"$res/steps") steps; see why each step was skipped above, and $res/run.log"
	fi
	sed 's/^/  /' "$res/run.log" | tail -n 20 >&2
	die "git bisect run failed (exit $rc; see above and $res/run.log)"
fi

# git bisect run never tests GOOD or BAD themselves: when the answer is next
# to one of them, test it, so a BAD that passes or a GOOD that fails is not
# reported as a culprit.
fi_=$(series_index "$(series_patch_of "$tree" "$first")")
if [ "$fi_" = "$bi" ] && ! grep -q " ${badc:0:12} " "$res/steps"; then
	v=$(test_at "$badc")
	relay_new_steps
	case $v in
	bad) ;;
	good) die "BAD=$bad passes TEST=$test, so nothing between GOOD and BAD fails it; check the test, or pick a later BAD" ;;
	*) die "BAD=$bad cannot be tested ($(tail -n1 "$res/steps" | cut -d' ' -f5-)); pick a BAD that builds and runs the test" ;;
	esac
fi
if [ "$fi_" = $((gi + 1)) ] && ! grep -q " ${goodc:0:12} " "$res/steps"; then
	v=$(test_at "$goodc")
	relay_new_steps
	case $v in
	bad) die "GOOD=$good fails TEST=$test too, so the first bad patch is at or before it; pick an earlier GOOD" ;;
	good) ;;
	*) note "GOOD=$good itself cannot be tested ($(tail -n1 "$res/steps" | cut -d' ' -f5-)); trusting that it is good" ;;
	esac
fi
cleanup

p=$(series_patch_of "$tree" "$first")
elapsed=$(($(date +%s) - start))
note "$(wc -l <"$res/steps") test runs, $((elapsed / 60))m$((elapsed % 60))s; results in $res"
echo "first bad patch: $p"
echo "subject: $(patch_subject "$LAZYMM_TOP/patches/$p")"
echo "first bad patch: $p" >"$res/result"
