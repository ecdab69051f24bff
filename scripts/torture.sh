#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the lazymm kernel under QEMU (4 vCPUs, TCG) with a BusyBox initramfs,
# run a torture workload with CPU hotplug, and judge the console.
#
# Usage: scripts/torture.sh [options]
#   --arch ARCH      x86_64 (default), arm64, powerpc
#   --mmu MMU        powerpc only: radix (default) or hash
#   --scheme SCHEME  refcount (default) or shootdown: a kconfig/ fragment
#   --duration SEC   how long the workload runs (default 60)
#   --kdir DIR       a Linux 6.1.y tree (default: Debian's, in the cache);
#                    the series is applied to it as for scripts/kunit.sh
#   --build-dir DIR  the kernel build dir (default: the KUnit one,
#                    ~/.cache/lazymm/build/ARCH-SCHEME[-kasan])
#   --run-dir DIR    where this run's results go (default: a new
#                    results/torture-<date>-<target>-<scheme>[-...]/)
#   --no-deps        do not check for (or install) Debian packages
#   --rcutorture     run the kernel's rcutorture (module) with CPU hotplug
#                    instead of the stress program
#   --peer SUITES    make peer: run the peer suites (comma-separated:
#                    selftests, stress-ng, perf) in a Debian userspace
#                    instead (scripts/rootfs.sh, scripts/selftests.sh);
#                    --duration is then the seconds of each stressor, and
#                    the run dir gets peer/SUITE.{ktap,json,counts}
#   --short          with --peer: only the cases of qemu/peer/short (make
#                    test's peer boot)
#   --base           the same run on Debian's 6.1 without the series (its
#                    own tree, ~/.cache/lazymm/pristine/linux-6.1.y, build
#                    dir ARCH-base, SCHEME=base): what the series must not
#                    make worse
#   --kasan          x86_64 only: the same kernel with KASAN, own build dir
#   --timeout SEC    kill QEMU after SEC (default: duration + 600)
#   --initramfs FILE boot this initramfs instead of building one (the one a
#                    --prepare-only run left, as make lava stages it)
#   --prepare-only   build the kernel and the initramfs and write qemu.cmd
#                    (and qemu.argv, NUL-separated), then stop: no boot
#   --built          boot the build dir's kernel as it is, without asking
#                    kunit.py to build it (make test: its KUnit run has just
#                    built it, and a make with nothing to do still costs
#                    5-30 s a boot)
# The kernel is the KUnit kernel of ARCH/SCHEME (kunit/lazymm.kunitconfig
# has what the boot needs), built through scripts/kunit.sh if needed.  The
# run dir keeps qemu.cmd (re-runnable by hand), console.log, config,
# initramfs.cpio.gz, judge.txt (first offending lines first), summary
# (key=value: seconds, CPU hotplug operations, exec/exit counts, lazy_tlb
# vmstat counters) and counts ("passed failed skipped", one check).
# Exit: 0 the judge passed, 1 it failed (or the build did), 77 the
# configuration is unavailable (the tree lacks SCHEME, or --kasan off x86_64).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The command as run, for the results dir's record.
cmdline=("$0" "$@")

usage() {
	sed -n 's/^# \{0,1\}//; 3,44p' "$0"
}

arch=x86_64 mmu= scheme=refcount duration=60 kdir= build_dir= res= deps=1
mode=stress kasan=0 timeout_s= initramfs= prepare=0 suites= base=0 short=0 built=0
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--arch) arch=$(optarg "$@"); shift ;;
	--mmu) mmu=$(optarg "$@"); shift ;;
	--scheme) scheme=$(optarg "$@"); shift ;;
	--duration) duration=$(optarg "$@"); shift ;;
	--kdir) kdir=$(optarg "$@"); shift ;;
	--build-dir) build_dir=$(optarg "$@"); shift ;;
	--run-dir) res=$(optarg "$@"); shift ;;
	--no-deps) deps=0 ;;
	--rcutorture) mode=rcutorture ;;
	--peer) mode=peer suites=$(optarg "$@"); shift ;;
	--kasan) kasan=1 ;;
	--base) base=1 ;;
	--short) short=1 ;;
	--timeout) timeout_s=$(optarg "$@"); shift ;;
	--initramfs) initramfs=$(optarg "$@"); shift ;;
	--prepare-only) prepare=1 ;;
	--built) built=1 ;;
	*) die "unknown option $1; see $0 --help" ;;
	esac
	shift
done

# Bad choices fail before anything slow happens.
load_arch "$arch" "$mmu"
scheme_fragment "$scheme" >/dev/null
case $duration in
'') die "$(empty --duration DURATION) is empty; give the seconds of workload, e.g. $(named --duration DURATION)600" ;;
*[!0-9]* | 0) die "$(named --duration DURATION)$duration is not a positive number of seconds; e.g. $(named --duration DURATION)600" ;;
esac
case ${timeout_s:-1} in
'' | *[!0-9]* | 0) die "--timeout $timeout_s is not a positive number of seconds" ;;
esac
for s in $(echo "$suites" | tr , ' '); do
	case $s in
	selftests | stress-ng | perf) ;;
	*) die "unknown peer suite $s; use selftests, stress-ng, perf (comma-separated)" ;;
	esac
done
[ $mode != peer ] || [ -n "${suites//,/}" ] ||
	die "--peer names no suite; use selftests, stress-ng, perf (comma-separated)"
[ $short = 0 ] || [ $mode = peer ] || die "--short is a choice of --peer runs only"
# A peer run's length is its cases': QEMU is killed only after every
# selected case could have used its whole timeout (the lists' own for the
# selftests, stress-ng's -t plus the 130 s its runner allows, 310 s a
# benchmark), so a slow case is its own TIMEOUT, not the whole run's loss.
# peer_names SUITE: the names a --short run takes of SUITE, or "" (all).
peer_names() {
	[ $short = 0 ] || sed -n "s/^$1 //p" "$LAZYMM_TOP/qemu/peer/short"
}
peer_secs=300
case ",$suites," in *,selftests,*)
	peer_secs=$((peer_secs + $(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LAZYMM_TOP/qemu/peer/selftests" |
		awk -v names=" $(peer_names selftests) " -v m="$UNAME_M" '
			# A line for other machines is a skip here: no time.
			{ for (i = 3; i <= NF && $i ~ /=/; i++) if ($i ~ /^machine=/ && index("," substr($i, 9) ",", "," m ",") == 0) next }
			names == "  " || index(names, " " $1 " ") { s += $2 }
			END { print s + 0 }'))) ;;
esac
case ",$suites," in *,stress-ng,*)
	n=$(peer_names stress-ng | wc -w)
	[ $short = 1 ] || n=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LAZYMM_TOP/qemu/peer/stressors" | wc -l)
	peer_secs=$((peer_secs + n * (duration + 130))) ;;
esac
case ",$suites," in *,perf,*)
	n=5
	[ $short = 0 ] || n=$(peer_names perf | wc -w)
	peer_secs=$((peer_secs + n * 310)) ;;
esac
[ $mode != peer ] || timeout_s=${timeout_s:-$peer_secs}
timeout_s=${timeout_s:-$((duration + 600))}
variant=$scheme
if [ $kasan = 1 ]; then
	if [ "$arch" != x86_64 ]; then
		note "the KASAN variant is built for x86_64 only, not ARCH=$arch; skipped"
		exit 77
	fi
	variant=$scheme-kasan
fi
[ -z "$initramfs" ] || [ -f "$initramfs" ] ||
	die "--initramfs $initramfs does not exist; give a file a --prepare-only run wrote"
if [ $base = 1 ]; then
	[ -z "$kdir" ] || die "--base runs Debian's own 6.1 tree; drop --kdir (KDIR=)"
	[ $kasan = 0 ] || die "--base has no KASAN variant; drop one of them"
	scheme=base variant=base
fi
[ -z "$kdir" ] || kdir=$(resolve_kdir "$kdir")
[ $deps = 0 ] || "$LAZYMM_TOP/scripts/deps.sh" ${kdir:+--no-tree} "$arch"
if [ $base = 1 ]; then
	# Extracted once, never patched: kunit.sh is told to take it as it is.
	kdir=$("$LAZYMM_TOP/scripts/get-tree.sh" "$LAZYMM_CACHE/pristine/linux-6.1.y")
	export LAZYMM_AS_IS=1
fi
[ -n "$kdir" ] || kdir=$("$LAZYMM_TOP/scripts/get-tree.sh")
kdir=$(resolve_kdir "$kdir")
build_dir=${build_dir:-$LAZYMM_CACHE/build/$arch-$variant}

suffix=$variant
[ $mode = stress ] || suffix=$suffix-$mode
res=${res:-$LAZYMM_RESULTS/torture-$(date +%Y%m%d-%H%M%S)-$TARGET-$suffix}
mkdir -p "$res"
res=$(cd "$res" && pwd)
write_record "$res" "$kdir" "${cmdline[@]}"
echo "0 1 0" >"$res/counts"	# until the judge says otherwise

# finish RESULT DETAIL: the one line a caller reads, the counts, the exit.
finish() {
	local line="torture $TARGET/$suffix: $1"
	[ -z "$2" ] || line="$line ($2)"
	echo "$line ($res)"
	if [ "$1" = passed ]; then
		echo "1 0 0" >"$res/counts"
		exit 0
	fi
	exit 1
}

# 1. The kernel: the KUnit kernel of this arch and scheme, series applied.
kunit_opts=(--build-only --no-deps --arch "$arch" ${mmu:+--mmu "$mmu"}
	--scheme "$scheme" --kdir "$kdir" --build-dir "$build_dir"
	--run-dir "$res/build")
[ $kasan = 0 ] || kunit_opts+=(-- --kunitconfig "$LAZYMM_TOP/kconfig/kasan.config")
rc=0
if [ $built = 1 ]; then
	[ -f "$build_dir/.config" ] ||
		die "--built: $build_dir has no kernel; drop --built to build it"
else
	"$LAZYMM_TOP/scripts/kunit.sh" "${kunit_opts[@]}" >/dev/null || rc=$?
fi
if [ $rc = 77 ]; then
	echo "0 0 1" >"$res/counts"
	exit 77
fi
[ $rc = 0 ] || finish FAILED "the kernel did not build; see $res/build/build.out"
build_dir=$(cd "$build_dir" && pwd)
cp "$build_dir/.config" "$res/config"

# 2. The initramfs: BusyBox, the stress program, /init, rcutorture.ko;
# for the peer suites, the Debian userspace and the selftests too.
if [ -n "$initramfs" ]; then
	cp "$initramfs" "$res/initramfs.cpio.gz"
else
	peer_opts=()
	if [ $mode = peer ]; then
		rootfs_opts=(--arch "$arch")
		[ $deps = 1 ] || rootfs_opts+=(--no-deps)
		peer_opts=(--rootfs "$("$LAZYMM_TOP/scripts/rootfs.sh" "${rootfs_opts[@]}")")
		peer_opts+=(--peer "$("$LAZYMM_TOP/scripts/selftests.sh" --arch "$arch" --kdir "$kdir" --no-deps)")
	fi
	"$LAZYMM_TOP/scripts/initramfs.sh" --arch "$arch" --kdir "$kdir" \
		--modules "$build_dir" "${peer_opts[@]}" --out "$res/initramfs.cpio.gz" 2>"$res/initramfs.log" || {
		cat "$res/initramfs.log" >&2
		exit 1
	}
fi

# 3. The boot.  The KUnit suites built into this kernel already ran in the
# KUnit boot: filter them all out here.  panic=-1: a panicking guest
# reboots, which -no-reboot turns into QEMU exiting, instead of hanging
# until the timeout.
append="kunit.filter_glob=lazymm.torture.no.kunit panic=-1"
append="$append lazymm.mode=$mode lazymm.duration=$duration"
# Seed 001's shape: rcutorture with CPU hotplug every 100 jiffies, starting
# 5 s in.  /init passes rcutorture.* on to insmod, and ends the test itself
# (rmmod) after the duration instead of shutdown_secs, so every arch's
# poweroff path is the same.
[ $mode != rcutorture ] ||
	append="$append rcutorture.onoff_interval=100 rcutorture.onoff_holdoff=5"
# secretmem.enable=1: 6.1 has memfd_secret() off by default, and the vm
# selftests test it (the direct map loses and regains pages: kernel TLB
# flushes).
[ $mode != peer ] || append="$append lazymm.suites=$suites secretmem.enable=1"
[ $short = 0 ] || append="$append lazymm.short=1"
mapfile -d '' -t qemu < <(python3 "$LAZYMM_TOP/qemu/qemu-cmd.py" -0 \
	--target "$TARGET" --build-dir "$build_dir" \
	--initrd "$res/initramfs.cpio.gz" --append "$append")
[ ${#qemu[@]} -gt 0 ] || die "qemu/qemu-cmd.py gave no command for $TARGET"
printf '%q ' "${qemu[@]}" >"$res/qemu.cmd"
echo >>"$res/qemu.cmd"
if [ $prepare = 1 ]; then
	printf '%s\0' "${qemu[@]}" >"$res/qemu.argv"
	echo "0 0 0" >"$res/counts"
	echo "torture $TARGET/$suffix: prepared, not booted ($res)"
	exit 0
fi
trap 'kill "${relay_pid:-}" 2>/dev/null; echo >&2; die "interrupted; the console so far is in $res/console.log"' INT TERM

# relay_progress: while the guest runs, its progress lines as they come
# (lazymm-stress every 10 s, rcutorture's statistics), and a heartbeat when
# it has said nothing for LAZYMM_PROGRESS_SECONDS (60): the time so far.
relay_progress() {
	local seen=0 quiet=0 line n
	while nap 2; do
		quiet=$((quiet + 2))
		while IFS= read -r line; do
			n=${line%%:*}
			[ "$n" -gt "$seen" ] || continue
			seen=$n quiet=0
			note "  guest: ${line#*:}"
		done < <(grep -naE 'lazymm-stress: progress|rcu-torture: rtc:|lazymm-peer: suite|^ *(not )?ok [0-9]+ ' "$res/console.log" 2>/dev/null)
		if [ "$quiet" -ge "${LAZYMM_PROGRESS_SECONDS:-60}" ]; then
			quiet=0
			what="torture $TARGET/$suffix" of=" of $duration"
			[ $mode != peer ] || what="peer $TARGET/$variant" of=" of at most $timeout_s"
			note "  $what: $(($(date +%s) - start)) s$of, console $(wc -l <"$res/console.log") lines so far"
		fi
	done
}

if [ $mode = peer ]; then
	note "peer $TARGET/$variant: $suites (stressors $duration s each; at most $timeout_s s); console in $res/console.log"
else
	note "torture $TARGET/$suffix: $mode for $duration s; console in $res/console.log"
fi
start=$(date +%s)
relay_progress &
relay_pid=$!
qrc=0
timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >"$res/console.log" 2>&1 || qrc=$?
kill "$relay_pid" 2>/dev/null || true
wait "$relay_pid" 2>/dev/null || true
wall=$(($(date +%s) - start))

# 4. The judge.
judge=(python3 "$LAZYMM_TOP/scripts/torture-judge.py" "$res/console.log"
	--mode "$mode" --expect "$LAZYMM_TOP/kunit/qemu/$TARGET.expect"
	--summary "$res/summary")
case $qrc in
124 | 137) judge+=(--timed-out "$timeout_s") ;;
esac
jrc=0
"${judge[@]}" >"$res/judge.txt" || jrc=$?
echo "qemu_exit=$qrc" >>"$res/summary"
echo "wall_seconds=$wall" >>"$res/summary"
sed 's/^/  /' "$res/judge.txt" >&2

# summary_value KEY: a value from the summary, or "?".
summary_value() {
	sed -n "s/^$1=//p" "$res/summary" | tail -n 1 | grep . || echo '?'
}
if [ $mode = peer ]; then
	# Each suite's own counts (kunit.py's parser); the judge's verdict is
	# one more check.
	"$LAZYMM_TOP/scripts/peer-results.sh" "$res" "$kdir" "$suites" >&2 || true
	read -r p f k <"$res/peer/counts"
	if [ $jrc = 0 ]; then p=$((p + 1)); else f=$((f + 1)); fi
	echo "$p $f $k" >"$res/counts"
	line="peer $TARGET/$scheme: $p passed, $f failed, $k skipped (the judge included)"
	if [ $jrc = 0 ] && [ "$f" = 0 ]; then
		echo "$line ($res)"
		exit 0
	fi
	echo "$line; see $res/judge.txt ($res)"
	exit 1
fi
detail="$(summary_value seconds) s, $(summary_value hotplug_ops) CPU hotplug ops"
[ $mode = rcutorture ] || detail="$detail, $(summary_value exec) exec, $(summary_value exit) exit"
[ $jrc = 0 ] || finish FAILED "$detail; see $res/judge.txt"
finish passed "$detail"
