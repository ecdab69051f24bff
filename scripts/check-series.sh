#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check every prefix of the series the way the kernel test robot would: each
# patch builds on its own, adds no warning, and passes checkpatch and sparse.
#
# Usage: scripts/check-series.sh [options]
#   --arch A       only this main arch (x86_64, arm64, powerpc); repeatable
#   --no-extra     skip the build-only sparc64 and arm checks
#   --budget MIN   start no new check after MIN minutes; exit 3 (run again
#                  to resume).  Default: no limit
#   --only COLS    only these columns (comma-separated, e.g. checkpatch,W=1)
#   --from P, --to P  only these patches (a file name or number, as for bisect)
#   --no-deps      do not check for (or install) Debian packages
#   --prune        check nothing: drop the lines of proofs/check-series that
#                  name a patch or prefix the series no longer has
# Per patch: checkpatch --strict; an incremental build of the kunit config
# on each main arch, per scheme where the prefix offers it; W=1 and sparse
# (C=2) on the .c files the patch touches; sparc64 and arm objects where the
# patch touches those arches or generic code (arm: rpc_defconfig, through
# scripts/armv3-gcc.sh, and SMP vexpress_defconfig with CPU hotplug).  A
# warning counts as a failure unless the same file has it without the series
# (compared file by file with a build of the pristine base).  Checks already
# proved for identical patch content (the whole prefix, for builds) are not
# run again.
# Prints a patch x check table.  Exit: 0 all passed, 1 a failure, 3 stopped
# by --budget before the end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series-tree.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,26p' "$0"
}

MAIN_ARCHS="x86_64 arm64 powerpc"
# LAZYMM_KBUILD_MAKE: the make that builds kernels (a fake, in the tests).
# Not LAZYMM_MAKE: the Makefile sets that to 1 (see lib.sh named()).
MAKE=${LAZYMM_KBUILD_MAKE:-make}
archs=() extra=1 budget= deps=1 only= from= to= prune=0
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--arch) archs+=("${2:?--arch needs a value}"); shift ;;
	--no-extra) extra=0 ;;
	--budget) budget=${2:?--budget needs minutes}; shift ;;
	--only) only=${2:?--only needs columns}; shift ;;
	--from) from=${2:?--from needs a patch}; shift ;;
	--to) to=${2:?--to needs a patch}; shift ;;
	--no-deps) deps=0 ;;
	--prune) prune=1 ;;
	*) die "unknown option $1; see $0 --help" ;;
	esac
	shift
done
[ ${#archs[@]} -gt 0 ] || read -r -a archs <<<"$MAIN_ARCHS"
for a in "${archs[@]}"; do
	case " $MAIN_ARCHS " in *" $a "*) ;; *) die "unknown ARCH=$a for check-series; use one of: $MAIN_ARCHS" ;; esac
done
[ -z "$budget" ] || [[ $budget =~ ^[0-9]+$ ]] || die "--budget $budget is not a number of minutes"
# Read once: the loops below look patches up by number hundreds of times.
mapfile -t patches < <(series_patches)
n=${#patches[@]}
[ "$n" -gt 0 ] || die "patches/series names no patch; there is nothing to check"
first=1 last=$n
if [ -n "$from" ]; then
	first=$(series_index "$from")
	[ -n "$first" ] && [ "$first" -gt 0 ] || die "--from $from is not a patch in patches/series; use a file name from it or its number"
fi
if [ -n "$to" ]; then
	last=$(series_index "$to")
	[ -n "$last" ] && [ "$last" -gt 0 ] || die "--to $to is not a patch in patches/series; use a file name from it or its number"
fi
[ "$first" -le "$last" ] || die "--from $from is after --to $to in patches/series"

if [ $deps = 1 ]; then
	"$LAZYMM_TOP/scripts/deps.sh" "${archs[@]}"
	"$LAZYMM_TOP/scripts/deps.sh" --series-tools
fi

work=$LAZYMM_CACHE/series
tree=$work/linux
state=$work/check
repo=$("$LAZYMM_TOP/scripts/base-git.sh")
base=$(git -C "$repo" rev-parse refs/lazymm/pristine)
mkdir -p "$work" "$state/proved" "$state/logs" "$state/ref"
prepare_series_tree "$work" "$repo" "$tree" "$base"
lazymm_ccache

# ---- what each arch is built with ------------------------------------------

# arch_make KEY: the make variables for KEY (an arch, an arch-scheme, or
# arm-rpc / arm-smp).
arch_make() {
	local cross
	case $1 in
	arm-rpc)
		echo "ARCH=arm CROSS_COMPILE=arm-linux-gnueabi- CC=ccache\\ $LAZYMM_TOP/scripts/armv3-gcc.sh"
		return ;;
	esac
	case ${1%%-*} in
	x86_64) echo "ARCH=x86_64 CROSS_COMPILE= CC=ccache\\ gcc" ;;
	arm64) cross=aarch64-linux-gnu- ;;
	powerpc) cross=powerpc64le-linux-gnu- ;;
	sparc64) cross=sparc64-linux-gnu- ;;
	arm) cross=arm-linux-gnueabi- ;;
	esac
	[ -z "${cross:-}" ] || echo "ARCH=${1%%-*} CROSS_COMPILE=$cross CC=ccache\\ ${cross}gcc"
}

# mk DIR KEY args...: make in O=DIR for KEY, from the current tree.
mk() {
	local dir=$1 key=$2 src=${SRC:-$tree}
	shift 2
	eval "set -- $(arch_make "$key") \"\$@\""
	mkdir -p "$dir"
	kbuild_begin "$dir"
	local rc=0
	$MAKE -C "$src" O="$dir" -j2 "$@" || rc=$?
	kbuild_end "$dir"
	return $rc
}

# qemu_kconfig TARGET: the kconfig lines of kunit/qemu/TARGET.py.
qemu_kconfig() {
	python3 - "$LAZYMM_TOP/kunit/qemu/$1.py" <<'EOF'
import ast, sys
for node in ast.walk(ast.parse(open(sys.argv[1]).read())):
    if isinstance(node, ast.keyword) and node.arg == 'kconfig':
        print(node.value.value)
EOF
}

# config_input KEY: what kunit.py starts its .config from for ARCH-SCHEME,
# less kunit/trim.kunitconfig (what the booted kernels leave out for a
# shorter build; a compile check wants it compiled); make olddefconfig
# then drops what the prefix does not define yet.
config_input() {
	local arch=${1%-*} scheme=${1#*-} target=$1
	target=$arch
	[ "$arch" != powerpc ] || target=powerpc-radix
	cat "$LAZYMM_TOP/kunit/lazymm.kunitconfig" "$(scheme_fragment "$scheme")"
	qemu_kconfig "$target"
}

# extra_config KEY DIR: the config of a build-only check.  arm has two:
# rpc_defconfig for the series' mach-rpc change (UP, ARMv3), and SMP
# vexpress with CPU hotplug for the generic code a UP kernel leaves out.
extra_config() {
	local key=$1 dir=$2
	case $key in
	sparc64) mk "$dir" "$key" sparc64_defconfig ;;
	arm-rpc)
		mk "$dir" "$key" rpc_defconfig
		grep -q '^CONFIG_ARCH_RPC=y' "$dir/.config" ||
			{ echo "rpc_defconfig has no ARCH_RPC, even with scripts/armv3-gcc.sh"; return 1; } ;;
	arm-smp)
		mk "$dir" "$key" vexpress_defconfig
		"${SRC:-$tree}/scripts/config" --file "$dir/.config" -e SMP -e HOTPLUG_CPU
		mk "$dir" "$key" olddefconfig ;;
	esac
}

# extra_keys COLUMN: the configs a build-only column checks.
extra_keys() {
	case $1 in
	arm) echo arm-rpc arm-smp ;;
	*) echo "$1" ;;
	esac
}

# ---- warnings ---------------------------------------------------------------

# warnings_of LOG [SRC]: compiler and sparse diagnostics, one each, as
# "UNIT<tab>file: kind: text": no line numbers (a patch moves lines), paths
# from the tree top, and UNIT the .c or .S file whose compile reported it.
# A warning in a header belongs to the unit gcc's "In file included from"
# chain or sparse's "X.c: note: in included file" names, else to SRC (the
# one object a log was made for), else to the header itself.  "<stdin>" is
# Kbuild's own prepare step (checksyscalls.sh warns there about syscalls an
# arch lacks, e.g. clone3 on sparc64), not a file of the tree.
warnings_of() {
	sed -e "s@$tree/@@g" -e "s@$repo/@@g" -e 's@^\./@@' "$1" |
		awk -v dflt="${2:-}" '
		function unit_of(path) { return path ~ /\.[cS]$/ }
		/^In file included from / { chain = 1; unit = "" }
		chain && match($0, /(from|In file included from) [^ :]+:/) {
			f = substr($0, RSTART, RLENGTH - 1); sub(/^.* /, "", f)
			if (unit_of(f)) unit = f
			if ($0 !~ /,$/) chain = 0
			next
		}
		match($0, /^[^ :]+: note: in included file/) {
			f = $0; sub(/: note: .*/, "", f)
			if (unit_of(f)) unit = f
			next
		}
		/^<stdin>:/ { next }
		match($0, /^[^ :]+:[0-9]+(:[0-9]+)?: (warning|error): /) {
			f = $0; sub(/:.*/, "", f)
			kind = $0; sub(/^[^ ]+ /, "", kind); sub(/:.*/, "", kind)
			text = substr($0, RLENGTH + 1)
			u = unit_of(f) ? f : (unit != "" ? unit : (dflt != "" ? dflt : f))
			print u "\t" f ": " kind ": " text
		}' | sort -u
}

# ref_warnings KIND KEY FILE: FILE's diagnostics without the series (cached):
# KIND build (plain), w1 (W=1) or sparse (C=2), for KEY's config.
ref_warnings() {
	local kind=$1 key=$2 f=$3 ref dir log flags=()
	ref=$state/ref/$key-$kind-$(echo "$f" | tr / %)
	if [ ! -f "$ref" ]; then
		dir=$work/base-build/$key
		mkdir -p "$dir"
		[ -f "$dir/.config" ] || base_config "$key" "$dir"
		case $kind in w1) flags=(W=1) ;; sparse) flags=(C=2) ;; esac
		log=$(mktemp)
		# Only a unit compiles; a header's own diagnostics (no unit
		# known) have no reference, so any of them counts as new.
		case $f in
		*.c|*.S)
			if git -C "$repo" cat-file -e "HEAD:$f" 2>/dev/null; then
				# An object left by an earlier reference would
				# not compile again, and so not warn.
				rm -f "$dir/${f%.[cS]}.o"
				SRC=$repo mk "$dir" "$key" "${flags[@]}" "${f%.[cS]}.o" >"$log" 2>&1 || true
			fi ;;
		esac
		warnings_of "$log" "$f" | cut -f2 | sort -u >"$ref.tmp"
		# Whether the base compiles it at all in this config.
		grep -qE 'error:|\*\*\* No rule' "$log" && echo 1 >"$ref.failed" || rm -f "$ref.failed"
		mv "$ref.tmp" "$ref"
		rm -f "$log"
	fi
	cat "$ref"
}

# base_fails KEY FILE: true if the base cannot compile FILE in KEY's
# config either (a file of another sub-arch, like sparc32's leon_smp.c in
# sparc64_defconfig): not the series' doing, and not this config's file.
base_fails() {
	ref_warnings build "$1" "$2" >/dev/null
	[ -f "$state/ref/$1-build-$(echo "$2" | tr / %).failed" ]
}

# config_builds DIR FILE: false if FILE's object is listed in its
# directory's Makefile only under CONFIG_ options that DIR's .config does
# not set.  Kbuild compiles a named object whatever the config says, so
# without this a test of a feature the arch lacks (lazy_mmu_mode_test.c on
# arm, which has no ARCH_HAS_LAZY_MMU_MODE) would "fail" where Kconfig
# never builds it.  An object the Makefile names some other way (obj-y,
# $(BITS), a composite) counts as built.
config_builds() {
	local dir=$1 f=$2 mf sym syms
	mf=$tree/$(dirname "$f")/Makefile
	[ -f "$mf" ] || return 0
	syms=$(awk -v o="$(basename "${f%.c}").o" '
		{ line = line $0 }
		/\\$/ { sub(/\\$/, " ", line); next }
		match(line, /^[A-Za-z0-9_]+-(\$\(CONFIG_[A-Za-z0-9_]+\)|y|m)[ \t]*[:+]?=/) {
			lhs = substr(line, 1, RLENGTH)
			n = split(substr(line, RLENGTH + 1), w, /[ \t]+/)
			for (k = 1; k <= n; k++)
				if (w[k] == o)
					print (match(lhs, /CONFIG_[A-Za-z0-9_]+/) ? substr(lhs, RSTART, RLENGTH) : "y")
		}
		{ line = "" }' "$mf" | sort -u)
	[ -n "$syms" ] || return 0
	for sym in $syms; do
		[ "$sym" != y ] || return 0
		grep -qE "^$sym=[ym]" "$dir/.config" && return 0
	done
	return 1
}

# base_config KEY DIR: the config KEY uses, in the pristine base.
base_config() {
	case $1 in
	sparc64|arm-*) SRC=$repo extra_config "$1" "$2" >/dev/null 2>&1 ;;
	*) config_input "$1" >"$2/.config"; SRC=$repo mk "$2" "$1" olddefconfig >/dev/null 2>&1 ;;
	esac
}

# new_warnings KIND KEY LOG [SRC]: the diagnostics in LOG that the base
# does not have when it compiles the same unit.
new_warnings() {
	local kind=$1 key=$2 log=$3 unit w
	warnings_of "$log" "${4:-}" | while IFS=$'\t' read -r unit w; do
		ref_warnings "$kind" "$key" "$unit" | grep -qxF -- "$w" || echo "$w"
	done
}

# ---- the checks -------------------------------------------------------------

# touched_c I: the .c files patch I touches and still has.
touched_c() {
	local p
	p=${patches[$1 - 1]}
	sed -nE 's@^diff --git a/[^ ]+ b/([^ ]+\.c)$@\1@p' "$LAZYMM_TOP/patches/$p" |
		while read -r f; do [ ! -f "$tree/$f" ] || echo "$f"; done
}

# touched I: every path patch I touches.
touched() {
	sed -nE 's@^diff --git a/([^ ]+) b/([^ ]+)$@\2@p' \
		"$LAZYMM_TOP/patches/${patches[$1 - 1]}"
}

# CHECK RESULT: each check_* prints one line "ok|ok*|FAIL|- [detail]" and
# leaves its log in $LOG.

check_checkpatch() {
	local p=$1 out msg t word justified=0
	# The system python3 (for ply in spdxcheck.py), not a pyenv one.
	out=$(cd "$repo" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --show-types --no-summary --terse \
		"$LAZYMM_TOP/patches/$p" 2>&1) || true
	echo "$out" >"$LOG"
	[ -n "$out" ] || { echo ok; return; }
	# An exception is justified if the patch's own message names it: it
	# mentions checkpatch and the warning's type or a key word of it.
	msg=$(sed -n '/^$/,/^---$/p' "$LAZYMM_TOP/patches/$p")
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		t=$(sed -nE 's/^[^:]*:[0-9]*: (ERROR|WARNING|CHECK):([A-Z_]+):.*/\2/p' <<<"$line")
		# Anything else is checkpatch itself failing (e.g. its SPDX check).
		[ -n "$t" ] || { echo "FAIL checkpatch said: $line"; return; }
		grep -qi checkpatch <<<"$msg" || { echo "FAIL $line"; return; }
		justified=0
		for word in $t $(sed -E 's/^.*(ERROR|WARNING|CHECK):[A-Z_]+: //' <<<"$line" |
				grep -oE '[A-Z][A-Z_]{3,}'); do
			grep -qw -- "$word" <<<"$msg" && justified=1
		done
		[ $justified = 1 ] || { echo "FAIL $line"; return; }
	done <<<"$out"
	echo "ok* $(head -n1 <<<"$out" | sed -E 's/^[^:]*:[0-9]*: //') (justified in the message)"
}

check_build() {
	local key=$1 i=$2 dir=$work/build/$1 rc=0 nw
	mkdir -p "$dir"
	config_input "$key" >"$dir/.config"
	mk "$dir" "$key" olddefconfig >"$LOG" 2>&1 || { echo "FAIL olddefconfig (see $LOG)"; return; }
	if [ "${key#*-}" = shootdown ] && ! grep -q '^CONFIG_MMU_LAZY_TLB_SHOOTDOWN=y' "$dir/.config"; then
		echo "- shootdown not offered"
		return
	fi
	mk "$dir" "$key" >>"$LOG" 2>&1 || rc=$?
	[ $rc = 0 ] || { echo "FAIL build: $(grep -m1 -E 'error:|Error [0-9]' "$LOG" | sed "s@$tree/@@")"; return; }
	nw=$(new_warnings build "${key%-*}-refcount" "$LOG")
	[ -z "$nw" ] || { echo "FAIL new warning: $(head -n1 <<<"$nw")"; return; }
	echo ok
}

# check_objects KIND I: W=1 or sparse on patch I's .c files, on every main
# arch whose config builds them.
check_objects() {
	local kind=$1 i=$2 a f dir flags nw any=0 log
	case $kind in w1) flags=W=1 ;; sparse) flags=C=2 ;; esac
	: >"$LOG"
	for a in "${archs[@]}"; do
		dir=$work/build/$a-refcount
		for f in $(touched_c "$i"); do
			# Only what this config builds: the full build made its object.
			[ -f "$dir/${f%.c}.o" ] || continue
			any=1
			log=$(mktemp)
			mk "$dir" "$a-refcount" "$flags" "${f%.c}.o" >"$log" 2>&1 ||
				{ cat "$log" >>"$LOG"; rm -f "$log"; echo "FAIL $a $f does not build with $flags"; return; }
			cat "$log" >>"$LOG"
			nw=$(new_warnings "$kind" "$a-refcount" "$log" "$f")
			rm -f "$log"
			[ -z "$nw" ] || { echo "FAIL $a: $(head -n1 <<<"$nw")"; return; }
		done
	done
	[ $any = 1 ] && echo ok || echo "- no .c file built here"
}

# check_extra COLUMN I: sparc64 or arm objects for patch I, if it concerns
# them, in each of the column's configs (extra_keys).
check_extra() {
	local col=$1 i=$2 archdir=$1 key dir f files nw log rc out=
	[ "$col" != sparc64 ] || archdir=sparc
	if ! touched "$i" | grep -qvE '^(arch/|Documentation/|tools/|MAINTAINERS$)' &&
	   ! touched "$i" | grep -q "^arch/$archdir/"; then
		echo "- not touched"
		return
	fi
	# The patch's .c files; after a change to a header or Kconfig this arch
	# reads, every .c file the series touched so far (the helpers' callers).
	# Other arches' files are not this one's business.
	files=$(touched_c "$i")
	if touched "$i" | awk -v a="arch/$archdir/" '/\.h$|Kconfig/ &&
	   ($0 !~ /^arch\// || index($0, a) == 1 || $0 == "arch/Kconfig")' | grep -q .; then
		files=$(for j in $(seq 1 "$i"); do touched_c "$j"; done | sort -u)
	fi
	files=$(awk -v a="arch/$archdir/" '$0 !~ /^arch\// || index($0, a) == 1' <<<"$files")
	: >"$LOG"
	for key in $(extra_keys "$col"); do
		dir=$work/build/$key
		mkdir -p "$dir"
		extra_config "$key" "$dir" >>"$LOG" 2>&1 || { echo "FAIL $key config (see $LOG)"; return; }
		for f in $files; do
			config_builds "$dir" "$f" || continue
			log=$(mktemp)
			rc=0
			# -j1: Kbuild hands arch/arm/mach-rpc/X.o both to
			# arch/arm and to arch/arm/mach-rpc (arm's core-y); both
			# compile it, and in parallel they race (nm fails).
			mk "$dir" "$key" -j1 "${f%.c}.o" >"$log" 2>&1 || rc=$?
			cat "$log" >>"$LOG"
			if grep -q 'No rule to make target' "$log" ||
			   { [ $rc != 0 ] && base_fails "$key" "$f"; }; then
				rm -f "$log"
				continue	# not in this config
			fi
			if [ $rc != 0 ]; then
				echo "FAIL $key $f: $(grep -m1 -E 'error:|\*\*\*' "$log" | sed "s@$tree/@@")"
				rm -f "$log"
				return
			fi
			nw=$(new_warnings build "$key" "$log" "$f")
			rm -f "$log"
			[ -z "$nw" ] || { echo "FAIL $key new warning: $(head -n1 <<<"$nw")"; return; }
			out="$out $key:${f##*/}"
		done
	done
	echo "lazymm: compiled:${out:- nothing}" >>"$LOG"
	[ -n "$out" ] && echo ok || echo "- none of its files in ${col}'s configs"
}

# ---- the run ---------------------------------------------------------------

columns=(checkpatch)
for a in "${archs[@]}"; do columns+=("$a" "$a/sd"); done
columns+=(W=1 sparse)
[ $extra = 0 ] || columns+=(sparc64 arm)
if [ -n "$only" ]; then
	keep=()
	for col in "${columns[@]}"; do
		case ",$only," in *",$col,"*) keep+=("$col") ;; esac
	done
	[ ${#keep[@]} -gt 0 ] || die "--only $only names no column; use some of: ${columns[*]}"
	columns=("${keep[@]}")
fi

# prefix_key I: what a build of prefix I depends on: its patches and the
# base's content.  The base's tree, not its commit: each machine imports
# the tarball anew, and the commit's date (so its hash) is the import's.
base_tree=$(git -C "$repo" rev-parse "$base^{tree}")
prefix_key() {
	{
		sed -n "2,$(($1 + 1))p" "$work/series.map" | awk '{ print $2 }'
		echo "$base_tree"
	} | sha256sum | cut -c1-16
}

# cell_name COLUMN I: set name to the proof's name: the column and the
# patch (checkpatch) or the whole prefix and the config input (builds).
# Each hash is computed once (a run looks up every cell).
declare -A hashes=()
cell_name() {
	local col=$1 i=$2 key
	[ -n "${hashes[prefix$i]:-}" ] || hashes[prefix$i]=$(prefix_key "$i")
	case $col in
	checkpatch)
		[ -n "${hashes[patch$i]:-}" ] ||
			hashes[patch$i]=$(patch_hash "$LAZYMM_TOP/patches/${patches[i - 1]}")
		[ -n "${hashes[checkpatch]:-}" ] ||
			hashes[checkpatch]=$(patch_hash "$repo/scripts/checkpatch.pl")
		key=${hashes[patch$i]}-${hashes[checkpatch]} ;;
	sparc64) key=${hashes[prefix$i]} ;;
	# The wrapper is part of arm's config: a new one proves again.
	arm)
		[ -n "${hashes[armv3]:-}" ] ||
			hashes[armv3]=$(patch_hash "$LAZYMM_TOP/scripts/armv3-gcc.sh")
		key=${hashes[prefix$i]}-${hashes[armv3]} ;;
	*) key=${hashes[prefix$i]}-$config_hash ;;
	esac
	name=${col//\//_}-$key
}

run_cell() {
	local col=$1 i=$2 p
	p=${patches[i - 1]}
	case $col in
	checkpatch) check_checkpatch "$p" ;;
	*/sd) check_build "${col%/sd}-shootdown" "$i" ;;
	W=1) check_objects w1 "$i" ;;
	sparse) check_objects sparse "$i" ;;
	sparc64|arm) check_extra "$col" "$i" ;;
	*) check_build "$col-refcount" "$i" ;;
	esac
}

# The estimate: each kind of check's mean duration so far (or a guess).
estimate_left() {
	local left=0 col kind secs
	local -A mean=()
	while read -r kind secs; do
		mean[$kind]=$secs
	done < <(awk 'NF { s[$1] += $2; k[$1]++ } END { for (c in s) print c, int(s[c] / k[c]) }' \
		"$state/durations")
	for col in "$@"; do
		col=${col#*,}
		col=${col%%/*}
		[ -n "${mean[$col]:-}" ] || { [ "$col" = checkpatch ] && mean[$col]=5 || mean[$col]=180; }
		left=$((left + mean[$col]))
	done
	echo "$((left / 60)) min"
}

# The proofs travel with the project: each passed check is also a line
# "NAME RESULT" in proofs/check-series (commit it), so a new machine, or the
# next session on a new runner, resumes where the last one stopped instead
# of proving all 286 cells again.  NAME is the content hash of what the
# check depended on, so a line can only ever vouch for identical input.
LEDGER=${LAZYMM_PROOFS:-$LAZYMM_TOP/proofs/check-series}
mkdir -p "$(dirname "$LEDGER")"
touch "$LEDGER"

# proved NAME: set r to the recorded result of check NAME, if any (this
# machine's cache first, then the ledger, read once).
declare -A ledger=()
# As awk read it: blank lines skipped, a last line without its newline kept.
while read -r lname lresult || [ -n "$lname" ]; do
	[ -n "$lname" ] || continue
	[ -n "${ledger[$lname]+set}" ] || ledger[$lname]=$lresult
done <"$LEDGER"
proved() {
	r=
	if [ -f "$state/proved/$1" ]; then
		r=$(<"$state/proved/$1")
	else
		r=${ledger[$1]:-}
	fi
}

# record NAME RESULT: keep a passed check, in the cache and in the ledger
# (sorted, one line per name: a rerun does not grow it).
record() {
	echo "$2" >"$state/proved/$1"
	{
		awk -v n="$1" '$1 != n' "$LEDGER"
		echo "$1 $2"
	} | LC_ALL=C sort >"$LEDGER.new"
	mv "$LEDGER.new" "$LEDGER"
}

# prune_ledger: keep the ledger's lines whose content hash (a patch's, for
# checkpatch; a prefix's, for the rest) is one of today's series, whatever
# arch, column or config proved them; drop the rest, which no input can
# match again (a patch since edited changes its hash and every later
# prefix's).
prune_ledger() {
	local i live= before after
	for i in $(seq 1 "$n"); do
		cell_name checkpatch "$i"
		live+=" ${hashes[patch$i]} ${hashes[prefix$i]}"
	done
	before=$(grep -c . "$LEDGER" || true)
	awk -v live="$live" '
		BEGIN { n = split(live, l, " "); for (i = 1; i <= n; i++) keep[l[i]] = 1 }
		NF { split($1, f, "-"); if (f[2] in keep) print }' "$LEDGER" >"$LEDGER.new"
	mv "$LEDGER.new" "$LEDGER"
	after=$(grep -c . "$LEDGER" || true)
	note "pruned $LEDGER: $((before - after)) lines named content the series no longer has; $after kept"
}
if [ $prune = 1 ]; then
	prune_ledger
	exit 0
fi

touch "$state/durations"
config_hash=$(for a in "${archs[@]}"; do config_input "$a-refcount"; config_input "$a-shootdown"; done |
	sha256sum | cut -c1-12)
start=$(date +%s)
declare -A result=()
todo=()
for i in $(seq 1 "$n"); do
	for col in "${columns[@]}"; do
		cell_name "$col" "$i"
		proved "$name"
		if [ -n "$r" ]; then
			result[$i,$col]=$r
		elif [ "$i" -ge "$first" ] && [ "$i" -le "$last" ]; then
			todo+=("$i,$col")
		fi
	done
done
note "${#result[@]} checks already proved, ${#todo[@]} to run; about $(estimate_left "${todo[@]}") on this machine"
# A build this script ran that was killed outright: say so here (the
# builds' own output goes to the cells' logs) and undo what it wrote.
if [ ${#todo[@]} -gt 0 ]; then
	for d in "$work"/build/*/ "$work"/base-build/*/; do
		[ -f "$d.lazymm-building" ] || continue
		kbuild_begin "${d%/}"
		kbuild_end "${d%/}"
	done
fi

stopped=0 done_=0 head=
for item in "${todo[@]}"; do
	i=${item%%,*} col=${item#*,}
	if [ -n "$budget" ] && [ $(($(date +%s) - start)) -ge $((budget * 60)) ]; then
		stopped=1
		break
	fi
	p=${patches[i - 1]}
	# Check out the prefix by way of its parent, so every file the patch
	# touches is newer than its objects and is rebuilt (and warns) here,
	# whatever the build dirs last built.
	if [ "$head" != "$i" ]; then
		git -C "$tree" checkout -q -f --detach "$(series_commit "$tree" $((i - 1)))"
		git -C "$tree" checkout -q -f --detach "$(series_commit "$tree" "$i")"
		head=$i
	fi
	LOG=$state/logs/$(printf %04d "$i")-$(echo "$col" | tr / _).log
	t0=$(date +%s)
	r=$(run_cell "$col" "$i")
	secs=$(($(date +%s) - t0))
	result[$i,$col]=$r
	case $r in
	ok*|-*) cell_name "$col" "$i"; record "$name" "$r" ;;
	esac
	echo "${col%%/*} $secs" >>"$state/durations"
	done_=$((done_ + 1))
	note "[$done_/${#todo[@]}] $p $col: $r (${secs}s); about $(estimate_left "${todo[@]:$done_}") left"
done
git -C "$tree" checkout -q -f --detach "$(series_commit "$tree" "$n")"

# The table: one row per patch, one column per check.
{
	printf '%-44s' patch
	for col in "${columns[@]}"; do printf ' %-10s' "$col"; done
	echo
	fail=0 pending=0
	for i in $(seq 1 "$n"); do
		p=${patches[i - 1]}
		printf '%-44s' "${p:0:44}"
		for col in "${columns[@]}"; do
			r=${result[$i,$col]:-...}
			case $r in FAIL*) fail=1 ;; ...) pending=1 ;; esac
			printf ' %-10s' "${r%% *}"
		done
		echo
	done
	for i in $(seq 1 "$n"); do
		for col in "${columns[@]}"; do
			r=${result[$i,$col]:-}
			case $r in FAIL*|ok?*) echo "  ${patches[i - 1]:0:4} $col: $r" ;; esac
		done
	done
}
# The whole series: the cover letter lists what patches/series has.
if [ -z "$only" ] && ! "$LAZYMM_TOP/scripts/cover-letter.sh" --check >/dev/null 2>&1; then
	echo "  cover letter: FAIL out of date with patches/series; run scripts/cover-letter.sh"
	fail=1
fi
elapsed=$(($(date +%s) - start))
note "check-series took $((elapsed / 60))m$((elapsed % 60))s; logs in $state/logs"
[ $fail = 0 ] || exit 1
[ $stopped = 0 ] && [ $pending = 0 ] || { note "stopped by --budget; run again to resume"; exit 3; }
