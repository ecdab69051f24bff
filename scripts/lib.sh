# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the lazymm scripts.  Source it; it defines functions and
# the defaults every script agrees on, and runs nothing.

# Where the clone is, whatever directory the caller ran from.
LAZYMM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Build dirs, ccache, the default tree and results live outside the clone.
LAZYMM_CACHE=${LAZYMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lazymm}
LAZYMM_DEFAULT_KDIR=$LAZYMM_CACHE/linux-6.1.y
# Debian's linux-source-6.1 tarball: the default tree and the series' base.
LAZYMM_TARBALL=${LAZYMM_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
LAZYMM_RESULTS=${LAZYMM_RESULTS:-$LAZYMM_TOP/results}

# die msg...: print "lazymm: msg" on stderr and exit 1.  Messages are one
# line: the cause, then what to do about it.
die() {
	echo "lazymm: $*" >&2
	exit 1
}

# named OPT VAR: a setting as the user gave it, for messages: "VAR=" when
# make ran us (the Makefile sets LAZYMM_MAKE=1), else "OPT ".
named() {
	if [ "${LAZYMM_MAKE:-}" = 1 ]; then
		printf '%s=' "$2"
	else
		printf '%s ' "$1"
	fi
}

# empty OPT VAR: an empty setting as the user gave it: "VAR=" or "OPT".
empty() {
	local n
	n=$(named "$1" "$2")
	echo "${n% }"
}

# optarg OPT VALUE: VALUE, in an option loop (x=$(optarg "$@")), or die when
# there is none.  An empty VALUE is returned: the check of the value names
# the setting and what it may be.
optarg() {
	[ $# -ge 2 ] || die "$1 needs a value; see $0 --help"
	printf '%s' "$2"
}

# note msg...: progress on stderr, so stdout stays machine-readable.
note() {
	echo "lazymm: $*" >&2
}

# nap SECONDS: sleep for a background progress loop ("while nap N; do").
# Its owner ends the loop with kill: a plain sleep would outlive the loop,
# holding the stdout and stderr it inherited, and whoever reads those (a
# pipe to tee, a test) would wait up to SECONDS more for their end.  A
# trapped TERM interrupts wait at once, and the trap ends the sleep too;
# it is set before the sleep starts, so no TERM can fall between the two.
# Only in a background loop (a subshell): in the main shell the trap would
# replace the script's own.
nap() {
	[ "$BASHPID" != "$$" ] || die "nap is for background loops; the main shell's TERM trap is its own"
	trap 'kill $(jobs -p) 2>/dev/null || :; exit 0' TERM
	sleep "$1" &
	wait $!
}

# kbuild_begin DIR, kbuild_end DIR: around a kernel build in O=DIR.  A
# build killed outright (a session's end, SIGKILL, a power cut) leaves the
# marker behind, and may have left a target half written or its .cmd file
# cut short ("unterminated call to function 'wildcard'" in every later
# make, or a partial object that looks up to date).  The next build first
# removes what the killed one wrote: every kbuild target (a file with a
# .NAME.cmd beside it) and .cmd file newer than the marker, so kbuild
# builds them again.  A build that ends, even failing or by Ctrl-C (make
# deletes the target it was writing), removes the marker.
kbuild_begin() {
	local dir=$1 mark=$1/.lazymm-building f n=0
	if [ -f "$mark" ]; then
		while IFS= read -r -d '' f; do
			[ -f "${f%/*}/.${f##*/}.cmd" ] || continue
			rm -f "$f" "${f%/*}/.${f##*/}.cmd"
			n=$((n + 1))
		done < <(find "$dir" -type f -newer "$mark" ! -name '.*.cmd' -print0)
		find "$dir" -type f -name '.*.cmd' -newer "$mark" -delete
		note "the last build in $dir did not end (killed?); building again the $n targets it wrote"
	fi
	touch "$mark"
}

kbuild_end() {
	rm -f "$1/.lazymm-building"
}

# lazymm_ccache: export CCACHE_DIR, lazymm's own cache unless you set
# yours (then its configuration is left as you made it).  Ours runs in
# depend mode: in the default mode a miss first runs the preprocessor over
# the whole translation unit (for kernel code, mostly headers) to hash it,
# and a cold kernel build is nearly all misses (fs/, 117 objects: 84-92 s
# against 62-69 s in depend mode, 2 cores).  The prices: no hits across
# configurations (a refcount and a shootdown build shared about 1 object
# in 8, since most of them include <linux/sched/mm.h>), and a file pulled
# in by .incbin is not part of the hash (ccache sees it only in
# preprocessed output): kernels built to boot go through
# scripts/ccache-cc.sh, which keeps such sources out of the cache; make
# check-series only compiles, and boots nothing it builds.
lazymm_ccache() {
	local conf
	[ -z "${CCACHE_DIR:-}" ] || return 0
	export CCACHE_DIR=$LAZYMM_CACHE/ccache
	conf=$CCACHE_DIR/ccache.conf
	mkdir -p "$CCACHE_DIR"
	[ -f "$conf" ] || echo "max_size = 8G" >"$conf"
	grep -q '^depend_mode' "$conf" && return 0
	# A conf edited by hand may lack its last newline.
	[ -z "$(tail -c1 "$conf")" ] || echo >>"$conf"
	echo "depend_mode = true" >>"$conf"
}

# run cmd...: print the exact command, then run it, so any step can be
# repeated by hand.
run() {
	echo "+ $*" >&2
	"$@"
}

# known_archs: the ARCH values there is a data file for.
known_archs() {
	local f
	for f in "$LAZYMM_TOP"/kunit/arch/*.conf; do
		basename "$f" .conf
	done
}

# load_arch ARCH [MMU]: read kunit/arch/ARCH.conf and check MMU against it.
# Sets CROSS_COMPILE, PACKAGES, MMUS, DEB_ARCH, MMU and TARGET (arch, or arch-mmu).
load_arch() {
	local arch=$1 mmu=${2:-}
	local conf=$LAZYMM_TOP/kunit/arch/$arch.conf

	[ -n "$arch" ] ||
		die "ARCH= is empty; use one of: $(echo $(known_archs))"
	[ -f "$conf" ] ||
		die "unknown ARCH=$arch; use one of: $(echo $(known_archs))"
	CROSS_COMPILE= PACKAGES= MMUS= DEB_ARCH= UNAME_M=
	# shellcheck source=/dev/null
	. "$conf"
	if [ -z "$MMUS" ]; then
		[ -z "$mmu" ] ||
			die "MMU=$mmu is not a choice on ARCH=$arch; drop MMU= (only powerpc has one)"
		MMU=
		TARGET=$arch
		return
	fi
	[ -n "$mmu" ] || mmu=${MMUS%% *}
	case " $MMUS " in
	*" $mmu "*) ;;
	*) die "unknown MMU=$mmu for ARCH=$arch; use one of: $MMUS" ;;
	esac
	MMU=$mmu
	TARGET=$arch-$mmu
}

# matrix_lines: kunit/matrix ("ARCH MMU SCHEME", "-" for no MMU) without
# comments and blank lines.
matrix_lines() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LAZYMM_TOP/kunit/matrix"
}

# known_schemes: the SCHEME values there is a kconfig fragment for.
known_schemes() {
	local f
	for f in "$LAZYMM_TOP"/kconfig/scheme-*.config; do
		f=$(basename "$f" .config)
		echo "${f#scheme-}"
	done
}

# scheme_fragment SCHEME: path of the fragment, or die naming the choices.
scheme_fragment() {
	local f=$LAZYMM_TOP/kconfig/scheme-$1.config

	[ -n "$1" ] ||
		die "SCHEME= is empty; use one of: $(echo $(known_schemes))"
	[ -f "$f" ] ||
		die "unknown SCHEME=$1; use one of: $(echo $(known_schemes))"
	echo "$f"
}

# kconfig_symbol_defined KDIR SYM: does any Kconfig file in KDIR define SYM?
kconfig_symbol_defined() {
	grep -rqsE --include='Kconfig*' "^[[:space:]]*(menu)?config[[:space:]]+$2\$" "$1"
}

# fragment_symbols FRAGMENT: the symbols (no CONFIG_) it sets to y or m.
fragment_symbols() {
	sed -nE 's/^CONFIG_([A-Za-z0-9_]+)=[ym]$/\1/p' "$1"
}

# fragment_missing_symbols KDIR FRAGMENT: print the symbols the fragment sets
# to y or m that KDIR does not define.  A scheme whose symbols are missing is
# one the tree (the series, as far as it has got) does not provide yet.
fragment_missing_symbols() {
	local sym
	fragment_symbols "$2" | while read -r sym; do
		kconfig_symbol_defined "$1" "$sym" || echo "$sym"
	done
}

# makefile_version: "VERSION.PATCHLEVEL.SUBLEVEL" of the top Makefile on
# stdin (nothing if it has none).
makefile_version() {
	awk -F' *= *' '
		$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2 }
		END { if (v != "") printf "%s.%s.%s\n", v, p, s }'
}

# kernel_version KDIR: "VERSION.PATCHLEVEL.SUBLEVEL" from KDIR/Makefile.
kernel_version() {
	[ -f "$1/Makefile" ] || return 0
	makefile_version <"$1/Makefile" 2>/dev/null || true
}

# series_files_in KDIR: the files the series touches that KDIR has.
series_files_in() {
	local f
	while read -r f; do
		[ ! -e "$1/$f" ] || echo "$f"
	done < <(series_files)
}

# resolve_kdir DIR: print DIR as an absolute path, or die unless it is a
# Linux 6.1.y source tree.
resolve_kdir() {
	local kdir
	[ ! -f "$1" ] ||
		die "KDIR=$1 is a file, not a tree; extract it (tar -xf $1) and give the directory, or leave KDIR unset for Debian's tree (make tree)"
	kdir=$(cd "$1" 2>/dev/null && pwd) ||
		die "KDIR=$1 does not exist; point KDIR at a Linux 6.1.y tree"
	check_kdir "$kdir"
	echo "$kdir"
}

# check_kdir KDIR: die unless KDIR is a Linux 6.1.y source tree.
check_kdir() {
	local kdir=$1 ver

	[ -d "$kdir" ] ||
		die "KDIR=$kdir does not exist; point KDIR at a Linux 6.1.y tree or leave it unset for the default"
	ver=$(kernel_version "$kdir")
	[ -n "$ver" ] && [ -f "$kdir/Kconfig" ] && [ -d "$kdir/kernel" ] ||
		die "KDIR=$kdir is not a Linux source tree (no top-level Makefile with VERSION); point KDIR at a 6.1.y tree"
	case $ver in
	6.1.*) ;;
	*) die "KDIR=$kdir is Linux $ver, not 6.1.y; lazymm is written against 6.1 LTS, use a 6.1.y tree" ;;
	esac
}

# series_patches: the patch files named in patches/series, in order.
series_patches() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' \
		"$LAZYMM_TOP/patches/series" | awk '{ print $1 }'
}

# series_id: a hash of the series file and every patch it names; it changes
# whenever the series does, so an applied tree knows whether it is current.
series_id() {
	local p
	{
		cat "$LAZYMM_TOP/patches/series"
		for p in $(series_patches); do
			cat "$LAZYMM_TOP/patches/$p"
		done
	} | sha256sum | cut -c1-16
}

# series_files: every file the series touches, relative to the tree top.
series_files() {
	local p
	for p in $(series_patches); do
		sed -nE 's@^diff --git a/([^ ]+) b/([^ ]+)$@\1\n\2@p' \
			"$LAZYMM_TOP/patches/$p"
	done | sort -u
}

# is_git_tree DIR: is DIR the top of a git work tree?
is_git_tree() {
	local top
	top=$(git -C "$1" rev-parse --show-toplevel 2>/dev/null) || return 1
	[ "$(cd "$top" && pwd -P)" = "$(cd "$1" && pwd -P)" ]
}

# write_record DIR KDIR CMD...: DIR/record, what made a results dir: the
# lazymm commit (git describe --always --dirty), the series id, the kernel
# version of KDIR, the command as run and, under make, the make command.
write_record() {
	local dir=$1 kdir=$2 desc
	shift 2
	desc=$(git -C "$LAZYMM_TOP" describe --always --dirty 2>/dev/null) || desc=unknown
	{
		echo "lazymm=$desc"
		echo "series=$(series_id)"
		echo "kernel=$(kernel_version "$kdir")"
		printf 'command='
		printf '%q ' "$@"
		echo
		[ -z "${LAZYMM_MAKE_CMD:-}" ] || echo "make=$LAZYMM_MAKE_CMD"
	} >"$dir/record"
}
