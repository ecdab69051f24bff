# SPDX-License-Identifier: GPL-2.0
# How lazymm records the series it applied to a tree, and how it recovers
# from an apply that was interrupted.  Sourced by apply.sh and unapply.sh.
#
# Plain tree (quilt): KDIR/.lazymm/ holds
#   patches/   the series as applied; QUILT_PATCHES points here, so the tree
#              can always be unapplied exactly, whatever patches/ says now
#   id         series_id of what is applied
#   applying   present only while an apply runs: then pre.tar and absent
#              hold every touched file as it was before, to roll back with
# Git tree (git am): GIT_DIR/lazymm/{id,applying,from} and the refs
#   refs/lazymm/base (HEAD before the series), refs/lazymm/applied (after).
#   The commits go on a branch of lazymm's own ($LAZYMM_BRANCH, default
#   lazymm); from names the branch (or commit) it started from, to go back.

LAZYMM_BRANCH=${LAZYMM_BRANCH:-lazymm}

# git_state_dir KDIR: GIT_DIR/lazymm of the tree.
git_state_dir() {
	echo "$(git -C "$1" rev-parse --absolute-git-dir)/lazymm"
}

# quilt_in KDIR args...: quilt on KDIR with the applied snapshot.
quilt_in() {
	local kdir=$1
	shift
	(cd "$kdir" && QUILT_PATCHES=.lazymm/patches QUILT_PC=.pc \
		quilt --quiltrc=- "$@")
}

# plain_save_preimage KDIR: record every file the series touches as it is.
plain_save_preimage() {
	local kdir=$1 st=$1/.lazymm f
	: >"$st/absent"
	local present=()
	while read -r f; do
		if [ -e "$kdir/$f" ]; then present+=("$f"); else echo "$f" >>"$st/absent"; fi
	done < <(series_files)
	tar -C "$kdir" -cf "$st/pre.tar" --files-from=/dev/null "${present[@]}"
}

# plain_restore_preimage KDIR: put back what plain_save_preimage saved and
# forget the half-done apply (its quilt state included).
plain_restore_preimage() {
	local kdir=$1 st=$1/.lazymm f
	if [ -f "$st/absent" ]; then
		while read -r f; do rm -f "$kdir/$f"; done <"$st/absent"
	fi
	[ ! -f "$st/pre.tar" ] || tar -C "$kdir" -xf "$st/pre.tar"
	rm -rf "$kdir/.pc" "$st"
}

# plain_recover KDIR: roll back an apply that did not finish.
plain_recover() {
	[ -f "$1/.lazymm/applying" ] || return 0
	note "an earlier apply in $1 was interrupted; restoring the files it touched"
	plain_restore_preimage "$1"
}

# git_recover KDIR: abort a git am that lazymm started and did not finish.
git_recover() {
	local st
	st=$(git_state_dir "$1")
	[ -f "$st/applying" ] || return 0
	note "an earlier apply in $1 was interrupted; aborting its git am"
	[ ! -d "$(git -C "$1" rev-parse --absolute-git-dir)/rebase-apply" ] ||
		git -C "$1" am --abort
	back_to_user_branch "$1"
	rm -f "$st/applying"
}

# back_to_user_branch KDIR: check out the branch the series branch was made
# from (its HEAD is the series' base, so nothing else changes) and delete
# the series branch.
back_to_user_branch() {
	local st from
	st=$(git_state_dir "$1")
	from=$(cat "$st/from" 2>/dev/null) || return 0
	if [ "$(git -C "$1" symbolic-ref -q --short HEAD)" = "$LAZYMM_BRANCH" ]; then
		git -C "$1" checkout -q "$from"
		git -C "$1" branch -q -D "$LAZYMM_BRANCH"
	fi
	rm -f "$st/from"
}

# git_op_in_progress KDIR: is a git am, rebase, merge or bisect under way?
git_op_in_progress() {
	local p gitdir
	gitdir=$(git -C "$1" rev-parse --absolute-git-dir)
	for p in rebase-apply rebase-merge MERGE_HEAD CHERRY_PICK_HEAD; do
		[ ! -e "$gitdir/$p" ] || return 0
	done
	return 1
}
