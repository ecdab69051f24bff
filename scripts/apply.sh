#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Apply the lazymm series to a Linux 6.1.y tree: with quilt to a plain tree,
# with git am (one commit per patch, for git bisect) to a git tree.
#
# Usage: scripts/apply.sh KDIR
# All or nothing: if any patch fails, or the run is interrupted, the tree is
# left exactly as it was.  A 6.1.y the series does not apply to as it is
# (another stable update moved its context) gets it carried by three-way
# merge from the base it is maintained on (scripts/carry.sh).  Running it
# again on a tree that has this series is a no-op; on a tree with an older
# version of it, the old one is replaced.
# A git tree gets the commits on a branch of lazymm's own, lazymm
# (LAZYMM_BRANCH=NAME another, LAZYMM_BRANCH=. the current one); once you
# edit them there (commits on refs/lazymm/base), the tree is tested as it is.
# LAZYMM_AS_IS=1: test KDIR as it is, whatever it holds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tree-state.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,16p' "$0"
}

# PATCHES: the directory the series is applied from: patches/, or the
# series carried onto KDIR (choose_patches).
PATCHES=$LAZYMM_TOP/patches

# applies_as_is KDIR LOG: does every patch apply, in order, to KDIR's files
# (a scratch copy of them, with git apply: no fuzz)?  LOG: why not.
applies_as_is() {
	local kdir=$1 log=$2 scratch p have rc=0
	scratch=$(mktemp -d)
	mapfile -t have < <(series_files_in "$kdir")
	tar -C "$kdir" -cf - --files-from=/dev/null "${have[@]}" | tar -C "$scratch" -xf -
	git -C "$scratch" init -q
	for p in $(series_patches); do
		if ! git -C "$scratch" apply "$LAZYMM_TOP/patches/$p" >"$log" 2>&1; then
			echo "Patch failed at $p" >>"$log"
			rc=1
			break
		fi
	done
	rm -rf "$scratch"
	return $rc
}

# choose_patches KDIR: set PATCHES to what applies to KDIR: patches/ as it
# is, or the series carried onto KDIR by three-way merge (into a temporary
# directory, removed at exit).  Dies, KDIR untouched, on a true conflict.
choose_patches() {
	local kdir=$1 log p f
	PATCHES=$LAZYMM_TOP/patches
	log=$(mktemp)
	if applies_as_is "$kdir" "$log"; then
		rm -f "$log"
		return 0
	fi
	p=$(sed -n 's/^Patch failed at //p' "$log")
	f=$(sed -n 's/^error: patch failed: \([^:]*\):.*/\1/p; s/^error: \([^:]*\): does not exist.*/\1/p' "$log" |
		awk '!seen[$0]++' | paste -sd' ')
	rm -f "$log"
	[ -f "$LAZYMM_TARBALL" ] ||
		die "patch $p does not apply to KDIR=$kdir as it is (file ${f:-?}), and carrying it by three-way merge needs the base the series is maintained on; install it (sudo apt-get install linux-source-6.1) and run again; tree left as it was"
	note "patch $p does not apply to KDIR=$kdir (Linux $(kernel_version "$kdir")) as it is (${f:-?}); carrying the series onto it by three-way merge"
	carried=$(mktemp -d)
	rmdir "$carried"
	# carry.sh only reads KDIR; its message says why.  An older series
	# removed just before is not put back: KDIR is then as it was without
	# lazymm.
	"$LAZYMM_TOP/scripts/carry.sh" "$kdir" "$carried" || {
		[ -z "$replaced" ] ||
			die "the older series this KDIR had was removed first, so KDIR=$kdir is now as it was before make apply"
		exit 1
	}
	PATCHES=$carried
}

# first_failure LOG: "PATCH: FILE" for the first patch that failed, from
# quilt's or git am's output.
first_failure() {
	awk '
		# quilt: the file is the last one patched before a hunk failed.
		/^patching file / { f = $3 }
		/FAILED|^can.t find file/ && qf == "" { qf = f }
		/^Patch .* does not apply/ && qp == "" { qp = $2; sub(/^.*\//, "", qp) }
		# git am: error lines may come before or after "Patch failed".
		/^Patch failed at / { gp = substr($0, 17) }
		/^error: patch failed: / && gf == "" { gf = $4; sub(/:[0-9]+$/, "", gf) }
		/^error: .*: (already exists|does not exist) in/ && gf == "" {
			gf = $2; sub(/:$/, "", gf)
		}
		END {
			if (gp != "") printf "%s (file %s)\n", gp, gf != "" ? gf : "?"
			else if (qp != "") printf "%s (file %s)\n", qp, qf != "" ? qf : "?"
			else print "?"
		}' "$1"
}

# check_touched_files_clean KDIR: refuse to apply over uncommitted changes.
check_touched_files_clean() {
	local dirty
	# shellcheck disable=SC2046 # one argument per file is wanted
	dirty=$(git -C "$1" status --porcelain --untracked-files=all -- $(series_files) |
		cut -c4- | tr '\n' ' ')
	[ -z "$dirty" ] ||
		die "KDIR=$1 has uncommitted changes in files the series touches: ${dirty% }; commit or stash them first"
}

# git_series_applied KDIR: is this very series what refs/lazymm marks at HEAD?
git_series_applied() {
	local st
	st=$(git_state_dir "$1")
	[ "$(cat "$st/id" 2>/dev/null)" = "$(series_id)" ] && resolutions_current "$st" &&
		[ "$(git -C "$1" rev-parse -q --verify refs/lazymm/applied)" = \
		  "$(git -C "$1" rev-parse HEAD)" ]
}

# git_series_edited KDIR: has the series been edited where make apply put it
# (HEAD is no longer refs/lazymm/applied, but still on refs/lazymm/base)?
git_series_edited() {
	local applied
	applied=$(git -C "$1" rev-parse -q --verify refs/lazymm/applied) || return 1
	[ "$applied" != "$(git -C "$1" rev-parse HEAD)" ] &&
		[ "$(git -C "$1" rev-parse HEAD)" != "$(git -C "$1" rev-parse refs/lazymm/base)" ] &&
		git -C "$1" merge-base --is-ancestor refs/lazymm/base HEAD
}

# on_series_branch KDIR: check out a branch of lazymm's own at HEAD for the
# series commits, so the user's branch never gets them (LAZYMM_BRANCH=.:
# the current branch).
on_series_branch() {
	local kdir=$1 st cur
	st=$(git_state_dir "$kdir")
	rm -f "$st/from"
	[ "$LAZYMM_BRANCH" != . ] || return 0
	cur=$(git -C "$kdir" symbolic-ref -q --short HEAD) || cur=$(git -C "$kdir" rev-parse HEAD)
	[ "$cur" != "$LAZYMM_BRANCH" ] || return 0
	! git -C "$kdir" rev-parse -q --verify "refs/heads/$LAZYMM_BRANCH" >/dev/null ||
		die "KDIR=$kdir already has a branch $LAZYMM_BRANCH; check it out to test what is on it, or delete it (git -C $kdir branch -D $LAZYMM_BRANCH)"
	git -C "$kdir" checkout -q -b "$LAZYMM_BRANCH"
	echo "$cur" >"$st/from"
	note "applying on a branch of our own, $LAZYMM_BRANCH (from ${cur:0:40} at $(git -C "$kdir" rev-parse --short HEAD)); $cur is left as it was"
}

apply_git() {
	local kdir=$1 st log base
	st=$(git_state_dir "$kdir")
	git_recover "$kdir"
	git_op_in_progress "$kdir" &&
		die "KDIR=$kdir has a git am, rebase or merge in progress; finish or abort it first"
	if git_series_applied "$kdir"; then
		note "series already applied in $kdir; nothing to do"
		return 0
	fi
	if git_series_edited "$kdir"; then
		note "KDIR=$kdir has the series edited on refs/lazymm/base ($(git -C "$kdir" rev-list --count refs/lazymm/base..HEAD) commits); testing it as it is (make export KDIR=$kdir writes it back to patches/)"
		return 0
	fi
	if git -C "$kdir" rev-parse -q --verify refs/lazymm/applied >/dev/null; then
		"$LAZYMM_TOP/scripts/unapply.sh" "$kdir"
		replaced=1
	fi
	check_touched_files_clean "$kdir"
	choose_patches "$kdir"

	base=$(git -C "$kdir" rev-parse HEAD)
	mkdir -p "$st"
	on_series_branch "$kdir"
	log=$(mktemp)
	touch "$st/applying"
	trap 'git_recover "$kdir"; rm -f "$log"; exit 130' INT TERM
	# Commit as the user; if git knows no user, as lazymm.
	git -C "$kdir" config user.email >/dev/null ||
		export GIT_COMMITTER_NAME=lazymm GIT_COMMITTER_EMAIL=lazymm@localhost
	if [ -n "$(series_patches)" ] &&
	   ! (cd "$PATCHES" && git -C "$kdir" am \
		$(series_patches | sed "s|^|$PATCHES/|")) >"$log" 2>&1; then
		git -C "$kdir" am --abort
		back_to_user_branch "$kdir"
		rm -f "$st/applying"
		# git am's advice on --continue/--skip does not apply: we aborted.
		grep -v -e '^hint:' -e 'git am --' -e '^When you have resolved' \
			"$log" | sed 's/^/  /' >&2
		die "patch $(first_failure "$log") does not apply to KDIR=$kdir; tree left as it was"
	fi
	rm -f "$log"
	git -C "$kdir" update-ref refs/lazymm/base "$base"
	git -C "$kdir" update-ref refs/lazymm/applied HEAD
	series_id >"$st/id"
	carried_record "$st"
	rm -f "$st/applying"
	trap - INT TERM
	note "applied $(series_patches | wc -l) patches to $kdir as commits on $(git -C "$kdir" rev-parse --short "$base")"
}

# dry_run_plain KDIR: push the series onto a scratch copy of the files it
# touches; on failure name the first patch and file, and never touch KDIR.
dry_run_plain() {
	local kdir=$1 scratch log f
	scratch=$(mktemp -d)
	log=$scratch.log
	while read -r f; do
		[ ! -e "$kdir/$f" ] || install -D -m 644 "$kdir/$f" "$scratch/$f"
	done < <(series_files)
	mkdir -p "$scratch/.lazymm"
	cp -r "$PATCHES" "$scratch/.lazymm/patches"
	# No fuzz: a hunk that needs it is one git am would refuse too.
	if ! quilt_in "$scratch" push -a --fuzz=0 >"$log" 2>&1; then
		sed 's/^/  /' "$log" >&2
		f=$(first_failure "$log")
		rm -rf "$scratch" "$log"
		[ "$f" != "?" ] ||
			die "applying to KDIR=$kdir was interrupted or quilt failed (see above); tree left as it was"
		die "patch $f does not apply to KDIR=$kdir; tree left as it was"
	fi
	rm -rf "$scratch" "$log"
}

apply_plain() {
	local kdir=$1 st=$1/.lazymm log
	plain_recover "$kdir"
	if [ -d "$kdir/.pc" ] && [ ! -d "$st" ]; then
		die "KDIR=$kdir has a quilt stack of its own (.pc/); pop it with 'quilt pop -a' first"
	fi
	if [ "$(cat "$st/id" 2>/dev/null)" = "$(series_id)" ] && resolutions_current "$st"; then
		note "series already applied in $kdir; nothing to do"
		return 0
	fi
	if [ -d "$st" ]; then
		"$LAZYMM_TOP/scripts/unapply.sh" "$kdir"
		replaced=1
	fi
	choose_patches "$kdir"
	if [ -n "$(series_patches)" ]; then dry_run_plain "$kdir"; fi

	mkdir -p "$st"
	touch "$st/applying"
	trap 'plain_restore_preimage "$kdir"; exit 130' INT TERM
	plain_save_preimage "$kdir"
	cp -r "$PATCHES" "$st/patches"
	if [ -n "$(series_patches)" ]; then
		log=$(mktemp)
		if ! quilt_in "$kdir" push -a --fuzz=0 >"$log" 2>&1; then
			plain_restore_preimage "$kdir"
			sed 's/^/  /' "$log" >&2
			die "applying to KDIR=$kdir was interrupted or quilt failed (see above); tree left as it was"
		fi
		rm -f "$log"
	fi
	series_id >"$st/id"
	carried_record "$st"
	rm -f "$st/applying" "$st/pre.tar" "$st/absent"
	trap - INT TERM
	note "applied $(series_patches | wc -l) patches to $kdir with quilt"
}

# carried_record ST: ST/carried says the series was carried (make export
# refuses such a tree: its commits are not the series on its own base), and
# with which recorded resolutions.
carried_record() {
	if [ "$PATCHES" != "$LAZYMM_TOP/patches" ]; then
		printf 'carried onto %s\nresolutions %s\n' "$(kernel_version "$kdir")" \
			"$(resolutions_id)" >"$1/carried"
	else
		rm -f "$1/carried"
	fi
}

# resolutions_id: a hash of patches/resolutions/ (what a carry used).
resolutions_id() {
	(cd "$LAZYMM_TOP/patches" && find resolutions -type f 2>/dev/null | LC_ALL=C sort |
		xargs -r sha256sum) | sha256sum | cut -c1-16
}

# resolutions_current ST: a carried tree was carried with today's recorded
# resolutions (a changed one means carrying again); any other tree is.
resolutions_current() {
	[ ! -f "$1/carried" ] ||
		[ "$(sed -n 's/^resolutions //p' "$1/carried")" = "$(resolutions_id)" ]
}

main() {
	carried= replaced=
	trap '[ -z "$carried" ] || rm -rf "$carried"' EXIT
	case ${1:-} in
	-h|--help) usage; exit 0 ;;
	"") usage >&2; exit 1 ;;
	esac
	local kdir
	kdir=$(resolve_kdir "$1")
	# make bisect and make check-series test commits *of* the series: the
	# tree already is what is to be tested, part of the series or all of it.
	# AS_IS=1 (LAZYMM_AS_IS) asks for the same: whatever KDIR holds.
	if [ "${LAZYMM_NO_APPLY:-}" = 1 ] || [ "${LAZYMM_AS_IS:-}" = 1 ]; then
		note "AS_IS=1: testing KDIR=$kdir as it is, without applying the series"
		return 0
	fi
	if is_git_tree "$kdir"; then
		apply_git "$kdir"
	else
		command -v quilt >/dev/null ||
			die "quilt is missing; install it with: sudo apt-get install quilt"
		apply_plain "$kdir"
	fi
}

main "$@"
