#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Write LAVA job definitions for the test matrix (kunit/matrix), with the
# artefacts they boot, so that a LAVA farm runs the matrix as it is.
#
# Usage: scripts/lava.sh [options]
#   --arch ARCH      only this arch's matrix lines (default: every line)
#   --mmu MMU        only this MMU (powerpc: radix or hash)
#   --scheme SCHEME  only this scheme
#   --test TEST      kunit, torture or both (default: both; peer: not yet)
#   --duration SEC   torture workload seconds (default 60; make test's
#                    torture boots are 30)
#   --rcutorture     the torture jobs run rcutorture (as make torture
#                    RCUTORTURE=1), not the stress program
#   --out DIR        where jobs and artefacts go (default results/lava)
#   --artifacts-url URL  where a farm fetches DIR's artefacts from (default:
#                    file://DIR, for lava-run on this machine);
#                    also $LAVA_ARTIFACTS_URL
#   --kdir DIR       the tree to build from (default: Debian's, series applied)
#   --no-deps        do not check for (or install) Debian packages
# Per cell (matrix line x test): the kernel (the KUnit kernel of ARCH and
# SCHEME, built if needed), for torture the initramfs, and the UEFI
# firmware the target boots through, copied into DIR/CELL/ with a
# SHA256SUMS; the job is DIR/CELL.yaml (scripts/lava-jobs.py: LAVA's qemu
# device type, the QEMU command make kunit / make torture runs, results by
# LAVA's monitors).  DIR/jobs lists the cells.  Upload DIR/*/ to the URL and
# submit the jobs with lavacli (README: "Running on a LAVA farm").
# Exit: 0 every selected cell written, 1 a cell failed (named) or bad usage.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,25p' "$0"
}

arch= mmu= scheme= test=both duration=60 out= kdir= deps=1 mode=stress
url=${LAVA_ARTIFACTS_URL:-}
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	# Given empty (make lava ARCH=) is a mistake, not "all".
	--arch) arch=$(optarg "$@"); shift; [ -n "$arch" ] || load_arch "" ;;
	--mmu) mmu=$(optarg "$@"); shift
		[ -n "$mmu" ] || die "$(empty --mmu MMU) is empty; drop it or use radix or hash" ;;
	--scheme) scheme=$(optarg "$@"); shift; [ -n "$scheme" ] || scheme_fragment "" ;;
	--test) test=$(optarg "$@"); shift ;;
	--duration) duration=$(optarg "$@"); shift ;;
	--out) out=$(optarg "$@"); shift ;;
	--artifacts-url) url=$(optarg "$@"); shift ;;
	--kdir) kdir=$(optarg "$@"); shift ;;
	--no-deps) deps=0 ;;
	--rcutorture) mode=rcutorture ;;
	*) die "unknown option $1; see $0 --help" ;;
	esac
	shift
done

case $test in
kunit | torture) tests=("$test") ;;
both) tests=(kunit torture) ;;
peer) die "$(named --test TEST)peer: the peer suites are not built yet (issue 16); use kunit or torture" ;;
*) die "unknown $(named --test TEST)$test; use kunit, torture or both" ;;
esac
case $duration in
'' | *[!0-9]* | 0) die "$(named --duration DURATION)$duration is not a positive number of seconds" ;;
esac
[ -z "$arch" ] || load_arch "$arch" "$mmu"
[ -z "$mmu" ] || [ -n "$arch" ] || die "$(named --mmu MMU)$mmu needs $(named --arch ARCH)powerpc"
[ -z "$scheme" ] || scheme_fragment "$scheme" >/dev/null

# selected_cells: the matrix lines ARCH MMU SCHEME the options select.
selected_cells() {
	local a m s
	while read -r a m s; do
		[ -z "$arch" ] || [ "$a" = "$arch" ] || continue
		[ -z "$mmu" ] || [ "$m" = "$mmu" ] || continue
		[ -z "$scheme" ] || [ "$s" = "$scheme" ] || continue
		echo "$a $m $s"
	done < <(matrix_lines)
}
mapfile -t cells < <(selected_cells)
[ ${#cells[@]} -gt 0 ] ||
	die "no line of kunit/matrix has ARCH=${arch:-any} MMU=${mmu:-any} SCHEME=${scheme:-any}; see kunit/matrix"

out=${out:-$LAZYMM_RESULTS/lava}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ $deps = 1 ]; then
	# python3-yaml for the jobs; the archs' QEMU and firmware packages
	# hold the firmware files the jobs ship.
	"$LAZYMM_TOP/scripts/deps.sh" --lava
	"$LAZYMM_TOP/scripts/deps.sh" ${kdir:+--no-tree} $(for c in "${cells[@]}"; do echo "${c%% *}"; done | sort -u)
fi
[ -z "$kdir" ] || kdir=$(resolve_kdir "$kdir")
[ -n "$kdir" ] || kdir=$("$LAZYMM_TOP/scripts/get-tree.sh")

# qemu_argv_kunit ARCH MMU SCHEME FILE: build the KUnit kernel, write the
# QEMU command kunit.py would boot it with (NUL-separated) to FILE.
qemu_argv_kunit() {
	local a=$1 m=$2 s=$3 file=$4 build=$LAZYMM_CACHE/build/$1-$3
	"$LAZYMM_TOP/scripts/kunit.sh" --build-only --no-deps --arch "$a" \
		${m:+--mmu "$m"} --scheme "$s" --kdir "$kdir" --build-dir "$build" \
		--run-dir "$(dirname "$file")/build" >/dev/null || return
	load_arch "$a" "$m"
	python3 "$LAZYMM_TOP/qemu/qemu-cmd.py" -0 --kunit --target "$TARGET" \
		--build-dir "$build" >"$file"
}

# qemu_argv_torture ARCH MMU SCHEME FILE: kernel and initramfs through
# scripts/torture.sh --prepare-only, which writes the command it would run.
qemu_argv_torture() {
	local a=$1 m=$2 s=$3 file=$4 run
	run=$(dirname "$file")/torture
	local variant=()
	[ $mode = stress ] || variant=(--rcutorture)
	"$LAZYMM_TOP/scripts/torture.sh" --prepare-only --no-deps --arch "$a" \
		${m:+--mmu "$m"} --scheme "$s" --kdir "$kdir" --duration "$duration" \
		"${variant[@]}" --run-dir "$run" >/dev/null || return
	cp "$run/qemu.argv" "$file"
}

# write_cell TEST ARCH MMU SCHEME: the cell's artefacts and job; its name.
write_cell() {
	local t=$1 a=$2 m=$3 s=$4 name work argv expect rc=0
	load_arch "$a" "$m"
	name=$t-$TARGET-$s
	[ $t = kunit ] || [ $mode = stress ] || name=$name-$mode
	rm -f "$out/$name.yaml"
	expect=$LAZYMM_TOP/kunit/qemu/$TARGET.expect
	work=$LAZYMM_CACHE/lava/$name
	rm -rf "$work"
	mkdir -p "$work"
	argv=$work/qemu.argv
	"qemu_argv_$t" "$a" "$m" "$s" "$argv" || rc=$?
	[ $rc != 77 ] || { note "$name: the tree lacks SCHEME=$s; skipped"; return 77; }
	[ $rc = 0 ] || { note "$name: the kernel or initramfs did not build; see $work"; return 1; }
	local q=()
	mapfile -d '' -t q <"$argv"
	python3 "$LAZYMM_TOP/scripts/lava-jobs.py" --test "$t" --name "$name" \
		--stage "$out" ${url:+--artifacts-url "$url"} --expect "$expect" \
		--duration "$duration" --mode "$mode" --metadata "lazymm.test=$t" \
		--metadata "lazymm.arch=$a" --metadata "lazymm.mmu=$m" \
		--metadata "lazymm.scheme=$s" --metadata "lazymm.target=$TARGET" \
		--metadata "lazymm.duration=$duration" \
		--metadata "lazymm.series=$(series_id)" -- "${q[@]}" >/dev/null || return 1
	echo "$name"
}

n=$((${#cells[@]} * ${#tests[@]})) i=0 failed=()
: >"$out/jobs.tmp"
for cell in "${cells[@]}"; do
	read -r a m s <<<"$cell"
	[ "$m" != - ] || m=
	for t in "${tests[@]}"; do
		i=$((i + 1))
		note "[$i/$n] $t $a${m:+/$m}/$s"
		rc=0
		name=$(write_cell "$t" "$a" "$m" "$s") || rc=$?
		case $rc in
		0) echo "$name" >>"$out/jobs.tmp" ;;
		77) ;;
		*) failed+=("$t-$a${m:+-$m}-$s") ;;
		esac
	done
done
mv "$out/jobs.tmp" "$out/jobs"
note "$(wc -l <"$out/jobs") LAVA jobs in $out (listed in $out/jobs); artefacts in $out/<job>/"
[ -n "$url" ] ||
	note "the jobs fetch their files from file://$out (lava-run here); for a farm, upload $out/*/ and set LAVA_ARTIFACTS_URL"
[ ${#failed[@]} = 0 ] || die "no job for: ${failed[*]}"
