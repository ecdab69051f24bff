#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Import Debian's linux-source-6.1 tarball into a cached git repo, once: the
# base that make bisect and make check-series apply the series to as commits.
#
# Usage: scripts/base-git.sh [--print]
#   --print  print the repo's path if the import exists and is current; never import
# Prints the repo's path (~/.cache/lazymm/base/linux); its one commit is
# refs/lazymm/pristine.  The import goes to a temporary directory renamed into
# place only when complete, and records the package version it came from: a
# half-made import is never used, and a new linux-source-6.1 is re-imported.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARBALL=$LAZYMM_TARBALL
BASE_REPO=$LAZYMM_CACHE/base/linux

usage() {
	sed -n 's/^# \{0,1\}//; 3,11p' "$0"
}

# tarball_id: what the import came from; a different one means re-import.
tarball_id() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || ver=
	echo "$(basename "$TARBALL") ${ver:-unpackaged} $(stat -c '%s %Y' "$TARBALL")"
}

# import_is_current: the repo exists, was completed, and matches the tarball.
import_is_current() {
	[ -f "$BASE_REPO/.git/lazymm-base" ] &&
		[ "$(cat "$BASE_REPO/.git/lazymm-base")" = "$(tarball_id)" ] &&
		git -C "$BASE_REPO" rev-parse -q --verify refs/lazymm/pristine >/dev/null
}

import() {
	local tmp ver
	mkdir -p "$(dirname "$BASE_REPO")"
	# Leftovers of an interrupted import are only ever *.partial.* dirs.
	find "$(dirname "$BASE_REPO")" -maxdepth 1 -name "linux.partial.*" \
		-exec rm -rf {} +
	tmp=$(mktemp -d "$BASE_REPO.partial.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	note "importing $TARBALL into $BASE_REPO (once; a few minutes)"
	tar -C "$tmp" -xJf "$TARBALL" --strip-components=1
	check_kdir "$tmp"
	ver=$(kernel_version "$tmp")
	git -C "$tmp" init -q
	# The tree as shipped: no .gitignore may hide a file the tarball has.
	git -C "$tmp" add -A -f .
	GIT_AUTHOR_NAME=lazymm GIT_AUTHOR_EMAIL=lazymm@localhost \
	GIT_COMMITTER_NAME=lazymm GIT_COMMITTER_EMAIL=lazymm@localhost \
		git -C "$tmp" commit -q -m "Linux $ver as Debian ships it ($(tarball_id))"
	git -C "$tmp" update-ref refs/lazymm/pristine HEAD
	git -C "$tmp" gc -q --auto
	tarball_id >"$tmp/.git/lazymm-base"
	# An outdated import goes only once the new one is complete.
	[ ! -e "$BASE_REPO" ] || mv -T "$BASE_REPO" "$BASE_REPO.partial.old"
	mv -T "$tmp" "$BASE_REPO"
	rm -rf "$BASE_REPO.partial.old"
	trap - EXIT
}

main() {
	local print=0
	case ${1:-} in
	-h|--help) usage; exit 0 ;;
	--print) print=1 ;;
	"") ;;
	*) die "unknown option $1; see $0 --help" ;;
	esac
	[ -f "$TARBALL" ] ||
		die "no $TARBALL; install it with: sudo apt-get install linux-source-6.1 (or run scripts/deps.sh)"
	if ! import_is_current; then
		[ $print = 0 ] ||
			die "no current import of $TARBALL in $BASE_REPO; run scripts/base-git.sh"
		import
	fi
	echo "$BASE_REPO"
}

main "$@"
