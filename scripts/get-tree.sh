#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Extract Debian's linux-source-6.1 into the cache, once, as the default tree.
#
# Usage: scripts/get-tree.sh [DIR]
#   DIR   where the tree goes (default: ~/.cache/lazymm/linux-6.1.y)
# Prints the tree's path.  The extraction goes to a temporary directory that
# is renamed into place only when complete, so an interrupted run leaves
# nothing a later run could mistake for a tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARBALL=${LAZYMM_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

usage() {
	sed -n 's/^# \{0,1\}//; 3,9p' "$0"
}

case ${1:-} in
-h|--help) usage; exit 0 ;;
-*) die "unknown option $1; see $0 --help" ;;
esac
dir=${1:-$LAZYMM_DEFAULT_KDIR}

if [ -f "$dir/Makefile" ]; then
	check_kdir "$dir"
	echo "$dir"
	exit 0
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
