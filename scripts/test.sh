#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything CI checks: the host-side tests of the scripts; Debian's own
# configs through olddefconfig with and without the series, one check per
# arch (scripts/config-check.sh); then the KUnit matrix of kunit/matrix, each
# line followed by a short torture boot of the same kernel
# (scripts/torture.sh) and a short peer boot (torture.sh --peer --short:
# qemu/peer/short's selftests, stressors and benchmarks in the Debian
# userspace), "[i/N]" as it goes.  Ends with a table (arch/MMU x scheme:
# KUnit counts, torture verdict, peer counts, time), saved with the record
# and the last line under results/test-DATE/, then one line "N passed, N
# failed[, N skipped]" summing every check; a torture run is one, a peer
# run each of its cases and its judge.
#
# Usage: scripts/test.sh [--host-only] [--kdir DIR] [--torture-seconds N]
#                        [--peer-seconds N]
#   --host-only          only the host-side tests (no kernel build, seconds)
#   --kdir DIR           run the matrix on this 6.1.y tree, not the default
#   --torture-seconds N  workload seconds of each torture boot (default 30,
#                        or $LAZYMM_TORTURE_SECONDS); 0: no torture boots
#   --peer-seconds N     seconds of each stressor of the peer boots (default
#                        3, or $LAZYMM_PEER_SECONDS); 0: no peer boots
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The command as run, for the test dir's record.
cmdline=("$0" "$@")

usage() {
	sed -n 's/^# \{0,1\}//; 3,22p' "$0"
}

# 30 s boots: eight of them are a smoke test (some 150 CPU hotplug
# operations each); make torture's 600 s is the soak.
host_only=0 kdir_opt=() torture_seconds=${LAZYMM_TORTURE_SECONDS:-30}
peer_seconds=${LAZYMM_PEER_SECONDS:-3}
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--host-only) host_only=1 ;;
	--kdir) kdir_opt=(--kdir "${2:?--kdir needs a value}"); shift ;;
	--torture-seconds) torture_seconds=$(optarg "$@"); shift ;;
	--peer-seconds) peer_seconds=$(optarg "$@"); shift ;;
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
	# One process per CPU: the tests spend their time in the scripts.
	python3 "$LAZYMM_TOP/tests/host_test.py" --counts "$counts" --jobs "$(nproc)" || true
	host_counts=$(cat "$counts" 2>/dev/null || echo 0 1 0)
	# shellcheck disable=SC2086
	add $host_counts
	rm -f "$counts"
}

# booted RUN: --built if the KUnit run in RUN booted its kernel (kunit.py
# leaves a console only then): the build dir holds what that run built, so
# the boots below need not ask kunit.py again.  A run whose build failed
# gets nothing, and its boots build (and fail) on their own, never booting
# an older kernel left in the build dir.
booted() {
	[ ! -s "$1/console.log" ] || echo --built
}

# run_torture ARCH MMU SCHEME RUN: a short torture boot of the kernel the
# KUnit run just built (so no second build), counted as one check; sets
# verdict.
run_torture() {
	local rc=0
	# shellcheck disable=SC2046 # booted: one word or none
	"$LAZYMM_TOP/scripts/torture.sh" --no-deps --arch "$1" ${2:+--mmu "$2"} \
		--scheme "$3" --duration "$torture_seconds" --run-dir "$4/torture" \
		"${kdir_opt[@]}" $(booted "$4") </dev/null || rc=$?
	case $rc in
	0) add 1 0 0; verdict=passed ;;
	77) add 0 0 1; verdict=skipped ;;
	*) add 0 1 0; verdict=FAILED ;;
	esac
}

# run_peer ARCH MMU SCHEME RUN: the short peer boot of the same kernel;
# each case and the judge count.  Sets peer ("P/F/S").
run_peer() {
	local rc=0 c
	# shellcheck disable=SC2046 # booted: one word or none
	"$LAZYMM_TOP/scripts/torture.sh" --no-deps --arch "$1" ${2:+--mmu "$2"} \
		--scheme "$3" --peer selftests,stress-ng,perf --short \
		--duration "$peer_seconds" --run-dir "$4/peer" \
		"${kdir_opt[@]}" $(booted "$4") </dev/null || rc=$?
	if [ $rc = 77 ]; then
		add 0 0 1
		peer=skipped
		return
	fi
	c=$(cat "$4/peer/counts" 2>/dev/null || echo 0 1 0)
	# shellcheck disable=SC2086
	add $c
	peer=$(echo "$c" | tr ' ' /)
}

# run_config_check: Debian's own configs through make olddefconfig, base
# tree vs series (scripts/config-check.sh): one check per arch, no build.
run_config_check() {
	local out t0 p=0 f=1
	t0=$(date +%s)
	note "Debian's configs: does the series change them? (scripts/config-check.sh)"
	# Its report stays in the test dir.  (Not through tee /dev/stderr:
	# where stderr is a file, opening it again truncates the file.)
	"$LAZYMM_TOP/scripts/config-check.sh" --no-deps </dev/null \
		>"$test_dir/config-check.txt" || true
	cat "$test_dir/config-check.txt" >&2
	out=$(tail -n 1 "$test_dir/config-check.txt")
	# "config-check: N passed, N failed"; anything else is one failure.
	case $out in
	"config-check: "*" passed, "*" failed")
		# shellcheck disable=SC2086 # its words are wanted
		set -- $out
		p=$2 f=$4 ;;
	esac
	add "$p" "$f" 0
	row "config (Debian)" - - "$p" "$f" 0 - - "$(elapsed "$t0")"
}

# run_kunit_matrix: one scripts/kunit.sh per line of kunit/matrix, "[i/N]"
# as it goes; each adds a row to the table.
run_kunit_matrix() {
	local arch mmu scheme rc run i=0 n t0 c
	n=$(matrix_lines | wc -l)
	while read -r arch mmu scheme; do
		[ "$mmu" != - ] || mmu=
		i=$((i + 1))
		t0=$(date +%s)
		note "[$i/$n] $arch${mmu:+/$mmu}/$scheme"
		run=$test_dir/$arch${mmu:+-$mmu}-$scheme
		rc=0 verdict=- peer=-
		# --built: a kernel that a KUnit run booted, and that nothing
		# has changed since, boots without kbuild's 20-30 s pass over
		# the tree (a warm run; powerpc's second MMU).
		"$LAZYMM_TOP/scripts/kunit.sh" --no-deps --arch "$arch" \
			${mmu:+--mmu "$mmu"} --scheme "$scheme" --run-dir "$run" \
			"${kdir_opt[@]}" --built </dev/null || rc=$?
		if [ $rc = 77 ]; then
			add 0 0 1
			c="- - 1"
			verdict=skipped
		else
			# A run that died before counting anything is one failure.
			c=$(cat "$run/counts" 2>/dev/null || echo 0 1 0)
			# shellcheck disable=SC2086
			add $c
			[ "$torture_seconds" = 0 ] || run_torture "$arch" "$mmu" "$scheme" "$run"
			[ "$peer_seconds" = 0 ] || run_peer "$arch" "$mmu" "$scheme" "$run"
		fi
		# shellcheck disable=SC2086
		row "$arch" "${mmu:--}" "$scheme" $c "$verdict" "$peer" "$(elapsed "$t0")"
	done < <(matrix_lines)
}

# row COLUMN...: one line of the end table.
row() {
	local out='|' c
	for c in "$@"; do
		out="$out $c |"
	done
	rows+=("$out")
}

# elapsed T0: the time since T0 as 5m07s.
elapsed() {
	local s=$(($(date +%s) - $1))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# write_table LINE: the end table and the final LINE on stdout and in the
# test dir, with the record of what ran.
write_table() {
	{
		echo "| arch | MMU | scheme | KUnit passed | failed | skipped | torture ${torture_seconds} s | peer P/F/S | time |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
		printf '%s\n' "${rows[@]}"
	} >"$test_dir/table.md"
	cat "$test_dir/table.md"
	echo "$1" >"$test_dir/result"
	write_record "$test_dir" "${kdir_opt[1]:-$LAZYMM_DEFAULT_KDIR}" "${cmdline[@]}"
	note "table, record and result in $test_dir"
}

# install_host_test_tools: what make check runs, and no more.  Without it (not
# root), the host tests still run: those that need a missing tool are
# skipped, naming it.
install_host_test_tools() {
	"$LAZYMM_TOP/scripts/deps.sh" --host-tests ||
		note "running the host tests anyway; those that need a missing tool are skipped"
}

start=$(date +%s)
rows=()
install_host_test_tools
t0=$start
run_host_tests
# shellcheck disable=SC2086
row "host tests" - - $host_counts - - "$(elapsed "$t0")"
if [ $host_only = 0 ]; then
	# The kernels: every arch's cross compiler and QEMU, and Debian's tree
	# unless --kdir names one.
	"$LAZYMM_TOP/scripts/deps.sh" ${kdir_opt[@]:+--no-tree}
	# The peer boots' Debian userspace is unpacked with mmdebstrap.
	[ "$peer_seconds" = 0 ] || "$LAZYMM_TOP/scripts/deps.sh" --peer
	test_dir=$LAZYMM_RESULTS/test-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$test_dir"
	# Debian's configs go with Debian's tree, not with a --kdir one.
	[ ${#kdir_opt[@]} -gt 0 ] || run_config_check
	run_kunit_matrix
fi
target=test
[ $host_only = 0 ] || target=check
note "make $target took $(($(date +%s) - start)) s"
line="$passed passed, $failed failed"
[ $skipped = 0 ] || line="$line, $skipped skipped"
[ $host_only = 1 ] || write_table "$line"
echo "$line"
[ $failed = 0 ]
