#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Write the series as edited in a git tree (refs/lazymm/base..HEAD, which
# make apply started) back into patches/ and patches/series.
#
# Usage: scripts/export.sh KDIR
# One mail per commit, made with fixed git format-patch options whatever
# your git config says (9-character index lines, no signature, zero commit
# id), so a commit you did not change gives a byte-identical file.  A commit
# keeps the file name of the patch with its subject; a new one is numbered
# after the patch before it (0008a after 0008) or, at the end, after the last.
# patches/series keeps its comments and topic banners; the entry of a commit
# that is gone is dropped with its file.  The cover letter is left alone:
# make cover-letter then updates its shortlog and diffstat.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series-tree.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,15p' "$0"
}

# next_name PREV: the number for a patch inserted after PREV (0008 -> 0008a,
# 0008a -> 0008b).
next_name() {
	local n=${1%%-*} last
	case $n in
	*[a-y]) last=${n: -1}; echo "${n%?}$(echo "$last" | tr 'a-y' 'b-z')" ;;
	*) echo "${n}a" ;;
	esac
}

main() {
	case ${1:-} in
	-h|--help) usage; exit 0 ;;
	"") usage >&2; exit 1 ;;
	esac
	local kdir i j n old_names=() old_subjects=() new_files=() names=() taken=()
	kdir=$(resolve_kdir "$1")
	is_git_tree "$kdir" ||
		die "KDIR=$kdir is not a git tree; make export writes back commits, so apply the series with make apply KDIR=<git tree> and edit it there"
	git -C "$kdir" rev-parse -q --verify refs/lazymm/base >/dev/null ||
		die "KDIR=$kdir has no refs/lazymm/base; run make apply KDIR=$kdir first, then edit the commits it makes"
	git -C "$kdir" merge-base --is-ancestor refs/lazymm/base HEAD ||
		die "KDIR=$kdir HEAD is not on refs/lazymm/base; check out the branch with the series (git checkout lazymm)"
	[ ! -f "$(git -C "$kdir" rev-parse --absolute-git-dir)/lazymm/carried" ] ||
		die "KDIR=$kdir has the series carried onto Linux $(kernel_version "$kdir") by make apply, and patches/ is made on the base in patches/series; edit and export in a tree of that version (make tree, then git init it and make apply)"
	[ -z "$(git -C "$kdir" status --porcelain --untracked-files=no)" ] ||
		die "KDIR=$kdir has uncommitted changes, which would not be exported; commit them (git commit --fixup) or stash them first"

	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	format_series "$kdir" "$out"
	mapfile -t new_files < <(cd "$out" && ls -- *.patch 2>/dev/null)
	[ ${#new_files[@]} -gt 0 ] ||
		die "KDIR=$kdir has no commit after refs/lazymm/base; nothing to export"

	mapfile -t old_names < <(series_patches)
	for j in "${!old_names[@]}"; do
		old_subjects[j]=$(patch_subject "$LAZYMM_TOP/patches/${old_names[j]}" 2>/dev/null || true)
		taken[j]=
	done
	# Each commit takes the name of the first unused entry with its subject.
	local last_num=0 k
	for j in "${!old_names[@]}"; do
		k=${old_names[j]%%-*}
		k=${k%%[a-z]*}
		[ -z "$k" ] || [ $((10#$k)) -le "$last_num" ] || last_num=$((10#$k))
	done
	local any
	for i in "${!new_files[@]}"; do
		names[i]=
		local s
		s=$(patch_subject "$out/${new_files[i]}")
		for j in "${!old_names[@]}"; do
			if [ -z "${taken[j]}" ] && [ "${old_subjects[j]}" = "$s" ]; then
				taken[j]=$i
				names[i]=${old_names[j]}
				break
			fi
		done
	done
	# The new ones: after their predecessor, or at the end.
	for i in "${!new_files[@]}"; do
		[ -z "${names[i]}" ] || continue
		any=
		for ((k = i + 1; k < ${#new_files[@]}; k++)); do
			[ -z "${names[k]}" ] || { any=1; break; }
		done
		if [ -z "$any" ]; then
			last_num=$((last_num + 1))
			names[i]=$(printf '%04d-%s' "$last_num" "${new_files[i]#*-}")
		elif [ "$i" = 0 ]; then
			names[i]=0000a-${new_files[i]#*-}
		else
			names[i]=$(next_name "${names[i - 1]}")-${new_files[i]#*-}
		fi
	done

	write_series
	install_patches
}

# write_series: patches/series with each entry replaced by its commit's file
# (comments, banners and blank lines kept), the new files after their
# predecessor, the entries whose commit is gone dropped.
write_series() {
	local line entry i j next=0 tmp
	tmp=$(mktemp "$LAZYMM_TOP/patches/.series.XXXXXX")
	j=0
	while IFS= read -r line || [ -n "$line" ]; do
		entry=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' <<<"$line" | awk '{ print $1 }')
		if [ -z "$entry" ]; then
			printf '%s\n' "$line" >>"$tmp"
			continue
		fi
		i=${taken[j]}
		j=$((j + 1))
		[ -n "$i" ] || continue
		# The new files before this one that no entry placed yet.
		while [ "$next" -lt "$i" ]; do
			echo "${names[next]}" >>"$tmp"
			next=$((next + 1))
		done
		echo "${names[i]}" >>"$tmp"
		next=$((i + 1))
		# The new files right after it.
		while [ "$next" -lt ${#new_files[@]} ] && ! is_taken "$next"; do
			echo "${names[next]}" >>"$tmp"
			next=$((next + 1))
		done
	done <"$LAZYMM_TOP/patches/series"
	while [ "$next" -lt ${#new_files[@]} ]; do
		echo "${names[next]}" >>"$tmp"
		next=$((next + 1))
	done
	mv "$tmp" "$LAZYMM_TOP/patches/series"
}

# is_taken I: did commit I take an old entry's name?
is_taken() {
	local j
	for j in "${!taken[@]}"; do
		[ "${taken[j]}" != "$1" ] || return 0
	done
	return 1
}

# install_patches: the new files into patches/, the dropped ones out; say
# what changed.
install_patches() {
	local i j changed=0 added=0 removed=0
	for j in "${!old_names[@]}"; do
		[ -n "${taken[j]}" ] && continue
		rm -f "$LAZYMM_TOP/patches/${old_names[j]}"
		removed=$((removed + 1))
	done
	for i in "${!new_files[@]}"; do
		if [ ! -f "$LAZYMM_TOP/patches/${names[i]}" ]; then
			added=$((added + 1))
		elif ! cmp -s "$out/${new_files[i]}" "$LAZYMM_TOP/patches/${names[i]}"; then
			changed=$((changed + 1))
		else
			continue
		fi
		cp "$out/${new_files[i]}" "$LAZYMM_TOP/patches/${names[i]}"
	done
	note "exported ${#new_files[@]} commits of $kdir to patches/: $changed changed, $added added, $removed removed (git diff --stat patches/ shows them; make cover-letter updates the cover letter)"
}

main "$@"
