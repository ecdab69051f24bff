# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The series as commits, for make bisect and make check-series.  Sourced
# after lib.sh; defines functions and runs nothing.
#
# A series tree is a git worktree (of the cached base import, or of the
# user's KDIR) with the series applied by git am on a detached HEAD.  The
# commits are made reproducibly (committer lazymm, committer date = author
# date), so the same patch on the same parent is always the same commit, and
# TREE/../series.map records "PATCH SHA256 COMMIT" per line: a run whose
# patches are unchanged reuses the commits without touching a file, and a
# changed series is re-applied only from the first changed patch, so build
# dirs stay incremental.

# prepare_series_tree WORK REPO TREE BASE: take WORK's lock (one make bisect
# or make check-series at a time per tree; held on fd 9 until the caller
# exits), then make TREE a worktree of REPO at BASE with the series applied.
prepare_series_tree() {
	local work=$1 repo=$2 tree=$3 base=$4
	exec 9>"$work/lock"
	flock -n 9 || {
		note "another make bisect or make check-series is using $tree; waiting for it"
		flock 9
	}
	ensure_worktree "$repo" "$tree" "$base"
	am_series "$tree" "$base"
}

# patch_hash FILE: the patch's content hash (what "identical patch" means).
patch_hash() {
	sha256sum "$1" | cut -c1-16
}

# ensure_worktree REPO DIR BASE: make DIR a worktree of REPO if it is not one
# (a half-made or orphaned one is removed first).
ensure_worktree() {
	local repo=$1 dir=$2 base=$3 common
	common=$(git -C "$dir" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) || common=
	if [ -f "$dir.ready" ] && [ "$common" = "$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir)" ]; then
		return 0
	fi
	rm -rf "$dir" "$dir.ready" "$(dirname "$dir")/series.map"
	git -C "$repo" worktree prune
	mkdir -p "$(dirname "$dir")"
	note "checking out a worktree of $repo in $dir"
	git -C "$repo" worktree add -q --detach "$dir" "$base"
	# Present only once the checkout is complete.
	touch "$dir.ready"
}

# reset_tree TREE: abort whatever an interrupted run left in our worktree.
# git bisect reset takes no -q (it would read it as the commit to return
# to, and fail); reset at HEAD ends the bisection without moving it.
reset_tree() {
	local tree=$1 gitdir
	gitdir=$(git -C "$tree" rev-parse --absolute-git-dir)
	[ ! -e "$gitdir/BISECT_START" ] || git -C "$tree" bisect reset HEAD >/dev/null 2>&1 || true
	[ ! -d "$gitdir/rebase-apply" ] || git -C "$tree" am --abort >/dev/null 2>&1 || true
}

# am_series TREE BASE: apply the series to BASE as commits in TREE (a worktree
# lazymm owns) and leave HEAD at the last one.  Writes TREE/../series.map.
am_series() {
	local tree=$1 base=$2 map old new start i p h c n log
	map=$(dirname "$tree")/series.map
	reset_tree "$tree"
	base=$(git -C "$tree" rev-parse --verify "$base^{commit}")
	new=$(mktemp)
	# Reuse the longest unchanged prefix of the commits made last time.
	start=$base i=0
	if [ "$(head -n1 "$map" 2>/dev/null)" = "base $base" ]; then
		old=$(tail -n +2 "$map")
		for p in $(series_patches); do
			h=$(patch_hash "$LAZYMM_TOP/patches/$p")
			c=$(awk -v p="$p" -v h="$h" -v n=$((i + 1)) \
				'NR == n && $1 == p && $2 == h { print $3 }' <<<"$old")
			[ -n "$c" ] && git -C "$tree" cat-file -e "$c^{commit}" 2>/dev/null || break
			echo "$p $h $c" >>"$new"
			start=$c i=$((i + 1))
		done
	fi
	n=$(series_patches | wc -l)
	if [ "$i" -lt "$n" ] || [ "$(git -C "$tree" rev-parse HEAD)" != "$start" ]; then
		git -C "$tree" checkout -q -f --detach "$start"
		git -C "$tree" clean -q -fdx
	fi
	if [ "$i" -lt "$n" ]; then
		log=$(mktemp)
		# shellcheck disable=SC2046 # one argument per patch is wanted
		if ! (cd "$LAZYMM_TOP/patches" && GIT_COMMITTER_NAME=lazymm GIT_COMMITTER_EMAIL=lazymm@localhost \
			git -C "$tree" -c user.name=lazymm -c user.email=lazymm@localhost \
			am -q --committer-date-is-author-date \
			$(series_patches | tail -n +$((i + 1)) | sed "s|^|$LAZYMM_TOP/patches/|")) >"$log" 2>&1; then
			git -C "$tree" am --abort >/dev/null 2>&1 || true
			grep -v -e '^hint:' -e 'git am --' -e '^When you have resolved' \
				"$log" | sed 's/^/  /' >&2
			p=$(sed -n 's/^Patch failed at [0-9]* //p' "$log" | head -n1)
			rm -f "$log" "$new"
			die "patch \"${p:-?}\" does not apply with git am to $(git -C "$tree" log -1 --format=%s "$base") (see above); fix the patch and retry"
		fi
		rm -f "$log"
		# Pair each new commit with the patch it came from.
		paste -d' ' <(series_patches | tail -n +$((i + 1))) \
			<(git -C "$tree" rev-list --reverse "$start..HEAD") |
		while read -r p c; do
			echo "$p $(patch_hash "$LAZYMM_TOP/patches/$p") $c"
		done >>"$new"
	fi
	{ echo "base $base"; cat "$new"; } >"$map"
	rm -f "$new"
	[ "$(($(wc -l <"$map") - 1))" = "$n" ] ||
		die "git am made $(($(wc -l <"$map") - 1)) commits for $n patches in $tree; remove $map and retry"
}

# series_commit TREE INDEX: the commit of patch INDEX (1-based; 0 is the base).
series_commit() {
	local map
	map=$(dirname "$1")/series.map
	if [ "$2" = 0 ]; then
		sed -n '1s/^base //p' "$map"
	else
		sed -n "$(($2 + 1))p" "$map" | awk '{ print $3 }'
	fi
}

# series_patch_of TREE COMMIT: the patch file name COMMIT was made from.
series_patch_of() {
	awk -v c="$2" 'NR > 1 && index($3, c) == 1 { print $1; exit }' \
		"$(dirname "$1")/series.map"
}

# series_index NAME: 1-based index of the patch NAME names in the series: its
# file name, or its number (0008, 8); "base" is 0.  Empty if unknown.
series_index() {
	local want=$1 i=0 p
	[ "$want" != base ] || { echo 0; return; }
	for p in $(series_patches); do
		i=$((i + 1))
		case $want in
		"$p"|"${p%.patch}"|"${p%%-*}") echo "$i"; return ;;
		esac
		if [[ $want =~ ^[0-9]+$ ]] && [[ $p =~ ^([0-9]+)- ]] &&
		   [ "$((10#${BASH_REMATCH[1]}))" = "$((10#$want))" ]; then
			echo "$i"
			return
		fi
	done
}

# patch_subject FILE: the Subject of a patch mail, without "[PATCH ...]",
# folded lines joined.
patch_subject() {
	awk '/^Subject: / { s = $0; f = 1; next }
		f && /^[ \t]/ { s = s $0; next }
		f { exit }
		END { sub(/^Subject: (\[[^]]*\] *)?/, "", s); gsub(/[ \t]+/, " ", s); print s }' "$1"
}

# format_series REPO OUT [RANGE]: one mail per commit of RANGE (default
# refs/lazymm/base..HEAD) of REPO in OUT, for make export and carry.sh.
# Every option that changes the bytes is given here, and the config settings
# that would override them are neutralised.
format_series() {
	git -C "$1" -c core.abbrev=9 -c diff.noprefix=false -c diff.mnemonicPrefix=false \
		-c diff.relative=false -c diff.orderFile=/dev/null -c diff.renames=true \
		-c diff.suppressBlankEmpty=false \
		-c format.signature= -c format.signatureFile= -c format.coverLetter=false \
		-c format.outputDirectory= -c format.filenameMaxLength=64 -c format.from=false \
		-c format.forceInBodyFrom=false -c format.thread=false -c format.suffix=.patch \
		-c format.encodeEmailHeaders=true -c format.mboxrd=false \
		format-patch -q -N --zero-commit --no-signature --no-color --abbrev=9 \
		--diff-algorithm=myers --no-relative --find-renames --stat=72 --summary \
		--no-cover-letter --no-thread --no-attach --no-notes --no-base \
		--no-to --no-cc --no-add-header \
		-o "$2" "${3:-refs/lazymm/base..HEAD}"
}
