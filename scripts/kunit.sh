#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build a kernel with the lazymm series and run its KUnit suites under QEMU
# (4 vCPUs, TCG) through the tree's own tools/testing/kunit/kunit.py.
#
# Usage: scripts/kunit.sh [options] [-- kunit.py options]
#   --arch ARCH      x86_64 (default), arm64, powerpc
#   --mmu MMU        powerpc only: radix (default) or hash
#   --scheme SCHEME  refcount (default) or shootdown: a kconfig/ fragment
#   --kdir DIR       a Linux 6.1.y tree (default: Debian's linux-source-6.1,
#                    extracted under ~/.cache/lazymm); the series is applied
#   --build-dir DIR  O= dir (default: ~/.cache/lazymm/build/ARCH-SCHEME)
#   --no-deps        do not check for (or install) Debian packages
#   --run-dir DIR    where this run's results go (default: a new
#                    results/<date>-<target>-<scheme>/)
#   --build-only     configure and build the kernel, run nothing (for
#                    scripts/torture.sh, which boots it itself); the
#                    kunit.py options after -- go to kunit.py build
#   --built          boot the build dir's kernel without kbuild's pass over
#                    the tree (kunit.py exec) if a KUnit run booted it and
#                    nothing it was built from changed since (no file of
#                    KDIR, the .config, the compiler command); otherwise
#                    say why and build as usual (make test passes it)
#   --kconfig-override FILE  options that replace what the kunitconfig and
#                    the scheme say of the same symbols (scripts/bench.sh
#                    turns debug options off with kconfig/bench.config)
# The run dir keeps kunit.cmd (the exact command), console.log, kunit.json,
# the .config, and counts ("passed failed skipped").
# Exit: 0 all cases passed, 1 a failure, 77 the tree lacks SCHEME's options.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The command as run, for the results dir's record.
cmdline=("$0" "$@")

usage() {
	sed -n 's/^# \{0,1\}//; 3,28p' "$0"
}

arch=x86_64 mmu= scheme=refcount kdir= build_dir= deps=1 res= build_only=0 override= built=0
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--arch) arch=$(optarg "$@"); shift ;;
	--mmu) mmu=$(optarg "$@"); shift ;;
	--scheme) scheme=$(optarg "$@"); shift ;;
	--kdir) kdir=$(optarg "$@"); shift ;;
	--build-dir) build_dir=$(optarg "$@"); shift ;;
	--no-deps) deps=0 ;;
	--run-dir) res=$(optarg "$@"); shift ;;
	--build-only) build_only=1 ;;
	--built) built=1 ;;
	--kconfig-override) override=$(optarg "$@"); shift ;;
	--) shift; break ;;
	*) die "unknown option $1; see $0 --help" ;;
	esac
	shift
done

# Bad choices fail before anything slow happens.
load_arch "$arch" "$mmu"
fragment=$(scheme_fragment "$scheme")
[ -z "$override" ] || [ -f "$override" ] ||
	die "--kconfig-override $override: no such file"
[ -z "$kdir" ] || kdir=$(resolve_kdir "$kdir")
[ $deps = 0 ] || "$LAZYMM_TOP/scripts/deps.sh" ${kdir:+--no-tree} "$arch"

[ -n "$kdir" ] || kdir=$("$LAZYMM_TOP/scripts/get-tree.sh")
kdir=$(resolve_kdir "$kdir")
[ ! -f "$kdir/.config" ] ||
	die "KDIR=$kdir has an in-tree build (.config) and kunit.py builds with O=; use a clean tree or run 'make mrproper' there"
"$LAZYMM_TOP/scripts/apply.sh" "$kdir"

missing=$(fragment_missing_symbols "$kdir" "$fragment" | tr '\n' ' ')
if [ -n "$missing" ]; then
	note "SCHEME=$scheme needs ${missing% } and KDIR=$kdir does not define it (the series does not provide it yet); skipped"
	exit 77
fi

# setup_ccache: set cc, the compiler for kunit.py's make: ccache in front
# when it is installed, with lazymm_ccache's cache (lib.sh), by way of
# scripts/ccache-cc.sh (which keeps .incbin sources out of the cache).  The
# wrapper is copied to a path that does not depend on the clone: kbuild
# rebuilds every object whose command line changed, and CC is in it.
setup_ccache() {
	local wrapper=$LAZYMM_CACHE/bin/ccache-cc
	cc=${CROSS_COMPILE}gcc
	if ! command -v ccache >/dev/null; then
		note "no ccache; building without it (scripts/deps.sh installs it)"
		return 0
	fi
	case $wrapper in
	*[[:space:]]*)
		note "LAZYMM_CACHE=$LAZYMM_CACHE has white space, which make's CC cannot hold; building without ccache"
		return 0 ;;
	esac
	if ! cmp -s "$LAZYMM_TOP/scripts/ccache-cc.sh" "$wrapper"; then
		mkdir -p "${wrapper%/*}"
		cp "$LAZYMM_TOP/scripts/ccache-cc.sh" "$wrapper.$$"
		chmod 755 "$wrapper.$$"
		mv -f "$wrapper.$$" "$wrapper"
	fi
	cc="$wrapper $cc"
	lazymm_ccache
}

build_dir=${build_dir:-$LAZYMM_CACHE/build/$arch-$scheme}
mkdir -p "$build_dir"
build_dir=$(cd "$build_dir" && pwd)

# build_command: what the build's output depends on besides KDIR and the
# .config, kept in the booted stamp: the make options and the compiler's
# version (an upgraded gcc changes no file kunit.py's configuration step
# looks at; kbuild would see it).
build_command() {
	local version
	version=$("${CROSS_COMPILE:-}gcc" --version 2>/dev/null) || version="no ${CROSS_COMPILE:-}gcc"
	printf 'CC=%s CROSS_COMPILE=%s\n%s\n' "$cc" "${CROSS_COMPILE:-}" "${version%%$'\n'*}"
}

# why_not_booted DIR: print why DIR may not hold the kernel KDIR, its
# .config and the compiler command build now; nothing if it does: the last
# build there ended and a KUnit run booted it (build_start removes the
# stamp, so a failed or killed build leaves none), and since that build
# started no file or directory of KDIR changed (ctime: a copy that keeps
# an old mtime counts too).  This is the question make would answer with
# a 20-30 s pass over the tree; find answers it in about half a second.
why_not_booted() {
	local dir=$1 newer
	if [ ! -f "$dir/.lazymm-booted" ] || [ ! -f "$dir/.lazymm-build-start" ]; then
		echo "no KUnit run booted a kernel built there"
	elif [ "$(readlink -f "$dir/source" 2>/dev/null)" != "$(cd "$kdir" && pwd -P)" ]; then
		echo "its kernel was built from another tree"
	elif [ "$dir/.config" -nt "$dir/.lazymm-booted" ]; then
		echo "its .config changed since"
	elif [ "$(cat "$dir/.lazymm-booted")" != "$(build_command)" ]; then
		echo "it was built with another compiler command"
	else
		newer=$(find "$kdir" -path "$kdir/.git" -prune -o \
			-cnewer "$dir/.lazymm-build-start" -print -quit 2>/dev/null)
		[ -z "$newer" ] || echo "${newer#"$kdir/"} changed since its build started"
	fi
}
setup_ccache

res=${res:-$LAZYMM_RESULTS/$(date +%Y%m%d-%H%M%S)-$TARGET-$scheme}
mkdir -p "$res"
res=$(cd "$res" && pwd)
write_record "$res" "$kdir" "${cmdline[@]}"

# defined_only GLOB WHAT: stdin less the CONFIG_*=y|m lines matching GLOB
# whose symbol KDIR does not define, each noted as WHAT.  A tree with part
# of the series (a bisect step, a prefix) then still configures.
defined_only() {
	local line sym
	while IFS= read -r line; do
		# shellcheck disable=SC2254 # GLOB is a pattern
		case $line in
		$1)
			sym=${line#CONFIG_}
			sym=${sym%%=*}
			if ! kconfig_symbol_defined "$kdir" "$sym"; then
				note "KDIR=$kdir does not define $sym (not in this part of the series); $2"
				continue
			fi ;;
		esac
		printf '%s\n' "$line"
	done
}

# write_kunitconfig: kunit/lazymm.kunitconfig and kunit/trim.kunitconfig
# less the suites KDIR does not define, into the run dir; it runs the
# suites it has.
write_kunitconfig() {
	cat "$LAZYMM_TOP/kunit/lazymm.kunitconfig" "$LAZYMM_TOP/kunit/trim.kunitconfig" |
		defined_only 'CONFIG_*_KUNIT_TEST=y' "that suite is not run" |
		without_overridden >"$res/lazymm.kunitconfig"
}

# without_overridden: stdin less the symbols --kconfig-override sets (kunit.py
# refuses two values for one symbol, so the override must be the only one).
without_overridden() {
	local syms
	[ -n "$override" ] || { cat; return; }
	syms=$(sed -nE 's/^(# )?(CONFIG_[A-Za-z0-9_]+)[= ].*/\2/p' "$override" | paste -sd'|')
	[ -n "$syms" ] || { cat; return; }
	grep -vE "^(# )?($syms)[= ]" || true
}
write_kunitconfig
if [ -n "$override" ]; then
	without_overridden <"$fragment" >"$res/$(basename "$fragment")"
	fragment=$res/$(basename "$fragment")
	defined_only 'CONFIG_*=[ym]' "left out of the override" \
		<"$override" >"$res/override.config"
fi

# write_cmd FILE CMD...: the command as one line to run by hand, with the
# ccache dir this run used.
write_cmd() {
	local file=$1
	shift
	{
		[ "$cc" = "${cc#"$LAZYMM_CACHE/bin/ccache-cc "}" ] || printf 'CCACHE_DIR=%q ' "$CCACHE_DIR"
		printf '%q ' "$@"
		echo
	} >"$file"
}

kunit_py=(python3 "$kdir/tools/testing/kunit/kunit.py")
common=(--build_dir "$build_dir"
	--qemu_config "$LAZYMM_TOP/kunit/qemu/$TARGET.py"
	--kunitconfig "$res/lazymm.kunitconfig"
	--kunitconfig "$fragment"
	--make_options "CC=$cc")
[ -z "$override" ] || common+=(--kunitconfig "$res/override.config")
[ -z "$CROSS_COMPILE" ] || common+=(--cross_compile "$CROSS_COMPILE")
# A build-only run's extra options are build options (e.g. another
# --kunitconfig): the configuration must see them too.
config_extra=()
[ $build_only = 0 ] || config_extra=("$@")
# A scheme the tree defines but this arch does not offer (its Kconfig
# dependencies are not met) shows up as kunit.py's "Missing:" options.
if ! "${kunit_py[@]}" config "${common[@]}" "${config_extra[@]}" >"$res/config.out" 2>&1; then
	unmet=$(sed -n 's/^.*Missing: //p' "$res/config.out")
	for sym in $(fragment_symbols "$fragment"); do
		case $unmet in
		*"CONFIG_$sym="*)
			note "SCHEME=$scheme needs CONFIG_$sym, which ARCH=$arch cannot enable in KDIR=$kdir (see $res/config.out); skipped"
			exit 77 ;;
		esac
	done
	cat "$res/config.out" >&2
	die "kunit.py could not configure the kernel (see above, and $res/config.out)"
fi
# After the configuration step: a .config it changed is not the one booted.
kunit_cmd=run
if [ $built = 1 ]; then
	why=$(why_not_booted "$build_dir")
	if [ -z "$why" ]; then
		kunit_cmd=exec
	else
		note "--built: building in $build_dir: $why"
		built=0
	fi
fi
cmd=("${kunit_py[@]}" "$kunit_cmd" "${common[@]}" --timeout 900 "--json=$res/kunit.json")
cmd+=("$@")

# kunit.py sends make's output to /dev/null: the build would be silent for
# minutes.  build_start LOG: say what to expect, then, every
# LAZYMM_PROGRESS_SECONDS (30), the time so far and the objects built,
# until LOG shows the kernel starting; build_end stops it and keeps the
# figures for the next expectation.
last_build=$build_dir/.lazymm-last-build
build_start() {
	local log=$1 secs= objs=
	build_log=$log
	build_t0=$(date +%s)
	kbuild_begin "$build_dir"
	rm -f "$build_dir/.lazymm-booted"
	touch "$build_dir/.lazymm-build-start"
	[ ! -f "$last_build" ] || read -r secs objs <"$last_build" || true
	if [ -n "$secs" ]; then
		note "building $TARGET/$scheme in $build_dir; the last build here took $(mmss "$secs") ($objs objects); progress every ${LAZYMM_PROGRESS_SECONDS:-30} s, log $log"
	elif [ ! -f "$build_dir/.config" ]; then
		note "building $TARGET/$scheme in $build_dir from cold: about 8-11 min on 2 cores (less with more); progress every ${LAZYMM_PROGRESS_SECONDS:-30} s, log $log"
	else
		note "building $TARGET/$scheme in $build_dir; progress every ${LAZYMM_PROGRESS_SECONDS:-30} s, log $log"
	fi
	build_progress &
	progress_pid=$!
}

# mmss SECONDS: as 6m05s.
mmss() {
	printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}

# objects_built: the objects written since build_start.
objects_built() {
	find "$build_dir" -name '*.o' -newer "$build_dir/.lazymm-build-start" 2>/dev/null | wc -l
}

build_progress() {
	while nap "${LAZYMM_PROGRESS_SECONDS:-30}"; do
		! grep -q "Starting KUnit Kernel" "$build_log" 2>/dev/null || break
		note "building $TARGET/$scheme: $(mmss $(($(date +%s) - build_t0))), $(objects_built) objects built; log $build_log"
	done
}

# build_end_figures: the time (to the last object written) and the objects
# of a build that compiled something, for the next run's expectation.
build_end_figures() {
	local n last
	n=$(objects_built)
	[ "$n" != 0 ] || return 0
	last=$(find "$build_dir" -name '*.o' -newer "$build_dir/.lazymm-build-start" \
		-printf '%T@\n' 2>/dev/null | sort -n | tail -n 1)
	echo "$((${last%.*} - build_t0)) $n" >"$last_build"
}

build_end() {
	[ -z "${progress_pid:-}" ] || kill "$progress_pid" 2>/dev/null || true
	wait "${progress_pid:-}" 2>/dev/null || true
	progress_pid=
	build_end_figures
	kbuild_end "$build_dir"
}

if [ $build_only = 1 ]; then
	cmd=("${kunit_py[@]}" build "${common[@]}" "$@")
	write_cmd "$res/build.cmd" "${cmd[@]}"
	trap 'build_end; echo >&2; die "interrupted; run the same command again to resume the build in $build_dir"' INT TERM
	build_start "$res/build.out"
	status=0
	run "${cmd[@]}" >"$res/build.out" 2>&1 || status=$?
	build_end
	[ ! -f "$build_dir/.config" ] || cp "$build_dir/.config" "$res/config"
	if [ $status != 0 ]; then
		tail -n 20 "$res/build.out" >&2
		die "the kernel did not build (kunit.py exited $status); see $res/build.out"
	fi
	exit 0
fi
write_cmd "$res/kunit.cmd" "${cmd[@]}"
rm -f "$build_dir/test.log"

# kunit.py catches SIGINT itself and returns; say what happened instead of
# counting an interrupted run as failed cases.
if [ $built = 1 ]; then
	trap 'echo >&2; die "interrupted"' INT TERM
else
	trap 'build_end; echo >&2; die "interrupted; run the same command again to resume the build in $build_dir"' INT TERM
fi

note "KUnit on $TARGET, SCHEME=$scheme: results in $res"
status=0
if [ $built = 1 ]; then
	run "${cmd[@]}" 2>&1 | tee "$res/kunit.out" || status=$?
else
	build_start "$res/kunit.out"
	run "${cmd[@]}" 2>&1 | tee "$res/kunit.out" || status=$?
	build_end
fi
[ ! -f "$build_dir/test.log" ] || cp "$build_dir/test.log" "$res/console.log"
[ ! -f "$build_dir/.config" ] || cp "$build_dir/.config" "$res/config"
# kunit.py boots only what it built: a console means the build succeeded.
[ ! -s "$build_dir/test.log" ] || build_command >"$build_dir/.lazymm-booted"

# The checks this run counts: every KUnit case, plus the console checks.
summary=$("$LAZYMM_TOP/scripts/kunit-summary.py" "$res/kunit.json" 2>/dev/null) || true
read -r passed failed skipped <<<"$summary" || true
passed=${passed:-0} failed=${failed:-0} skipped=${skipped:-0}
# The cases that did not pass, by name.
tail -n +2 <<<"$summary" | sed '/^$/d; s/^/  /' >&2
if [ $((passed + failed + skipped)) = 0 ]; then
	# Say why when it is plain: kunit.py refused its options, or the
	# kernel ran and no suite matched the filter glob.
	why=
	if grep -q 'kunit.py: error:' "$res/kunit.out" 2>/dev/null; then
		why=": $(grep -m1 -o 'kunit.py: error:.*' "$res/kunit.out")"
	elif grep -qx '1\.\.0' "$res/console.log" 2>/dev/null; then
		why=": the filter glob matched no suite (SUITE.CASE, case names as in KUNIT_CASE())"
	fi
	note "no KUnit case ran$why; see $res/kunit.out and $res/console.log"
	failed=$((failed + 1))
fi
# Each line of kunit/qemu/TARGET.expect is one check on the console: the
# guest really had 4 CPUs, the MMU really was the one asked for.
while read -r line; do
	if grep -qF -- "$line" "$res/console.log" 2>/dev/null; then
		passed=$((passed + 1))
	else
		note "console lacks \"$line\"; see $res/console.log"
		failed=$((failed + 1))
	fi
done < <(sed -e '/^#/d' -e '/^$/d' "$LAZYMM_TOP/kunit/qemu/$TARGET.expect")
[ "$status" = 0 ] || [ "$failed" != 0 ] || {
	note "kunit.py exited $status; see $res/kunit.out"
	failed=$((failed + 1))
}
echo "$passed $failed $skipped" >"$res/counts"
echo "kunit $TARGET/$scheme: $passed passed, $failed failed, $skipped skipped ($res)"
[ "$failed" = 0 ]
