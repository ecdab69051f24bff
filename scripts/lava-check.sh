#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prove the LAVA jobs on this machine: write them (scripts/lava.sh), check
# each against LAVA's job schema, run each with lava-run (LAVA's own
# dispatcher, no server) on a qemu device rendered from lava-server's
# template, then run make kunit / make torture on the same artefacts and
# compare, case by case (scripts/lava-compare.py).
#
# Usage: scripts/lava-check.sh [options]
#   --arch ARCH, --mmu MMU, --scheme SCHEME, --test TEST, --duration SEC,
#   --rcutorture     which cells, as for scripts/lava.sh (default: all)
#   --out DIR        results (default: results/lava-check-DATE/)
#   --kdir DIR       the tree to build from (default: Debian's)
#   --no-deps        do not check for (or install) Debian packages
# Installs lava-dispatcher (scripts/deps.sh --lava-run: about 140 packages)
# and unpacks lava-server's device-type templates into the cache without
# installing lava-server.  DIR keeps the jobs and artefacts, per job the
# device, lava-run's log and result, the make run and the comparison, and
# table.md: cell, LAVA's and make's verdicts, cases compared, wall times.
# Exit: 0 LAVA and make agree on every cell, 1 not (or a job failed to run).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,20p' "$0"
}

pass=() out= kdir= deps=1 archs=()
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--arch | --mmu | --scheme | --test | --duration)
		[ "$1" != --arch ] || archs+=("$(optarg "$@")")
		pass+=("$1" "$(optarg "$@")"); shift ;;
	--rcutorture) pass+=("$1") ;;
	--out) out=$(optarg "$@"); shift ;;
	--kdir) kdir=$(optarg "$@"); shift ;;
	--no-deps) deps=0 ;;
	*) die "unknown option $1; see $0 --help" ;;
	esac
	shift
done

out=${out:-$LAZYMM_RESULTS/lava-check-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
deps_opt=()
if [ $deps = 1 ]; then
	"$LAZYMM_TOP/scripts/deps.sh" --lava-run
	# The tree is resolved here, before make lava installs the rest.
	"$LAZYMM_TOP/scripts/deps.sh" ${kdir:+--no-tree} "${archs[@]}"
else
	deps_opt=(--no-deps)
fi
command -v lava-run >/dev/null ||
	die "lava-run is missing; install it with: scripts/deps.sh --lava-run"
[ -z "$kdir" ] || kdir=$(resolve_kdir "$kdir")
[ -n "$kdir" ] || kdir=$("$LAZYMM_TOP/scripts/get-tree.sh")

# The device-type templates a server renders devices from.
templates=$("$LAZYMM_TOP/scripts/fetch-deb.sh" amd64 lava-server)/usr/share/lava-server/device-types
[ -f "$templates/qemu.jinja2" ] ||
	die "lava-server's package has no device-types/qemu.jinja2 under $templates"

# 1. The jobs, and LAVA's schema on each.
"$LAZYMM_TOP/scripts/lava.sh" "${deps_opt[@]}" --kdir "$kdir" --out "$out" "${pass[@]}"
mapfile -t jobs <"$out/jobs"
[ ${#jobs[@]} -gt 0 ] || die "make lava wrote no job (every cell skipped); see above"
files=()
for job in "${jobs[@]}"; do
	files+=("$out/$job.yaml")
done
python3 "$LAZYMM_TOP/scripts/lava-validate.py" "${files[@]}" | tee "$out/schema.txt"

# meta JOB KEY: a metadata value of the job.
meta() {
	python3 - "$out/$1.yaml" "$2" <<'EOF'
import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))['metadata'].get(sys.argv[2], ''))
EOF
}

# run_lava JOB ID: lava-run the job on its rendered device.
run_lava() {
	local job=$1 dir=$out/$1-lava rc=0
	mkdir -p "$dir"
	python3 "$LAZYMM_TOP/scripts/lava-device.py" --templates "$templates" \
		"$out/$job.yaml" >"$dir/device.yaml"
	lava-run --job-id "$2" --output-dir "$dir/work" --device "$dir/device.yaml" \
		"$out/$job.yaml" 2>"$dir/lava.log" >&2 || rc=$?
	cp "$dir/work/result.yaml" "$dir/result.yaml" 2>/dev/null || true
	rm -rf "$dir/work"
	return $rc
}

# run_make JOB: make kunit / make torture of the job's cell, on the
# artefacts make lava staged (the build dir is the one they came from).
run_make() {
	local job=$1 t a m s run=$out/$1-make
	t=$(meta "$job" lazymm.test) a=$(meta "$job" lazymm.arch)
	m=$(meta "$job" lazymm.mmu) s=$(meta "$job" lazymm.scheme)
	local common=(--no-deps --arch "$a" ${m:+--mmu "$m"} --scheme "$s"
		--kdir "$kdir" --run-dir "$run")
	if [ "$t" = kunit ]; then
		"$LAZYMM_TOP/scripts/kunit.sh" "${common[@]}" >&2 || true
	else
		"$LAZYMM_TOP/scripts/torture.sh" "${common[@]}" \
			--duration "$(meta "$job" lazymm.duration)" \
			--initramfs "$out/$job/initramfs.cpio.gz" >&2 || true
	fi
}

# same_kernel JOB: the kernel the make run booted (its build dir's, after
# the run) is the one the job ships.
same_kernel() {
	local job=$1 kernel q=()
	mapfile -d '' -t q <"$LAZYMM_CACHE/lava/$job/qemu.argv"
	for ((k = 0; k < ${#q[@]}; k++)); do
		[ "${q[k]}" != -kernel ] || kernel=${q[k + 1]}
	done
	grep -q "^$(sha256sum <"$kernel" | cut -d' ' -f1)  $(basename "$kernel")\$" \
		"$out/$job/SHA256SUMS"
}

# lava_verdict JOB JOBRESULT: LAVA's cases by result, and the job's result.
lava_verdict() {
	python3 - "$out/$1-lava/lava.log" "$2" <<'EOF'
import collections, sys, yaml
n = collections.Counter()
for line in open(sys.argv[1], errors='replace'):
    if '"lvl": "results"' in line:
        try:
            m = yaml.safe_load(line.lstrip('- '))['msg']
        except (yaml.YAMLError, KeyError, TypeError):
            continue
        if m.get('definition') != 'lava':
            n[m.get('result')] += 1
print(f"{n['pass']} pass, {n['fail']} fail, {n['skip']} skip; job {sys.argv[2]}")
EOF
}

# make_verdict JOB: make's counts, or the torture judge's verdict.
make_verdict() {
	local p f s
	if [ "$(meta "$1" lazymm.test)" = kunit ]; then
		read -r p f s <"$out/$1-make/counts" 2>/dev/null || { echo "no result"; return; }
		echo "$p pass, $f fail, $s skip"
	else
		head -n 1 "$out/$1-make/judge.txt" 2>/dev/null || echo "no verdict"
	fi
}

printf '| cell | LAVA | make | cases same | lava-run | make |\n|---|---|---|---|---|---|\n' >"$out/table.md"
n=${#jobs[@]} i=0 bad=0
for job in "${jobs[@]}"; do
	i=$((i + 1))
	note "[$i/$n] $job: lava-run"
	t0=$(date +%s)
	lrc=0
	run_lava "$job" "$i" || lrc=$?
	t1=$(date +%s)
	note "[$i/$n] $job: make $(meta "$job" lazymm.test), same artefacts"
	run_make "$job"
	t2=$(date +%s)
	expect=$LAZYMM_TOP/kunit/qemu/$(meta "$job" lazymm.target).expect
	crc=0
	if [ "$(meta "$job" lazymm.test)" = kunit ]; then
		python3 "$LAZYMM_TOP/scripts/lava-compare.py" --lava "$out/$job-lava/lava.log" \
			--kunit "$out/$job-make" --expect "$expect" >"$out/$job-compare.txt" || crc=$?
	else
		python3 "$LAZYMM_TOP/scripts/lava-compare.py" --lava "$out/$job-lava/lava.log" \
			--torture "$out/$job-make" --job "$out/$job.yaml" >"$out/$job-compare.txt" || crc=$?
	fi
	if ! same_kernel "$job"; then
		echo "the make run rebuilt the kernel: not the artefacts the job ships" >>"$out/$job-compare.txt"
		crc=1
	fi
	sed 's/^/  /' "$out/$job-compare.txt" >&2
	lava_job=$(sed -n 's/^result: //p' "$out/$job-lava/result.yaml" 2>/dev/null || echo none)
	counts=$(sed -n 's/^lava-compare: //p' "$out/$job-compare.txt")
	counts=${counts:-"not compared (see $job-compare.txt)"}
	printf '| %s | %s | %s | %s | %ss | %ss |\n' "$job" "$(lava_verdict "$job" "$lava_job")" \
		"$(make_verdict "$job")" "$counts" $((t1 - t0)) $((t2 - t1)) >>"$out/table.md"
	[ $lrc = 0 ] && [ $crc = 0 ] || bad=$((bad + 1))
done
cat "$out/table.md"
[ $bad = 0 ] || die "$bad of $n cells: LAVA and make disagree or lava-run failed; see $out/*-compare.txt"
note "LAVA and make agree on all $n cells; $out/table.md"
