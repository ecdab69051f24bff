#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Carry the series onto a 6.1.y tree it does not apply to as it is (another
# stable update moved its context): each patch is cherry-picked, with git's
# three-way merge and never fuzz, from the base the series is maintained on
# onto KDIR's own version of the files it touches.
#
# Usage: scripts/carry.sh [--keep DIR] KDIR OUT
#        scripts/carry.sh --record DIR
#   KDIR  the 6.1.y tree; only read (its files as they are on disk)
#   OUT   a directory to create: OUT/series and one patch per entry, with
#         the names of patches/, made for KDIR (they apply exactly)
#   --keep DIR    on a conflict, leave the merge in DIR to resolve it there
#   --record DIR  once the files in DIR are resolved: record the resolution
#                 in patches/resolutions/ (git rerere), for every later carry
# Prints nothing on stdout; on stderr one line per patch the merge changed.
# A conflict that patches/resolutions/ has seen before is resolved as
# recorded (git rerere).  Any other: exit 1, naming the patch and each file,
# with the conflicting hunks shown (ours = KDIR, theirs = the patch).  The
# base is the cached import of Debian's linux-source-6.1 (scripts/base-git.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series-tree.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,20p' "$0"
}

# g ARGS...: git in the scratch repo, as lazymm, whatever the user's config,
# locale (its messages are parsed) or GIT_DIR (a hook's) say.
g() {
	env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE -u GIT_OBJECT_DIRECTORY \
		-u GIT_ALTERNATE_OBJECT_DIRECTORIES -u GIT_CEILING_DIRECTORIES \
	LC_ALL=C LANGUAGE= GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
	GIT_AUTHOR_NAME=lazymm GIT_AUTHOR_EMAIL=lazymm@localhost \
	GIT_COMMITTER_NAME=lazymm GIT_COMMITTER_EMAIL=lazymm@localhost \
		git -C "$scratch" -c advice.detachedHead=false -c merge.conflictStyle=diff3 \
		-c rerere.enabled=true -c rerere.autoUpdate=true "$@"
}

# commit_files FROM_CMD MSG: replace the scratch tree's files with what
# FROM_CMD (a tar stream of some of the series' files) holds; commit.
commit_files() {
	g rm -q -r -f --ignore-unmatch . >/dev/null
	"$1" | tar -C "$scratch" -xf -
	g add -A -f .
	g commit -q --allow-empty -m "$2"
}

# base_files: the series' files as the series' base has them, as tar.
base_files() {
	local have
	mapfile -t have < <(git -C "$repo" ls-tree -r --name-only refs/lazymm/pristine -- "${files[@]}")
	[ ${#have[@]} -gt 0 ] || die "the base import has none of the files the series touches; re-import it (rm -rf $repo, then scripts/base-git.sh)"
	git -C "$repo" archive --format=tar refs/lazymm/pristine -- "${have[@]}"
}

# kdir_files: the same files as KDIR has them, as tar.
kdir_files() {
	local have
	mapfile -t have < <(series_files_in "$kdir")
	tar -C "$kdir" -cf - --files-from=/dev/null "${have[@]}"
}

# am_on_base: the series as commits on the base's files; its commits, in
# order, into the array picks.
am_on_base() {
	local log
	log=$(mktemp)
	if ! (cd "$LAZYMM_TOP/patches" && g am -q --committer-date-is-author-date \
		$(series_patches | sed "s|^|$LAZYMM_TOP/patches/|")) >"$log" 2>&1; then
		local n f
		n=$(sed -n 's/^Patch failed at 0*\([0-9]*\) .*/\1/p' "$log" | head -n1)
		f=$(sed -n 's/^error: patch failed: \([^:]*\):.*/\1/p' "$log" | paste -sd' ')
		rm -f "$log"
		die "patch ${names[${n:-1} - 1]} does not apply to the series' own base (Linux $(base_version)) either (file ${f:-?}), so there is nothing to carry from; fix the patch (make check-series shows it); KDIR left as it was"
	fi
	rm -f "$log"
	mapfile -t picks < <(g rev-list --reverse refs/tags/base..HEAD)
}

# check_base: the import is the kernel patches/series says it is made on
# (its "# Base: Linux X.Y.Z" line); carrying from another would merge
# against the wrong lines.
check_base() {
	local want
	want=$(sed -n 's/^# Base: Linux \([0-9][0-9.]*\).*/\1/p' "$LAZYMM_TOP/patches/series" | head -n1)
	[ -z "$want" ] || [ "$want" = "$(base_version)" ] ||
		die "the installed linux-source-6.1 is Linux $(base_version), but patches/ is made on Linux $want; carrying needs that base: install it (apt-cache madison linux-source-6.1; sudo apt-get install linux-source-6.1=<its version>)"
}

# base_version: the base import's kernel version, for messages.
base_version() {
	git -C "$repo" show refs/lazymm/pristine:Makefile | makefile_version
}

# pick I: cherry-pick commit I of the series onto the carried branch; a
# conflict rerere resolved from patches/resolutions/ is committed.
pick() {
	local log=$scratch.log
	g cherry-pick --allow-empty --keep-redundant-commits "${picks[$1]}" >"$log" 2>&1 &&
		return 0
	# Did rerere resolve every conflicted file (autoUpdate staged them)?
	[ -z "$(g diff --name-only --diff-filter=U)" ] &&
		grep -q "using previous resolution" "$log" || return 1
	# The pick's own message and author, byte for byte (--continue would
	# strip its "#" lines).
	g commit -q --no-edit --cleanup=verbatim -C "${picks[$1]}" >/dev/null 2>&1 || return 1
	note "  ${names[$1]}: resolved as recorded in patches/resolutions/ ($(grep -o "'[^']*' using previous resolution" "$log" | cut -d"'" -f2 | sort -u | paste -sd' '))"
	resolved=$((resolved + 1))
}

# patch_id A B [FILE]: the stable patch id of A..B (of FILE only).
patch_id() {
	g diff "$1" "$2" -- "${@:3}" | g patch-id --stable | cut -d' ' -f1
}

# merged_files PICK: the files whose change the merge altered (the others
# are the same change, at most moved).
merged_files() {
	local f
	for f in $(g diff --name-only "$1~1" "$1"); do
		[ "$(patch_id "$1~1" "$1" "$f")" = "$(patch_id HEAD~1 HEAD "$f")" ] || echo "$f"
	done
}

# resolutions_in: the recorded resolutions into the scratch repo's rerere.
resolutions_in() {
	local d=$LAZYMM_TOP/patches/resolutions
	[ -d "$d" ] || return 0
	mkdir -p "$scratch/.git/rr-cache"
	cp -r "$d"/. "$scratch/.git/rr-cache/"
	rm -f "$scratch/.git/rr-cache/README"
}

# record DIR: what was resolved in DIR (kept by --keep), into patches/resolutions:
# every rerere record there with a resolution (postimage, or postimage.N
# when git kept an older resolution of the same conflict beside it).
record() {
	local dir=$1 rec f n=0 dest
	[ -d "$dir/.git/rr-cache" ] ||
		die "$dir is no merge that carry.sh --keep left; run carry.sh --keep $dir KDIR OUT first"
	scratch=$dir
	# shellcheck disable=SC2046 # one argument per file is wanted
	! grep -lq '^<<<<<<< ' -- $(g diff --name-only --diff-filter=U | sed "s|^|$dir/|") /dev/null ||
		die "$dir still has conflict markers; resolve them first"
	g rerere >/dev/null
	dest=$LAZYMM_TOP/patches/resolutions
	mkdir -p "$dest"
	for rec in "$dir"/.git/rr-cache/*/; do
		rec=${rec%/}
		for f in "$rec"/postimage*; do
			[ -f "$f" ] || continue
			f=$(basename "$f")
			cmp -s "$rec/$f" "$dest/$(basename "$rec")/$f" 2>/dev/null && continue
			mkdir -p "$dest/$(basename "$rec")"
			cp "$rec/pre${f#post}" "$rec/$f" "$dest/$(basename "$rec")/"
			n=$((n + 1))
		done
	done
	[ "$n" -gt 0 ] || die "git rerere recorded no new resolution in $dir; resolve the conflicted files there (no markers left), then run --record again"
	note "recorded $n resolution(s) in patches/resolutions/; commit them, then carry again"
}

# report_conflict NAME: show what conflicted in patch NAME and stop.
report_conflict() {
	local name=$1 f files=()
	mapfile -t files < <(g diff --name-only --diff-filter=U)
	for f in "${files[@]}"; do
		if [ ! -e "$scratch/$f" ]; then
			echo "  $f: patch $name changes it, and KDIR has no such file" >&2
			continue
		fi
		echo "  $f: KDIR's lines (ours) against patch $name's (theirs):" >&2
		# The conflict regions only; diff3 style shows the base's lines too.
		awk '/^<<<<<<< /, /^>>>>>>> / { print "    " FNR ": " $0 }' "$scratch/$f" |
			head -n 80 >&2
	done
	[ ${#files[@]} -gt 0 ] || files=("?")
	if [ -n "$keep" ]; then
		trap - EXIT
		rm -rf "$out.partial" "$scratch.log"
		mv -T "$scratch" "$keep"
		note "the merge is in $keep: resolve ${files[*]} there, then scripts/carry.sh --record $keep"
	fi
	die "patch $name conflicts with KDIR=$kdir (Linux $(kernel_version "$kdir")) in ${files[*]}: the tree changed lines the patch changes since $(base_version) (hunks above); KDIR left as it was.  Resolve it once: scripts/carry.sh --keep DIR $kdir OUT, edit the file in DIR, scripts/carry.sh --record DIR"
}

main() {
	keep=
	case ${1:-} in
	-h|--help) usage; exit 0 ;;
	"") usage >&2; exit 1 ;;
	--record) record "$(optarg "$@")"; return ;;
	--keep)
		keep=$(optarg "$@")
		[ ! -e "$keep" ] || die "--keep $keep exists; give a new directory"
		shift 2 ;;
	esac
	[ $# -eq 2 ] || die "carry.sh needs KDIR and OUT; see $0 --help"
	kdir=$(resolve_kdir "$1")
	out=$2
	[ ! -e "$out" ] || die "OUT=$out exists; give a new directory"
	repo=$("$LAZYMM_TOP/scripts/base-git.sh")
	check_base
	mapfile -t files < <(series_files)
	mapfile -t names < <(series_patches)

	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch" "$scratch.log" "$out.partial"' EXIT
	g init -q -b series
	# The merge base of every pick: the series' files at the series' base.
	commit_files base_files "Linux $(base_version), the series' base"
	g tag base
	am_on_base
	g checkout -q --orphan carried
	commit_files kdir_files "Linux $(kernel_version "$kdir") as KDIR has it"
	g update-ref refs/lazymm/base HEAD

	resolutions_in
	local i merged=0 before after
	resolved=0
	for i in "${!picks[@]}"; do
		pick "$i" || report_conflict "${names[i]}"
		[ -n "$(g diff --name-only HEAD~1 HEAD)" ] ||
			die "patch ${names[i]} changes nothing in KDIR=$kdir: the tree has it already; take it out of patches/series for this tree"
		# Same patch id: the same change, at most moved.
		before=$(patch_id "${picks[i]}~1" "${picks[i]}")
		after=$(patch_id HEAD~1 HEAD)
		if [ "$before" != "$after" ]; then
			note "  ${names[i]}: merged in $(merged_files "${picks[i]}" | paste -sd' ')"
			merged=$((merged + 1))
		fi
	done
	rm -f "$scratch.log"

	mkdir -p "$out.partial"
	format_series "$scratch" "$scratch/mails"
	mapfile -t mails < <(cd "$scratch/mails" && ls -- *.patch)
	[ ${#mails[@]} = ${#names[@]} ] ||
		die "carrying made ${#mails[@]} patches of ${#names[@]}; report this as a lazymm bug"
	for i in "${!names[@]}"; do
		mv "$scratch/mails/${mails[i]}" "$out.partial/${names[i]}"
	done
	cp "$LAZYMM_TOP/patches/series" "$out.partial/series"
	mv -T "$out.partial" "$out"
	note "carried ${#names[@]} patches from $(base_version) onto KDIR (Linux $(kernel_version "$kdir")) by three-way merge: $((${#names[@]} - merged)) unchanged, $merged merged ($resolved of them as recorded)"
}

main "$@"
