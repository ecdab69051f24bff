#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Measure, side by side in one run, what the lazy-TLB schemes and the lazy_mmu
# batching cost: boot kernels that differ only in what is compared, run the
# same in-guest workloads on each, repeat, and print a table of ratios.
#
# Usage: scripts/bench.sh [options]
#   --arch ARCH      x86_64 (default), arm64, powerpc
#   --cpus N         vCPUs of every boot (default 4)
#   --repeats N      boots of each kernel (default 5)
#   --duration SEC   seconds of each workload in a boot (default 10)
#   --what LIST      tlb, mmu, peer, comma-separated (default tlb,mmu)
#   --mmu MMU        powerpc: the MMU of the tlb boots (default radix; the
#                    mmu boots are hash, the MMU whose lazy mode batches)
#   --kdir DIR       a Linux 6.1.y tree (default: Debian's, in the cache)
#   --run-dir DIR    default: results/bench-<date>-<arch>-<N>cpu
#   --no-deps        do not check for (or install) Debian packages
# tlb: the refcount and shootdown kernels (kconfig/scheme-*.config) run
#   pingpong, exit and exitmoved (qemu/bench.c).  mmu: arm64 runs
#   test_vmalloc with lazy_mmu_paused=0 and =1 in the same kernel; powerpc
#   runs mprotect on the hash MMU with the series' generic lazy_mmu layer
#   and with 6.1's own (the series up to the patch before its lazy_mmu
#   topic); x86_64 has nothing to run (its lazy MMU hooks only act under
#   Xen PV).  peer: the refcount and shootdown kernels run the peer
#   suites' benchmarks (qemu/peer/perf.sh: perf bench sched pipe -T and
#   messaging, hackbench) in the Debian userspace of make peer.
# The kernels are the KUnit kernels plus kconfig/bench.config, in build dirs
# of their own (~/.cache/lazymm/build/ARCH-SCHEME-bench[-6.1mmu]).  The run
# dir keeps each boot's console (boots/), samples.jsonl (one measurement a
# line), bench.json and bench.md (the tables; scripts/bench-report.py).
# Absolute numbers under TCG mean little: compare ratios and counts.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The command as run, for the results dir's record.
cmdline=("$0" "$@")
. "$(dirname "$0")/series-tree.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,32p' "$0"
}

arch=x86_64 cpus=4 repeats=5 duration=10 what=tlb,mmu mmu= kdir= res= deps=1
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--arch) arch=$(optarg "$@"); shift ;;
	--cpus) cpus=$(optarg "$@"); shift ;;
	--repeats) repeats=$(optarg "$@"); shift ;;
	--duration) duration=$(optarg "$@"); shift ;;
	--what) what=$(optarg "$@"); shift ;;
	--mmu) mmu=$(optarg "$@"); shift ;;
	--kdir) kdir=$(optarg "$@"); shift ;;
	--run-dir) res=$(optarg "$@"); shift ;;
	--no-deps) deps=0 ;;
	*) die "unknown option $1; see $0 --help" ;;
	esac
	shift
done

# Bad choices fail before anything slow happens.
load_arch "$arch" "$mmu"
tlb_target=$TARGET
# positive OPT VAR VALUE MAX EXAMPLE: die unless 0 < VALUE <= MAX, naming
# the setting as the user gave it and a sane value.
positive() {
	local name
	name=$(named "$1" "$2")
	case $3 in
	'') die "$(empty "$1" "$2") is empty; give a number, e.g. ${name}$5" ;;
	*[!0-9]* | 0) die "${name}$3 is not a positive number; e.g. ${name}$5" ;;
	esac
	[ "$3" -le "$4" ] || die "${name}$3 is more than $4; e.g. ${name}$5"
}
positive --cpus CPUS "$cpus" 64 4
positive --repeats REPEATS "$repeats" 100 5
positive --duration BENCH_SECONDS "$duration" 3600 10
do_tlb=0 do_mmu=0 do_peer=0
for w in ${what//,/ }; do
	case $w in
	tlb) do_tlb=1 ;;
	mmu) do_mmu=1 ;;
	peer) do_peer=1 ;;
	*) die "$(named --what WHAT)$what: unknown part $w; use tlb, mmu, peer (comma-separated)" ;;
	esac
done
[ $((do_tlb + do_mmu + do_peer)) -gt 0 ] || die "$(empty --what WHAT) is empty; use tlb, mmu, peer (comma-separated)"
[ "$repeats" -ge 5 ] ||
	note "$(named --repeats REPEATS)$repeats: fewer than 5 boots per kernel make a poor spread"
[ $deps = 0 ] || "$LAZYMM_TOP/scripts/deps.sh" --bench "$arch"
[ -n "$kdir" ] || kdir=$("$LAZYMM_TOP/scripts/get-tree.sh")
kdir=$(resolve_kdir "$kdir")

res=${res:-$LAZYMM_RESULTS/bench-$(date +%Y%m%d-%H%M%S)-$arch-${cpus}cpu}
mkdir -p "$res/boots"
res=$(cd "$res" && pwd)
write_record "$res" "$kdir" "${cmdline[@]}"
printf '%q ' "${cmdline[@]}" >"$res/bench.cmd"
echo >>"$res/bench.cmd"
: >"$res/samples.jsonl"
trap 'echo >&2; die "interrupted; what was measured so far is in $res/samples.jsonl"' INT TERM

# build_kernel TREE SCHEME NAME: build the bench kernel NAME of TREE (the
# series already applied), print its build dir; exit 77 from the subshell
# if TREE does not offer SCHEME on this arch.
build_kernel() {
	local tree=$1 scheme=$2 name=$3 dir=$LAZYMM_CACHE/build/$arch-$3 rc=0
	mkdir -p "$res/build-$name"
	note "building the $name kernel in $dir"
	LAZYMM_NO_APPLY=1 "$LAZYMM_TOP/scripts/kunit.sh" --build-only --no-deps \
		--arch "$arch" --scheme "$scheme" --kdir "$tree" --build-dir "$dir" \
		--run-dir "$res/build-$name" \
		--kconfig-override "$LAZYMM_TOP/kconfig/bench.config" >&2 || rc=$?
	[ $rc = 0 ] || return $rc
	echo "$dir"
}

# lazy_mmu_base: the number of the last patch before the series' lazy_mmu
# topic (the banner that names lazy_mmu), i.e. the tree with 6.1's own
# lazy MMU mode and the rest of the series up to there.
lazy_mmu_base() {
	awk '/^#/ && /lazy_mmu/ { found = 1 } !/^#/ && NF { if (found) { print n; exit } n++ }' \
		"$LAZYMM_TOP/patches/series"
}

# old_mmu_tree: a worktree of the base import with the series up to
# lazy_mmu_base, under ~/.cache/lazymm/bench; print its path.
old_mmu_tree() {
	local work=$LAZYMM_CACHE/bench repo base n
	repo=$("$LAZYMM_TOP/scripts/base-git.sh")
	base=$(git -C "$repo" rev-parse refs/lazymm/pristine)
	mkdir -p "$work"
	prepare_series_tree "$work" "$repo" "$work/linux" "$base" >&2
	n=$(lazy_mmu_base)
	[ -n "$n" ] || die "patches/series has no banner naming lazy_mmu; cannot tell 6.1's lazy MMU tree apart"
	git -C "$work/linux" checkout -q -f --detach "$(series_commit "$work/linux" "$n")"
	note "6.1's lazy MMU mode: the series up to $(series_patches | sed -n "${n}p")"
	echo "$work/linux"
}

# The boots: "GROUP VARIANT TARGET BUILD_DIR WORKLOADS" per line.
"$LAZYMM_TOP/scripts/apply.sh" "$kdir" >&2
plan=()
refcount_dir=
refcount_dir=$(build_kernel "$kdir" refcount refcount-bench) ||
	die "the refcount bench kernel did not build; see $res/build-refcount-bench/build.out"
shootdown_dir=
if [ $do_tlb = 1 ] || [ $do_peer = 1 ]; then
	rc=0
	shootdown_dir=$(build_kernel "$kdir" shootdown shootdown-bench) || rc=$?
	case $rc in
	0) ;;
	77) note "ARCH=$arch does not offer the shootdown scheme in KDIR=$kdir; refcount only" ;;
	*) die "the shootdown bench kernel did not build; see $res/build-shootdown-bench/build.out" ;;
	esac
fi
if [ $do_tlb = 1 ]; then
	plan+=("tlb refcount $tlb_target $refcount_dir pingpong,exit,exitmoved")
	[ -z "$shootdown_dir" ] ||
		plan+=("tlb shootdown $tlb_target $shootdown_dir pingpong,exit,exitmoved")
fi
if [ $do_peer = 1 ]; then
	plan+=("peer refcount $tlb_target $refcount_dir perf")
	[ -z "$shootdown_dir" ] ||
		plan+=("peer shootdown $tlb_target $shootdown_dir perf")
fi
if [ $do_mmu = 1 ]; then
	case $arch in
	arm64) plan+=("lazy_mmu batched $arch $refcount_dir vmallocw,vmalloc0,vmalloc1") ;;
	powerpc)
		tree=$(old_mmu_tree)
		dir=$(build_kernel "$tree" refcount refcount-bench-6.1mmu) ||
			die "the 6.1 lazy MMU kernel did not build; see $res/build-refcount-bench-6.1mmu/build.out"
		plan+=("lazy_mmu 6.1 powerpc-hash $dir mprotect"
			"lazy_mmu generic powerpc-hash $refcount_dir mprotect") ;;
	*) note "ARCH=$arch: no lazy_mmu measurement (x86's lazy MMU hooks only act under Xen PV, which QEMU/TCG does not run)" ;;
	esac
fi

# The initramfs, with test_vmalloc.ko from the refcount kernel (the only
# module a bench boot loads; every bench kernel is built the same way).
"$LAZYMM_TOP/scripts/initramfs.sh" --arch "$arch" --kdir "$kdir" \
	--modules "$refcount_dir" --out "$res/initramfs.cpio.gz" 2>"$res/initramfs.log" || {
	cat "$res/initramfs.log" >&2
	exit 1
}
# The peer boots': the same with make peer's Debian userspace.
if [ $do_peer = 1 ]; then
	rootfs_opts=(--arch "$arch")
	[ $deps = 1 ] || rootfs_opts+=(--no-deps)
	rootfs=$("$LAZYMM_TOP/scripts/rootfs.sh" "${rootfs_opts[@]}")
	kselftest=$("$LAZYMM_TOP/scripts/selftests.sh" --arch "$arch" --kdir "$kdir" --no-deps)
	"$LAZYMM_TOP/scripts/initramfs.sh" --arch "$arch" --kdir "$kdir" \
		--modules "$refcount_dir" --rootfs "$rootfs" --peer "$kselftest" \
		--out "$res/initramfs-peer.cpio.gz" 2>"$res/initramfs-peer.log" || {
		cat "$res/initramfs-peer.log" >&2
		exit 1
	}
fi

# boot GROUP VARIANT TARGET DIR WORKLOADS REPEAT: one boot; its samples go
# to samples.jsonl.  A boot that measured nothing stops the run.
boot() {
	local group=$1 variant=$2 target=$3 dir=$4 workloads=$5 r=$6 log qrc=0
	local append timeout_s
	log=$res/boots/$group-$variant-r$r.log
	# Half the boots run test_vmalloc paused first: neither order is
	# favoured by whatever warms up during a boot.
	[ $((r % 2)) = 1 ] || [ "$workloads" != vmallocw,vmalloc0,vmalloc1 ] ||
		workloads=vmallocw,vmalloc1,vmalloc0
	local initrd=$res/initramfs.cpio.gz
	append="kunit.filter_glob=lazymm.bench.no.kunit panic=-1 lazymm.mode=bench"
	append="$append lazymm.bench=$workloads lazymm.duration=$duration"
	timeout_s=$((600 + 4 * duration))
	if [ "$group" = peer ]; then
		# One run of each benchmark a boot: the boots are the repeats.
		initrd=$res/initramfs-peer.cpio.gz
		append="kunit.filter_glob=lazymm.bench.no.kunit panic=-1 lazymm.mode=peer"
		append="$append lazymm.suites=perf"
		timeout_s=$((600 + 5 * 310))
	fi
	mapfile -d '' -t qemu < <(python3 "$LAZYMM_TOP/qemu/qemu-cmd.py" -0 \
		--target "$target" --build-dir "$dir" --initrd "$initrd" \
		--append "$append" --smp "$cpus")
	printf '%q ' "${qemu[@]}" >"$log.cmd"
	echo >>"$log.cmd"
	timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >"$log" 2>&1 || qrc=$?
	python3 "$LAZYMM_TOP/scripts/bench-report.py" parse "$log" --group "$group" \
		--variant "$variant" --repeat "$r" >>"$res/samples.jsonl" ||
		die "boot $group/$variant #$r measured nothing (QEMU exit $qrc); see $log"
}

start=$(date +%s)
total=$((${#plan[@]} * repeats)) done_=0
note "bench $arch, $cpus vCPUs: ${#plan[@]} kernels x $repeats boots; results in $res"
# Each repeat boots every kernel once, so slow drift of the host touches
# all of them alike.
for r in $(seq 1 "$repeats"); do
	for line in "${plan[@]}"; do
		read -r group variant target dir workloads <<<"$line"
		boot "$group" "$variant" "$target" "$dir" "$workloads" "$r"
		done_=$((done_ + 1))
		el=$(($(date +%s) - start))
		note "[$done_/$total] $group/$variant #$r done; about $(((total - done_) * el / done_ / 60)) min left"
	done
done
python3 "$LAZYMM_TOP/scripts/bench-report.py" report "$res/samples.jsonl" \
	--arch "$arch" --cpus "$cpus" --repeats "$repeats" --duration "$duration" \
	--json "$res/bench.json" --markdown "$res/bench.md"
# A picture per workload next to bench.md: every boot and the spread.
python3 "$LAZYMM_TOP/scripts/bench-report.py" plot "$res/bench.json" >/dev/null
note "bench took $((($(date +%s) - start) / 60)) min of boots; tables in $res/bench.md, pictures in $res/*.svg"
