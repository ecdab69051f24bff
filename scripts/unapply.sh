#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Remove the lazymm series from a tree that scripts/apply.sh patched.
#
# Usage: scripts/unapply.sh KDIR
# Removes exactly what was applied, even if patches/ has changed since.
# Refuses, leaving the tree alone, if you changed patched files since.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tree-state.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,7p' "$0"
}

unapply_git() {
	local kdir=$1 st applied
	st=$(git_state_dir "$kdir")
	git_recover "$kdir"
	applied=$(git -C "$kdir" rev-parse -q --verify refs/lazymm/applied) || {
		note "series is not applied in $kdir; nothing to do"
		return 0
	}
	[ "$applied" = "$(git -C "$kdir" rev-parse HEAD)" ] ||
		die "KDIR=$kdir HEAD is not where lazymm left it (refs/lazymm/applied); if you edited the series, write it back with make export KDIR=$kdir, then git -C $kdir reset --hard refs/lazymm/applied; or drop the commits yourself with git rebase"
	# --keep refuses, and changes nothing, if a local change would be lost.
	git -C "$kdir" reset --quiet --keep refs/lazymm/base ||
		die "KDIR=$kdir has uncommitted changes in patched files; commit or stash them first"
	back_to_user_branch "$kdir"
	git -C "$kdir" update-ref -d refs/lazymm/applied
	git -C "$kdir" update-ref -d refs/lazymm/base
	rm -rf "$st"
	note "removed the series from $kdir"
}

unapply_plain() {
	local kdir=$1 st=$1/.lazymm log
	plain_recover "$kdir"
	if [ ! -d "$st" ]; then
		note "series is not applied in $kdir; nothing to do"
		return 0
	fi
	log=$(mktemp)
	# Without -f, quilt refuses to pop a patch whose files were edited since.
	if [ -n "$(quilt_in "$kdir" applied 2>/dev/null)" ] &&
	   ! quilt_in "$kdir" pop -a >"$log" 2>&1; then
		sed 's/^/  /' "$log" >&2
		rm -f "$log"
		die "KDIR=$kdir has changes on top of the series (see above); revert them, or keep them with 'quilt refresh', then retry"
	fi
	rm -f "$log"
	rm -rf "$kdir/.pc" "$st"
	note "removed the series from $kdir"
}

main() {
	case ${1:-} in
	-h|--help) usage; exit 0 ;;
	"") usage >&2; exit 1 ;;
	esac
	local kdir
	kdir=$(resolve_kdir "$1")
	if is_git_tree "$kdir"; then
		unapply_git "$kdir"
	else
		unapply_plain "$kdir"
	fi
}

main "$@"
