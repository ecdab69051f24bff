#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Extract Debian's linux-source-6.1 into the cache, once, as the default tree;
# or another version Debian offers, to try the series on it.
#
# Usage: scripts/get-tree.sh [--version V] [DIR]
#   --version V  linux-source-6.1 at Debian version V (one of those
#                apt-cache madison linux-source-6.1 lists), downloaded into
#                the cache, not installed
#   DIR   where the tree goes (default: ~/.cache/lazymm/linux-6.1.y, or
#         ~/.cache/lazymm/linux-V with --version)
# Prints the tree's path.  The extraction goes to a temporary directory that
# is renamed into place only when complete, so an interrupted run leaves
# nothing a later run could mistake for a tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARBALL=$LAZYMM_TARBALL

usage() {
	sed -n 's/^# \{0,1\}//; 3,14p' "$0"
}

# fetch_version V: the tarball of linux-source-6.1=V, from its .deb
# (unpacked into the cache; the installed package is left alone).
fetch_version() {
	local dir
	dir=$("$LAZYMM_TOP/scripts/fetch-deb.sh" amd64 "linux-source-6.1=$1") || exit 1
	echo "$dir/usr/src/linux-source-6.1.tar.xz"
}

version=
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--version)
		version=$(optarg "$@")
		[[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] ||
			die "$(named --version DEBVER)$version is not a Debian version; use one that apt-cache madison linux-source-6.1 lists, e.g. 6.1.170-3"
		shift ;;
	-*) die "unknown option $1; see $0 --help" ;;
	*) break ;;
	esac
	shift
done
if [ -n "$version" ]; then
	dir=${1:-$LAZYMM_CACHE/linux-$version}
else
	dir=${1:-$LAZYMM_DEFAULT_KDIR}
fi

if [ -f "$dir/Makefile" ]; then
	check_kdir "$dir"
	[ -z "$version" ] || [ "$(kernel_version "$dir")" = "${version%%-*}" ] ||
		die "$dir is already a tree of Linux $(kernel_version "$dir"), not of $version; give another directory for it"
	echo "$dir"
	exit 0
fi
if [ -n "$version" ]; then
	TARBALL=$(fetch_version "$version")
fi
[ -f "$TARBALL" ] ||
	die "no $TARBALL; install it with: sudo apt-get install linux-source-6.1 (or run scripts/deps.sh)"

mkdir -p "$(dirname "$dir")"
tmp=$(mktemp -d "$dir.partial.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Leftovers of an interrupted extraction are only ever *.partial.* dirs.
find "$(dirname "$dir")" -maxdepth 1 -name "$(basename "$dir").partial.*" \
	! -path "$tmp" -exec rm -rf {} +
note "extracting $TARBALL into $dir"
tar -C "$tmp" -xJf "$TARBALL" --strip-components=1
check_kdir "$tmp"
mv -T "$tmp" "$dir"
trap - EXIT
echo "$dir"
