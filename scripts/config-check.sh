#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Does the series change a distribution's kernel configuration?  For each of
# Debian's own 6.1 configs (package linux-config-6.1: amd64, arm64, ppc64el),
# run `make olddefconfig` on the base tree and on the tree with the series,
# and compare the two .configs with the kernel's scripts/diffconfig.  Passes
# only if the series adds symbols and nothing else: none changed or gone,
# and every new one n, or y where kconfig/distro-defaults.allow says why that
# keeps 6.1's behaviour.  Configuration only: nothing is built.
#
# Usage: scripts/config-check.sh [--no-deps] [ARCH...]
#   ARCH       x86_64, arm64, powerpc (default: all of them)
#   --no-deps  do not check for (or install) Debian packages
# Prints one line per arch, "config ARCH (Debian DEB_ARCH): ok|FAIL ...",
# then "config-check: N passed, N failed".  Each arch's two .configs and
# the diff stay in ~/.cache/lazymm/config-check/DEB_ARCH/.
# Exit: 0 every arch passed, 1 one did not (or a step failed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ALLOW=$LAZYMM_TOP/kconfig/distro-defaults.allow
PRISTINE=$LAZYMM_CACHE/pristine/linux-6.1.y

usage() {
	sed -n 's/^# \{0,1\}//; 3,18p' "$0"
}

# debian_config DEB_ARCH: path of Debian's generic config for that arch:
# featureset none, the flavour that is not cloud (amd64, arm64, powerpc64le).
debian_config() {
	local dir f
	dir=$("$LAZYMM_TOP/scripts/fetch-deb.sh" "$1" linux-config-6.1)
	for f in "$dir/usr/src/linux-config-6.1/config.$1_none_"*.xz; do
		case $f in
		*cloud*) ;;
		*) [ -f "$f" ] && echo "$f" && return ;;
		esac
	done
	die "linux-config-6.1:$1 has no config.$1_none_*.xz; remove $dir and run again"
}

# olddefconfig TREE CONFIG_XZ OUT: OUT/.config is CONFIG made current for TREE.
olddefconfig() {
	local tree=$1 cfg=$2 out=$3 karch=$ARCH_NAME
	rm -rf "$out"
	mkdir -p "$out"
	xz -dc "$cfg" >"$out/.config"
	make -s -C "$tree" O="$out" ARCH="$karch" CROSS_COMPILE="$CROSS_COMPILE" \
		olddefconfig >"$out/olddefconfig.log" 2>&1 ||
		die "make olddefconfig failed in $tree for $karch; see $out/olddefconfig.log"
}

# judge_diff DIFF: print what is wrong in a scripts/diffconfig output (one
# line per symbol); print nothing if the series only added what it may.
judge_diff() {
	awk -v allow="$ALLOW" '
		BEGIN {
			while ((getline line < allow) > 0)
				if (line ~ /^[A-Z0-9_]+=/) ok[line] = 1
		}
		/^-/ { print "gone: " substr($0, 2); next }
		/^\+/ {
			sym = substr($1, 2); val = $2
			if (val == "n" || ok[sym "=" val]) next
			print "new, not allowed: " sym "=" val
			next
		}
		NF { print "changed: " $0 }' "$1"
}

# check_arch ARCH: compare base and series for ARCH; print its line.
check_arch() {
	local cfg dir bad news
	load_arch "$1"
	ARCH_NAME=$1
	cfg=$(debian_config "$DEB_ARCH")
	dir=$LAZYMM_CACHE/config-check/$DEB_ARCH
	olddefconfig "$PRISTINE" "$cfg" "$dir/base"
	olddefconfig "$SERIES_TREE" "$cfg" "$dir/series"
	python3 "$SERIES_TREE/scripts/diffconfig" "$dir/base/.config" \
		"$dir/series/.config" >"$dir/diff"
	bad=$(judge_diff "$dir/diff")
	news=$(sed -n 's/^+//p' "$dir/diff" | tr '\n' ' ')
	if [ -z "$bad" ]; then
		echo "config $1 (Debian $(basename "$cfg" .xz)): ok, only new symbols: ${news% }"
		return 0
	fi
	echo "config $1 (Debian $(basename "$cfg" .xz)): FAIL: $(echo "$bad" | paste -sd ';' -) (diff in $dir/diff)"
	return 1
}

main() {
	local deps=1 archs=() a passed=0 failed=0
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) usage; exit 0 ;;
		--no-deps) deps=0 ;;
		-*) die "unknown option $1; see $0 --help" ;;
		*) archs+=("$1") ;;
		esac
		shift
	done
	[ ${#archs[@]} -gt 0 ] || mapfile -t archs < <(known_archs)
	for a in "${archs[@]}"; do
		load_arch "$a"
	done
	[ $deps = 0 ] || "$LAZYMM_TOP/scripts/deps.sh" "${archs[@]}"

	# The base: Debian's tarball as shipped, extracted once and never
	# patched.  The series: the default tree, with this series applied.
	"$LAZYMM_TOP/scripts/get-tree.sh" "$PRISTINE" >/dev/null
	SERIES_TREE=$("$LAZYMM_TOP/scripts/get-tree.sh")
	"$LAZYMM_TOP/scripts/apply.sh" "$SERIES_TREE"
	for a in "${archs[@]}"; do
		if check_arch "$a"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	echo "config-check: $passed passed, $failed failed"
	[ $failed = 0 ]
}

main "$@"
